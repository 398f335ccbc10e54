"""The delivery pipeline: what an accepted send produces (api.md §4) and how events update state.

`on_accepted` is the one entry point of the mail module: it is called in the send's transaction,
after the Mail rows are flushed.
"""

from ..context import Ctx
from .outbox import Mail, MailEvent


def record(ctx: Ctx, mail: Mail, event: str, sub_stat: int | None = None, url: str | None = None) -> MailEvent:
    row = MailEvent(account_id=mail.account_id, mail_id=mail.id, email_id=mail.email_id, event=event,
                    sub_stat=sub_stat, url=url, created_at=ctx.now)
    ctx.session.add(row)
    if event in ("request", "deliver", "invalid", "soft_bounce"):
        mail.status, mail.sub_stat, mail.status_time = event, sub_stat or 0, ctx.now
        ctx.session.add(mail)
    return row


def on_accepted(ctx: Ctx, mails: list[Mail], message_id: str, task_id: int | None = None) -> None:
    """Every accepted recipient gets `request`, then its outcome (by default `deliver`)."""
    for mail in mails:
        record(ctx, mail, "request")
        record(ctx, mail, "deliver")
