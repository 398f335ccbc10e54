"""Read-only queries of the web UI (the store as it is; no rule lives here).

The mail list pages by keyset on the mail id (newest first), so page N costs the same as page 1,
also with 100k mails.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from ..domain import mime, outbox
from ..domain.accounts import Account, ApiUser, Domain
from ..domain.label import Label
from ..domain.label import names as label_names
from ..domain.outbox import Mail, MailEvent, MailFilter, capped_count
from ..domain.webhook import WebhookAttempt, WebhookDelivery

PAGE = 50


def query_args(flt: MailFilter) -> dict:
    """The filter as the list page's query parameters (links keep it)."""
    values = {"account": flt.account, "apiUser": flt.api_user, "to": flt.to, "q": flt.q,
              "labelId": flt.label_id, "status": flt.status, "source": flt.source}
    return {k: v for k, v in values.items() if v not in (None, "")}


@dataclass
class MailPage:
    rows: list[tuple[Mail, str]]  # (mail, account userName)
    total: int
    capped: bool = False  # the total stopped at outbox.COUNT_CAP: shown as "N+"
    newer: int | None = None  # `after` cursor of the newer page, when there is one
    older: int | None = None  # `before` cursor of the older page, when there is one
    newest_id: int = 0
    labels: dict[int, str] = field(default_factory=dict)
    marks: dict[int, set[str]] = field(default_factory=dict)


def mail_page(session: Session, flt: MailFilter, before: int | None = None, after: int | None = None,
              limit: int = PAGE) -> MailPage:
    where = flt.where(session)
    if where is None:
        return MailPage([], 0)
    base = select(Mail, Account.user_name).join(Account, Account.id == Mail.account_id).where(*where)
    if after is not None:  # the newer page: ascending from the cursor, then flipped
        rows = list(session.exec(base.where(Mail.id > after).order_by(Mail.id.asc()).limit(limit + 1)).all())
        has_newer = len(rows) > limit
        rows = list(reversed(rows[:limit]))
        has_older = True
    else:
        query = base if before is None else base.where(Mail.id < before)
        rows = list(session.exec(query.order_by(Mail.id.desc()).limit(limit + 1)).all())
        has_older = len(rows) > limit
        rows = rows[:limit]
        has_newer = before is not None
    if not rows and after is not None:  # nothing newer any more: show the newest page
        return mail_page(session, flt, limit=limit)
    total, capped = capped_count(session, where)
    page = MailPage(rows, total, capped)
    if rows:
        page.newer = rows[0][0].id if has_newer else None
        page.older = rows[-1][0].id if has_older else None
    page.labels = label_names(session, {m.label_id for m, _ in rows})
    page.marks = marks(session, [m.id for m, _ in rows])
    return page


MARKS = ("open", "click", "unsubscribe")


def marks(session: Session, mail_ids: list[int]) -> dict[int, set[str]]:
    """Which of open / click / unsubscribe each mail has had (the list's marks)."""
    found: dict[int, set[str]] = defaultdict(set)
    if mail_ids:
        rows = session.exec(select(MailEvent.mail_id, MailEvent.event).distinct()
                            .where(MailEvent.mail_id.in_(mail_ids), MailEvent.event.in_(MARKS))).all()
        for mail_id, event in rows:
            found[mail_id].add(event)
    return found


def newest_event_id(session: Session) -> int:
    return session.exec(select(func.max(MailEvent.id))).one() or 0


def mail(session: Session, email_id: str) -> tuple[Mail, Account] | None:
    row = session.exec(select(Mail, Account).join(Account, Account.id == Mail.account_id)
                       .where(Mail.email_id == email_id)).first()
    return (row[0], row[1]) if row else None


def events(session: Session, mail_id: int) -> list[MailEvent]:
    return list(session.exec(select(MailEvent).where(MailEvent.mail_id == mail_id)
                             .order_by(MailEvent.created_at, MailEvent.id)).all())


def loads(value: str | None, default):
    try:
        return json.loads(value) if value else default
    except ValueError:
        return default


