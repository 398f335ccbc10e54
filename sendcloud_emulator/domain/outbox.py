"""Sent mail: one row per recipient (emailId), rendered for that recipient, and its event log.

Owned by the mail module (writes mails) and the events module (writes events, moves `status`);
the control API, statistics and the web UI read them.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, func, or_
from sqlmodel import Field, Session, SQLModel, select

from ..store.db import SCHEMA_STEPS, TRAFFIC_TABLES
from .accounts import Account, find_account
from .clock import UTCDateTime

SOURCES = ("v2", "v1", "smtp")  # the doors a mail can come in by
STATUSES = ("request", "deliver", "invalid", "soft_bounce")  # a mail's delivery status
EVENTS = STATUSES + ("open", "click", "unsubscribe", "report_spam")  # what a MailEvent records


class Mail(SQLModel, table=True):
    # data/emailStatus and the statistics read one account's mails in a request_time window, newest first
    __table_args__ = (Index("ix_mail_account_request_time", "account_id", "request_time"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    email_id: str = Field(unique=True)
    message_id: str = Field(index=True)
    api_user: str = Field(index=True)  # the authenticating API_USER's name
    recipient: str = Field(index=True)  # the bare address as sent
    recipient_key: str = Field(index=True)  # lower-cased address, for case-insensitive lookups
    recipient_domain: str  # lower-cased domain of the recipient (stats rows)
    from_address: str = ""
    from_name: str = ""
    to: str = "[]"  # JSON list of the visible To addresses of this mail
    cc: str = "[]"  # JSON list
    bcc: str = "[]"  # JSON list
    reply_to: str = "[]"  # JSON list
    subject: str = ""
    html: str | None = None
    plain: str | None = None
    content_summary: str | None = None
    headers: str = "{}"  # JSON object of the custom headers kept on the message
    label_id: int = 0  # 0 = no label
    template_invoke_name: str | None = None
    maillist_task_id: int | None = Field(default=None, index=True)
    variables: str = "{}"  # JSON object: the %var% values used for this recipient
    attachments: str = "[]"  # JSON list [{filename, contentType, size, contentId}]
    status: str = "request"  # one of STATUSES
    sub_stat: int = 0
    request_time: datetime = Field(index=True, sa_type=UTCDateTime)
    status_time: datetime = Field(sa_type=UTCDateTime)
    # added by the mail module -------------------------------------------------------------------
    position: int = 0  # the recipient index inside its messageId (the number in the emailId)
    notification_to: str | None = None  # Disposition-Notification-To (read receipt), when asked for
    calendar: str | None = None  # the iCalendar text of a mail/sendcalendar mail
    xsmtpapi: str = "{}"  # JSON: the send's xsmtpapi `filters` and `settings` (stored, not applied)
    # The door the mail came in by. The server default gives rows stored before the column existed
    # "v2", the only door there was then (Store.create_schema adds the column to old databases).
    source: str = Field(default="v2", index=True, max_length=8, sa_column_kwargs={"server_default": "v2"})
    # what the mail's events add up to (kept by the event pipeline); database triggers fold them into
    # the per-minute statistics counters (domain/stats.py), so statistics never read every mail
    stat_delivered: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # 1: has a deliver event
    stat_invalid: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # 1: has an invalid event
    stat_invalid_sub: int | None = None  # subStat of its latest invalid event
    stat_bounced: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # 1: has a soft_bounce
    stat_opens: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    stat_clicks: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    stat_spam: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    stat_unsubscribes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


@dataclass(slots=True)
class MailRow:
    """A mail the send path has just rendered, as plain values (no ORM object): what its events read
    and change. The send path stores the row once its events have decided this state."""

    id: int
    account_id: int
    email_id: str
    message_id: str
    api_user: str
    recipient: str
    recipient_key: str
    label_id: int
    maillist_task_id: int | None
    headers: str
    html: str | None
    status: str
    sub_stat: int
    status_time: datetime
    stat_delivered: int = 0
    stat_invalid: int = 0
    stat_invalid_sub: int | None = None
    stat_bounced: int = 0
    stat_opens: int = 0
    stat_clicks: int = 0
    stat_spam: int = 0
    stat_unsubscribes: int = 0


class MailFile(SQLModel, table=True):
    """An attachment or inline image, stored once per send (messageId) and shared by its mails."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    message_id: str = Field(index=True)
    position: int  # order within the send: attachments first, then inline images
    filename: str
    content_type: str
    content_id: str | None = None  # set for inline images (embeddedImage)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class MailMessage(SQLModel, table=True):
    """A message as received over SMTP, stored once per send (messageId); /raw renders it per recipient."""

    __tablename__ = "mailmessage"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    message_id: str = Field(unique=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class MailEvent(SQLModel, table=True):
    # openandclick/list reads one account's events of some kinds in a time window; the index also
    # serves every other read by account (it replaced ix_mailevent_account_id, dropped below)
    __table_args__ = (Index("ix_mailevent_account_event_time", "account_id", "event", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    mail_id: int = Field(foreign_key="mail.id", index=True)
    email_id: str = Field(index=True)
    event: str  # one of EVENTS
    sub_stat: int | None = None
    url: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    created_at: datetime = Field(index=True, sa_type=UTCDateTime)


TRAFFIC_TABLES.update({Mail.__tablename__, MailEvent.__tablename__, MailFile.__tablename__,
                       MailMessage.__tablename__})


def _drop_replaced_indexes(connection) -> None:
    """Databases made before ix_mailevent_account_event_time also hold the index it replaced."""
    connection.exec_driver_sql("DROP INDEX IF EXISTS ix_mailevent_account_id")


SCHEMA_STEPS.append(_drop_replaced_indexes)


# the one outbox query: the control API ("Sent mail") and the web UI both read mails through it ----

@dataclass
class MailFilter:
    account: str | None = None  # the account's userName; one that does not exist matches no mail
    account_id: int | None = None
    api_user: str | None = None
    to: str | None = None
    from_: str | None = None
    subject: str | None = None
    label_id: int | None = None
    template_invoke_name: str | None = None
    message_id: str | None = None
    maillist_task_id: int | None = None
    status: str | None = None
    source: str | None = None
    since: datetime | None = None
    q: str | None = None

    def where(self, session: Session) -> list | None:
        """The SQL conditions, or None when `account` names no account (then nothing matches)."""
        found = []
        if self.account is not None:
            account = find_account(session, user_name=self.account)
            if account is None:
                return None
            found.append(Mail.account_id == account.id)
        if self.account_id is not None:
            found.append(Mail.account_id == self.account_id)
        if self.api_user is not None:
            found.append(Mail.api_user == self.api_user)
        if self.to is not None:
            found.append(Mail.recipient_key == self.to.strip().lower())
        if self.from_ is not None:
            found.append(func.lower(Mail.from_address) == self.from_.strip().lower())
        if self.subject is not None:
            found.append(Mail.subject.contains(self.subject, autoescape=True))
        if self.label_id is not None:
            found.append(Mail.label_id == self.label_id)
        if self.template_invoke_name is not None:
            found.append(Mail.template_invoke_name == self.template_invoke_name)
        if self.message_id is not None:
            found.append(Mail.message_id == self.message_id)
        if self.maillist_task_id is not None:
            found.append(Mail.maillist_task_id == self.maillist_task_id)
        if self.status is not None:
            found.append(Mail.status == self.status)
        if self.source is not None:
            found.append(Mail.source == self.source)
        if self.since is not None:
            found.append(Mail.request_time >= self.since)
        if self.q is not None:
            found.append(or_(Mail.subject.contains(self.q, autoescape=True),
                             Mail.html.contains(self.q, autoescape=True),
                             Mail.plain.contains(self.q, autoescape=True)))
        return found


COUNT_CAP = 10_000  # lists count matches up to here and then say "10000+", instead of counting every mail


def capped_count(session: Session, where: list, cap: int | None = None) -> tuple[int, bool]:
    """(matches, False), or (cap, True) when there are more than `cap` (default COUNT_CAP): reads at most
    cap + 1 index entries."""
    cap = COUNT_CAP if cap is None else cap
    found = session.exec(select(func.count()).select_from(select(Mail.id).where(*where).limit(cap + 1).subquery())).one()
    return (cap, True) if found > cap else (found, False)


def search(session: Session, flt: MailFilter, offset: int, limit: int, newest_first: bool = True,
           cap: int | None = None, columns: tuple | None = None) -> tuple[list, int, bool]:
    """(mails of the page, total, whether the total stopped at `cap`); without `cap` the total is exact.
    `columns`: read these (rows with their names) instead of whole mails. The page is read first: when
    it is the last one, its length gives the total and nothing is counted."""
    where = flt.where(session)
    if where is None:
        return [], 0, False
    order = Mail.id.desc() if newest_first else Mail.id.asc()
    query = select(Mail) if columns is None else select(*columns)
    rows = list(session.exec(query.where(*where).order_by(order).offset(offset).limit(limit)).all())
    if limit and len(rows) < limit and (rows or not offset):
        return rows, offset + len(rows), False
    if cap is None:
        return rows, session.exec(select(func.count()).select_from(Mail).where(*where)).one(), False
    total, capped = capped_count(session, where, offset + limit + cap)
    return rows, total, capped


# what a listed mail shows (the control API's summaries), with its account's userName: a page reads
# these columns, not whole mails with their contents
SUMMARY_COLUMNS = (Mail.email_id, Mail.message_id, Mail.account_id, Mail.api_user, Mail.source, Mail.from_address,
                   Mail.from_name, Mail.recipient, Mail.subject, Mail.status, Mail.sub_stat, Mail.label_id,
                   Mail.template_invoke_name, Mail.maillist_task_id, Mail.attachments, Mail.request_time,
                   select(Account.user_name).where(Account.id == Mail.account_id).scalar_subquery()
                   .label("user_name"))


def by_email_id(session: Session, email_id: str) -> Mail | None:
    return session.exec(select(Mail).where(Mail.email_id == email_id)).first()


def events_of(session: Session, mail: Mail) -> list[MailEvent]:
    return list(session.exec(select(MailEvent).where(MailEvent.mail_id == mail.id).order_by(MailEvent.id)).all())


def files_of(session: Session, mail: Mail) -> list[MailFile]:
    """The mail's attachments and inline images, in the order of its `attachments` list."""
    ids = [item.get("fileId") for item in json.loads(mail.attachments or "[]")]
    if not ids:
        return []
    rows = {row.id: row for row in session.exec(select(MailFile).where(MailFile.id.in_(ids))).all()}
    return [rows[i] for i in ids if i in rows]


def message_of(session: Session, mail: Mail) -> bytes | None:
    """The message as received (SMTP sends), or None for a mail the API composed."""
    row = session.exec(select(MailMessage).where(MailMessage.message_id == mail.message_id)).first()
    return None if row is None else row.data


def delete_mails(session: Session, mails: list[Mail]) -> int:
    """Delete mails with their events (and every other row pointing at them), orphaned files and messages."""
    if not mails:
        return 0
    ids = [m.id for m in mails]
    file_ids = {item.get("fileId") for m in mails for item in json.loads(m.attachments or "[]")}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name != Mail.__tablename__ and "mail_id" in table.c:
                session.exec(table.delete().where(table.c.mail_id.in_(chunk)))
        session.exec(Mail.__table__.delete().where(Mail.id.in_(chunk)))
    for message_id in sorted({m.message_id for m in mails}):
        if session.exec(select(Mail.id).where(Mail.message_id == message_id)).first() is None:
            session.exec(MailMessage.__table__.delete().where(MailMessage.message_id == message_id))
    for file_id in sorted(i for i in file_ids if i is not None):
        used = session.exec(select(Mail.id).where(Mail.attachments.contains(f'"fileId": {file_id}}}'))).first()
        if used is None:
            session.exec(MailFile.__table__.delete().where(MailFile.id == file_id))
    return len(ids)
