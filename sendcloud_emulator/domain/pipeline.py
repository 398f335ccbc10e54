"""The one send pipeline every door calls (docs/api.md §1.11, §2.1, §3; smtp.md §5).

A door reads its wire format (form parameters, an SMTP message) into a `Draft`, checking each
value with the functions below; `accept` then runs the final checks (40000 duplicate request id,
40904 quota, last) and stores one rendered mail per recipient, with its events. No door has
rules of its own for what these functions decide.
"""

from dataclasses import dataclass, field
from datetime import datetime

from ..codes import ApiError
from .. import values
from . import addresslist, events, quota, render, sending
from . import calendar as calendars
from . import template as templates

MAX_RECIPIENTS = 100
MAX_LINE = 255


@dataclass
class Draft:
    """What one send says, once read and checked (whichever door it came in by)."""

    from_address: str = ""
    from_name: str = ""
    list_mode: bool = False
    xsmtpapi: render.XSmtpApi | None = None
    to: list[str] = field(default_factory=list)  # mailboxes as sent: the visible To
    cc: list[str] = field(default_factory=list)  # the visible Cc
    bcc: list[str] = field(default_factory=list)
    envelope: list[str] | None = None  # SMTP: the RCPT addresses, one mail each in this order
    lists: list[addresslist.AddressList] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    subject: str | None = None
    html: str | None = None
    plain: str | None = None
    content_summary: str | None = None
    label_id: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    files: list[sending.FileIn] = field(default_factory=list)
    resp_email_id: bool = True
    notification_to: str | None = None
    send_request_id: str | None = None
    template: templates.Template | None = None
    meeting: calendars.Meeting | None = None
    message: bytes | None = None  # SMTP: the message as received (less X-SMTPAPI and Bcc), for /raw


@dataclass
class Accepted:
    message_id: str
    mails: list


# value checks: each takes a value as sent and returns it checked, or raises its code ---------------
def sender(text: str) -> tuple[str, str]:
    """`from`: a mailbox → (display name, address)."""
    parsed = values.parse_mailbox(text)
    if parsed is None:
        raise ApiError(40802)
    return parsed


def from_name(text: str) -> str:
    if not values.is_line(text) or len(text) > MAX_LINE:
        raise ApiError(40804)
    return text


def subject(text: str) -> str:
    if not values.is_line(text) or len(text) > MAX_LINE:
        raise ApiError(40809)
    return text


def html(text: str) -> str:
    if not values.is_text(text):
        raise ApiError(40871)
    return text


def plain(text: str) -> str:
    if not values.is_text(text):
        raise ApiError(40831)
    return text


def body(html_text: str | None, plain_text: str | None, *, keep_both: bool = False) -> tuple[str | None, str | None]:
    """Neither html nor plain → 40870. The API keeps html over plain; SMTP keeps both parts as sent."""
    if html_text is None and plain_text is None:
        raise ApiError(40870)
    return html_text, plain_text if keep_both or html_text is None else None


def xsmtpapi(text: str, *, require_to: bool) -> render.XSmtpApi:
    """The X-SMTPAPI value (docs/api.md §3): 40813 … 40880."""
    return render.parse(text, require_to=require_to)


# recipients and content --------------------------------------------------------------------------
def _address(entry: str) -> str:
    return values.parse_mailbox(entry)[1]


def recipients(draft: Draft) -> list[sending.Recipient]:
    """One per xsmtpapi.to entry; else one per RCPT address (SMTP), or per to, cc, then bcc entry."""
    xs = draft.xsmtpapi
    if xs is not None and xs.to is not None:
        return [sending.Recipient(_address(entry), [entry], variables=xs.variables(index))
                for index, entry in enumerate(xs.to)]
    variables = xs.variables(0) if xs is not None else {}
    if draft.envelope is not None:
        visible = {_address(entry).lower() for entry in draft.to + draft.cc}
        return [sending.Recipient(address, draft.to, draft.cc, [] if address.lower() in visible else [address],
                                  variables=variables)
                for address in draft.envelope]
    result = [sending.Recipient(_address(entry), draft.to, draft.cc, variables=variables)
              for entry in draft.to + draft.cc]
    result += [sending.Recipient(_address(entry), draft.to, draft.cc, [entry], variables=variables)
               for entry in draft.bcc]
    return result


def content(draft: Draft, calendar_text: str | None = None) -> sending.Content:
    subject_text, html, plain, summary = draft.subject, draft.html, draft.plain, draft.content_summary
    invoke_name = None
    if draft.template is not None:
        t = draft.template
        subject_text = subject_text if subject_text is not None else t.subject
        html, plain = t.html, (t.text or None)
        summary = summary if summary is not None else (t.content_summary or None)
        invoke_name = t.invoke_name
    return sending.Content(
        from_address=draft.from_address, from_name=draft.from_name, reply_to=draft.reply_to,
        subject=subject_text or "", html=html, plain=plain, content_summary=summary, label_id=draft.label_id,
        headers=draft.headers, notification_to=draft.notification_to, template_invoke_name=invoke_name,
        xsmtpapi=draft.xsmtpapi.kept() if draft.xsmtpapi is not None else "{}", calendar=calendar_text,
        files=draft.files)


