"""Accepting a send (docs/api.md §2.1, §1.10, §1.11): ids, duplicate requests, tasks, stored mails.

A send becomes one Mail per recipient, rendered for that recipient (§3); its files are stored
once (MailFile) and referenced by every mail of the send.
"""

import dataclasses
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Column, Integer, UniqueConstraint, func, insert, literal
from sqlmodel import Field, Session, SQLModel, select

from .. import values
from ..codes import ApiError
from ..store.db import TRAFFIC_TABLES, Store, bind_time, insert_rows, reserve_ids
from . import render
from .clock import UTCDateTime
from .outbox import Mail, MailFile, MailMessage, MailRow

DUPLICATE_WINDOW = timedelta(hours=1)
MAX_FILE_BYTES = 10485760


class SendRequest(SQLModel, table=True):
    """A `sendRequestId` an account had accepted, and when (duplicates within 1 h get 40000)."""

    __tablename__ = "sendrequest"
    __table_args__ = (UniqueConstraint("account_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    key: str  # sha256 of the id (ids of any length compare whole)
    request_id: str
    accepted_at: datetime = Field(sa_type=UTCDateTime)


class MailTask(SQLModel, table=True):
    """An address-list task (one per alias of a list-mode send); `id` is the maillistTaskId.

    The request stores the task with its send (`spec`) and a snapshot of the list's members
    (TaskMember); the task worker creates the members' mails in chunks, `done` members at a time.
    """

    __tablename__ = "mailtask"
    id: int = Field(primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    api_user: str
    address_list: str  # the alias text at request time
    message_id: str = Field(index=True)
    member_count: int = 0
    # members whose mails exist: the next chunk starts at this position
    done: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    status: str = Field(default="requesting", index=True)  # requesting | completed
    spec: str | None = None  # JSON: the send's content, attachments and door, for the worker
    created_at: datetime = Field(sa_type=UTCDateTime)  # the acceptance time: every mail of the task carries it
    updated_at: datetime = Field(sa_type=UTCDateTime)


class TaskMember(SQLModel, table=True):
    """A task's snapshot of its list's members at request time, in the list's order (member_id);
    a member's row goes in the transaction that creates its mail, so what is left is still to do
    and the next member's position (its index in the emailId) is the task's `done`."""

    __tablename__ = "mailtaskmember"
    task_id: int = Field(primary_key=True)
    member_id: int = Field(primary_key=True)  # the AddressMember id: the list's order (oldest first)
    account_id: int = Field(foreign_key="account.id")  # for a reset (few rows: only pending members)
    member: str
    name: str = ""
    vars: str = ""


TRAFFIC_TABLES.update({SendRequest.__tablename__, MailTask.__tablename__, TaskMember.__tablename__})


# duplicate requests ---------------------------------------------------------------------------
def _key(request_id: str) -> str:
    return hashlib.sha256(request_id.encode("utf-8")).hexdigest()


def check_duplicate(session: Session, account_id: int, request_id: str | None, now: datetime) -> None:
    """40000 when the account accepted this id within the last hour (caller holds the write lock)."""
    if request_id is None:
        return
    row = session.exec(select(SendRequest).where(SendRequest.account_id == account_id,
                                                 SendRequest.key == _key(request_id))).first()
    if row is not None and row.accepted_at > now - DUPLICATE_WINDOW:
        raise ApiError(40000)


def remember(session: Session, account_id: int, request_id: str | None, now: datetime) -> None:
    if request_id is None:
        return
    row = session.exec(select(SendRequest).where(SendRequest.account_id == account_id,
                                                 SendRequest.key == _key(request_id))).first()
    if row is None:
        row = SendRequest(account_id=account_id, key=_key(request_id), request_id=request_id, accepted_at=now)
    row.accepted_at = now
    session.add(row)


# identifiers ------------------------------------------------------------------------------------
def new_message_id(store: Store, session: Session, account_id: int, now: datetime) -> str:
    """`<epochMs>_<accountNo>_<seq>_<rand>.sc-10_0_0_1-inbound` (§1.10)."""
    seq = store.next_id(session, "message", first=1)
    epoch_ms = int(now.timestamp() * 1000)
    return f"{epoch_ms}_{account_id}_{seq}_{secrets.randbelow(10000)}.sc-10_0_0_1-inbound"


def email_id(message_id: str, index: int, address: str) -> str:
    return f"{message_id}{index}${address}"


# content ----------------------------------------------------------------------------------------
@dataclass
class FileIn:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None


@dataclass
class Content:
    """Everything of a send that is the same for every recipient (before rendering)."""

    from_address: str
    from_name: str
    reply_to: list[str]
    subject: str
    html: str | None
    plain: str | None
    content_summary: str | None = None
    label_id: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    notification_to: str | None = None
    template_invoke_name: str | None = None
    xsmtpapi: str = "{}"
    calendar: str | None = None
    files: list[FileIn] = field(default_factory=list)


@dataclass
class Recipient:
    address: str  # the bare address as sent
    to: list[str]  # the visible To of this mail (mailboxes as sent)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)


def store_files(session: Session, account_id: int, message_id: str, files: list[FileIn]) -> list[dict]:
    """Store the send's files once; the returned list is each mail's `attachments` value."""
    listed = []
    for position, item in enumerate(files):
        # names come from any door as sent; a lone surrogate (utf-7) cannot be stored
        item.filename = values.without_surrogates(item.filename)
        item.content_type = values.without_surrogates(item.content_type)
        if item.content_id is not None:
            item.content_id = values.without_surrogates(item.content_id)
        row = MailFile(account_id=account_id, message_id=message_id, position=position, filename=item.filename,
                       content_type=item.content_type, content_id=item.content_id, size=len(item.data),
                       data=item.data)
        session.add(row)
        session.flush()
        listed.append({"filename": item.filename, "contentType": item.content_type, "size": len(item.data),
                       "contentId": item.content_id, "fileId": row.id})
    return listed


def store_message(session: Session, account_id: int, message_id: str, data: bytes) -> None:
    """Keep an SMTP send's message as received (once; each mail's /raw renders it for its recipient)."""
    session.add(MailMessage(account_id=account_id, message_id=message_id, data=data))


# a mail's columns as render_mails renders them; insert_mails adds its id first, then its request time and
# what its events decided
RENDERED_COLUMNS = (
    "account_id", "email_id", "message_id", "api_user", "recipient", "recipient_key", "recipient_domain",
    "from_address", "from_name", "to", "cc", "bcc", "reply_to", "subject", "html", "plain", "content_summary",
    "headers", "label_id", "template_invoke_name", "maillist_task_id", "variables", "attachments", "position",
    "notification_to", "calendar", "xsmtpapi", "source")
MAIL_COLUMNS = ("id",) + RENDERED_COLUMNS + (
    "request_time", "status", "sub_stat", "status_time", "stat_delivered", "stat_invalid", "stat_invalid_sub",
    "stat_bounced", "stat_opens", "stat_clicks", "stat_spam", "stat_unsubscribes")
_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False) without a new encoder per call


@dataclass
class NewMails:
    """A send's mails, rendered for their recipients but not stored yet: `number_mails` gives them
    their ids, the events decide their state, then `insert_mails` stores each row once, in that
    state (so the statistics triggers run once per mail)."""

    rows: list[tuple]  # per mail, the RENDERED_COLUMNS values
    mails: list[MailRow]  # the same mails as the events read and change them
    first: int = 0  # the index of the first mail in its messageId
    now: datetime | None = None  # their request time


def render_mails(*, account_id: int, api_user: str, message_id: str, content: Content, recipients: list[Recipient],
                 attachments: list[dict], now: datetime, task_id: int | None = None, source: str = "v2",
                 first: int = 0) -> NewMails:
    """One Mail per recipient, index = `first` + position in `recipients`, rendered for that recipient.

    No database work: an address-list chunk renders its members before it takes the write lock. An
    address-list task creates its mails in chunks: `first` is the chunk's first member position.
    """
    attachments_json = _json(attachments)
    headers_json = _json(content.headers)
    reply_to_json = _json(content.reply_to)
    rows, mails = [], []
    for offset, recipient in enumerate(recipients):
        index = first + offset
        address = recipient.address
        eid = email_id(message_id, index, address)
        variables = recipient.variables
        key = address.lower()
        html = render.substitute(content.html, variables, eid)
        rows.append((
            account_id, eid, message_id, api_user, address, key, address.rsplit("@", 1)[-1].lower(),
            content.from_address, content.from_name, _json(recipient.to), _json(recipient.cc) if recipient.cc else "[]",
            _json(recipient.bcc) if recipient.bcc else "[]", reply_to_json,
            render.one_line(render.substitute(content.subject, variables, eid)),
            html, render.substitute(content.plain, variables, eid), content.content_summary, headers_json,
            content.label_id, content.template_invoke_name, task_id, _json(variables) if variables else "{}",
            attachments_json, index, content.notification_to, content.calendar, content.xsmtpapi, source))
        mails.append(MailRow(0, account_id, eid, message_id, api_user, address, key, content.label_id,
                             task_id, headers_json, html, "request", 0, now))
    return NewMails(rows, mails, first, now)


def number_mails(session: Session, new: NewMails) -> None:
    """Reserve the mails' ids (the caller holds the write transaction; rows are never read back)."""
    for mail, mail_id in zip(new.mails, reserve_ids(session, Mail.__table__, len(new.mails)) if new.mails else ()):
        mail.id = mail_id


def insert_mails(session: Session, new: NewMails) -> None:
    """Store the numbered mails, each with the state its events left on its MailRow."""
    if not new.mails:
        return
    connection = session.connection()
    status_time = bind_time(connection, Mail.__table__, "status_time")
    request_time = bind_time(connection, Mail.__table__, "request_time")(new.now)
    bound: dict[datetime, object] = {}  # the mails of a send share their status time: convert it once
    rows = []
    for row, mail in zip(new.rows, new.mails):
        moment = mail.status_time
        if moment not in bound:
            bound[moment] = status_time(moment)
        rows.append((mail.id, *row, request_time, mail.status, mail.sub_stat, bound[moment], mail.stat_delivered,
                     mail.stat_invalid, mail.stat_invalid_sub, mail.stat_bounced, mail.stat_opens, mail.stat_clicks,
                     mail.stat_spam, mail.stat_unsubscribes))
    insert_rows(connection, Mail.__table__, MAIL_COLUMNS, rows)


# tasks ------------------------------------------------------------------------------------------
def new_task(store: Store, session: Session, account_id: int, api_user: str, alias: str, message_id: str,
             member_count: int, now: datetime, content: Content, attachments: list[dict], source: str) -> MailTask:
    """The task row; with no member it is complete at once, else the worker creates its mails."""
    spec = {"content": {k: v for k, v in dataclasses.asdict(content).items() if k != "files"},
            "attachments": attachments, "source": source}
    task = MailTask(id=store.next_id(session, "maillisttask", first=1), account_id=account_id, api_user=api_user,
                    address_list=alias, message_id=message_id, member_count=member_count,
                    status="requesting" if member_count else "completed",
                    spec=json.dumps(spec, ensure_ascii=False), created_at=now, updated_at=now)
    session.add(task)
    session.flush()
    return task


def snapshot_members(session: Session, task_id: int, member_table, list_id: int) -> int:
    """Copy a list's members into the task's snapshot: one INSERT … SELECT, no row passes through
    Python. → the number of members copied."""
    m = member_table.c
    rows = select(literal(task_id), m.id, m.account_id, m.member, m.name, m.vars).where(m.list_id == list_id)
    done = session.connection().execute(insert(TaskMember.__table__).from_select(
        ["task_id", "member_id", "account_id", "member", "name", "vars"], rows))
    return done.rowcount


@dataclass
class TaskWork:
    """The next chunk of a task: its members from position `first`, and what the send said."""

    first: int
    members: list  # rows of (member_id, member, name, vars), in the list's order
    content: Content
    attachments: list[dict]
    source: str


def next_chunk(session: Session, task: MailTask, limit: int) -> TaskWork:
    spec = json.loads(task.spec or "{}")
    c = TaskMember.__table__.c  # plain rows: no ORM object per member
    members = session.connection().execute(
        select(c.member_id, c.member, c.name, c.vars).where(c.task_id == task.id)
        .order_by(c.member_id).limit(limit)).all()
    return TaskWork(task.done, list(members), Content(**spec.get("content", {}), files=[]),
                    spec.get("attachments", []), spec.get("source", "v2"))


def advance_task(session: Session, task: MailTask, work: TaskWork, now: datetime) -> None:
    """Record a chunk: its members have their mails (their snapshot rows go); the last chunk
    completes the task. Committed with the chunk's mails, so a restart resumes right after it."""
    if work.members:
        c = TaskMember.__table__.c
        session.connection().execute(TaskMember.__table__.delete().where(
            c.task_id == task.id, c.member_id <= work.members[-1].member_id))
    task.done, task.updated_at = task.done + len(work.members), now
    if not work.members or task.done >= task.member_count:
        task.status = "completed"
    session.add(task)


def get_task(session: Session, account_id: int, task_id: int) -> MailTask:
    task = session.get(MailTask, task_id)
    if task is None or task.account_id != account_id:
        raise ApiError(6001)
    return task