# accounts -----------------------------------------------------------------------------------------
def accounts(session: Session) -> list[tuple[Account, int]]:
    counts = dict(session.exec(select(Mail.account_id, func.count()).group_by(Mail.account_id)).all())
    return [(a, counts.get(a.id, 0)) for a in session.exec(select(Account).order_by(Account.id)).all()]


def account_names(session: Session, limit: int = 500) -> list[Account]:
    """The newest accounts first (the filter's suggestions; tests may create thousands)."""
    return list(session.exec(select(Account).order_by(Account.id.desc()).limit(limit)).all())


def account(session: Session, user_name: str) -> Account | None:
    return session.exec(select(Account).where(Account.user_name == user_name)).first()


def api_users(session: Session, account_id: int) -> list[tuple[ApiUser, Domain]]:
    return list(session.exec(select(ApiUser, Domain).join(Domain, Domain.id == ApiUser.domain_id)
                             .where(ApiUser.account_id == account_id).order_by(ApiUser.id)).all())


def domains(session: Session, account_id: int) -> list[Domain]:
    return list(session.exec(select(Domain).where(Domain.account_id == account_id).order_by(Domain.id)).all())


def labels(session: Session, account_id: int) -> list[tuple[Label, int]]:
    counts = dict(session.exec(select(Mail.label_id, func.count()).where(Mail.account_id == account_id)
                               .group_by(Mail.label_id)).all())
    rows = session.exec(select(Label).where(Label.account_id == account_id).order_by(Label.id)).all()
    return [(label, counts.get(label.id, 0)) for label in rows]


def all_labels(session: Session, account_name: str | None) -> list[Label]:
    query = select(Label).order_by(Label.id)
    if account_name:
        query = query.join(Account, Account.id == Label.account_id).where(Account.user_name == account_name)
    return list(session.exec(query.limit(500)).all())


def daily_events(session: Session, account_id: int, today: date, tz, days: int = 30) -> tuple[list[date], dict]:
    """Per local day, how many of each event the account's mails had (the statistics chart)."""
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz).astimezone(UTC)
    rows = session.exec(select(MailEvent.created_at, MailEvent.event)
                        .where(MailEvent.account_id == account_id, MailEvent.created_at >= start)).all()
    counts: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for created, event in rows:
        counts[created.astimezone(tz).date()][event] += 1
    return [first + timedelta(days=i) for i in range(days)], counts


def webhook_attempts(session: Session, page, account_id: int | None = None, email_id: str | None = None,
                     limit: int = 200) -> list[dict]:
    """Callback attempts, newest first (the shape of /_emulator/webhook-deliveries)."""
    query = select(WebhookAttempt, WebhookDelivery).join(WebhookDelivery,
                                                         WebhookDelivery.id == WebhookAttempt.delivery_id)
    if account_id is not None:
        query = query.where(WebhookAttempt.account_id == account_id)
    if email_id is not None:
        query = query.where(WebhookDelivery.email_id == email_id)
    rows = session.exec(query.order_by(WebhookAttempt.id.desc()).limit(limit)).all()
    return [{"url": a.url, "event": a.event, "emailId": d.email_id, "attempt": a.attempt, "statusCode": a.status_code,
             "error": a.error or "", "status": a.status, "sentAt": page.fmt(a.sent_at),
             "nextAttemptAt": page.fmt(a.next_attempt_at), "payload": _pretty(d.payload)} for a, d in rows]


def _pretty(payload: str) -> str:
    try:
        return json.dumps(json.loads(payload), ensure_ascii=False, indent=1)
    except ValueError:
        return payload


def message_headers(session: Session, mail: Mail) -> list[tuple[str, str]]:
    """The top-level header fields of the mail's RFC 5322 message (what the .eml carries)."""
    try:
        message = mime.build(mail, outbox.files_of(session, mail))
    except Exception:  # a view never fails on one odd stored mail; the .eml link still answers
        return []
    return [(name, str(value)) for name, value in message.items()]