# acceptance: the caller holds the account's write transaction --------------------------------------
def final_checks(ctx, draft: Draft, recipient_count: int) -> None:
    """40000 (a request id seen within the hour), then 40904 (quota), then remember the id."""
    sending.check_duplicate(ctx.session, ctx.account.id, draft.send_request_id, ctx.now)
    quota.consume(ctx.session, ctx.account.id, ctx.account.quota, ctx.today(), recipient_count)
    sending.remember(ctx.session, ctx.account.id, draft.send_request_id, ctx.now)


def accept(ctx, draft: Draft) -> Accepted:
    """Store a normal (not address-list) send: one mail per recipient, then its events."""
    found = recipients(draft)
    final_checks(ctx, draft, len(found))
    message_id = sending.new_message_id(ctx.store, ctx.session, ctx.account.id, ctx.now)
    calendar_text = None
    if draft.meeting is not None:
        meeting = draft.meeting
        uid = meeting.uid or message_id
        sequence = calendars.next_sequence(ctx.session, ctx.account.id, uid, meeting.cancel or meeting.update)
        calendar_text = calendars.build(meeting, uid, sequence, ctx.settings.timezone, ctx.now)
    sent = content(draft, calendar_text)
    attachments = sending.store_files(ctx.session, ctx.account.id, message_id, sent.files)
    if draft.message is not None:
        sending.store_message(ctx.session, ctx.account.id, message_id, draft.message)
    new = sending.render_mails(account_id=ctx.account.id, api_user=ctx.api_user.name, message_id=message_id,
                               content=sent, recipients=found, attachments=attachments, now=ctx.now,
                               source=ctx.source)
    store_mails(ctx, new, message_id)
    return Accepted(message_id, new.mails)


def store_mails(ctx, new: sending.NewMails, message_id: str, task_id: int | None = None) -> None:
    """Number the rendered mails, let their events decide each one's state, then store each row once,
    in that state, and the events (the caller holds the account's write transaction)."""
    sending.number_mails(ctx.session, new)
    events.on_accepted(ctx, new.mails, message_id, lambda: sending.insert_mails(ctx.session, new), task_id=task_id)


def accept_lists(ctx, draft: Draft) -> list[int]:
    """Accept an address-list send: one task per list with a snapshot of its members → the task ids.

    The members' mails are not created here: the task worker creates them in chunks
    (`create_task_chunk`), each in a write transaction of its own, so the request holds the write
    lock only for the checks, the snapshot (one INSERT … SELECT per list) and the task rows.
    """
    counts = addresslist.member_counts(ctx.session, [found.id for found in draft.lists])
    final_checks(ctx, draft, sum(counts.values()))
    sent = content(draft)
    attachments = None
    task_ids = []
    for found in draft.lists:
        message_id = sending.new_message_id(ctx.store, ctx.session, ctx.account.id, ctx.now)
        if attachments is None:
            attachments = sending.store_files(ctx.session, ctx.account.id, message_id, sent.files)
        task = sending.new_task(ctx.store, ctx.session, ctx.account.id, ctx.api_user.name, found.address,
                                message_id, counts.get(found.id, 0), ctx.now, sent, attachments, ctx.source)
        sending.snapshot_members(ctx.session, task.id, addresslist.AddressMember.__table__, found.id)
        task_ids.append(task.id)
    worker = getattr(ctx.services, "task_worker", None)
    if worker is not None and any(counts.values()):
        ctx.after_commit.append(worker.wake)
    return task_ids


@dataclass
class ChunkCtx:
    """What `events.on_accepted` reads of a request's context, for a chunk the task worker runs."""

    session: object
    now: datetime
    services: object | None = None
    after_commit: list = field(default_factory=list)
    created: int = 0  # the mails the chunk created


@dataclass
class RenderedChunk:
    """A task's next members with their mails rendered (not numbered, not stored)."""

    message_id: str
    work: sending.TaskWork
    new: sending.NewMails


def render_chunk(session, task: sending.MailTask, limit: int) -> RenderedChunk:
    """Read a task's next `limit` members and render their mails: no write, so the task worker can do
    it before it takes the write lock (create_task_chunk checks that the task has not moved since)."""
    work = sending.next_chunk(session, task, limit)
    members_in = [sending.Recipient(m.member, [m.member], variables=render.member_variables(m.vars, m.name, m.member))
                  for m in work.members]
    new = sending.render_mails(account_id=task.account_id, api_user=task.api_user, message_id=task.message_id,
                               content=work.content, recipients=members_in, attachments=work.attachments,
                               now=task.created_at, task_id=task.id, source=work.source, first=work.first)
    return RenderedChunk(task.message_id, work, new)


def create_task_chunk(session, task: sending.MailTask, limit: int, now: datetime, services=None,
                      rendered: RenderedChunk | None = None) -> ChunkCtx:
    """Create the mails of a task's next `limit` members (the caller holds the account's write
    transaction and has locked the task row) and record the progress in the same transaction.
    `rendered`: the chunk as rendered before the lock, used when the task is still where it was then.

    The mails and their events carry the task's acceptance time (its gmtCreated, the account's
    clock then), as they would had the request created them; gmtUpdated moves to `now`.
    """
    if (rendered is None or rendered.message_id != task.message_id or rendered.work.first != task.done
            or len(rendered.work.members) > limit):
        rendered = render_chunk(session, task, limit)
    chunk = ChunkCtx(session, task.created_at, services)
    store_mails(chunk, rendered.new, task.message_id, task_id=task.id)
    sending.advance_task(session, task, rendered.work, now)
    chunk.created = len(rendered.work.members)
    return chunk
