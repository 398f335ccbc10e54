"""Statistics and event queries derived from the stored mails and events (api.md §2.10–§2.13, §2.17, §4.3).

Nothing here is stored separately: every number is counted from Mail and MailEvent rows, attributed
to the mail's request time (in the emulator's time zone), API_USER, recipient domain and labelId.
"""

from datetime import datetime, tzinfo

from sqlalchemy import case, func
from sqlmodel import Session, select

from . import clock
from .outbox import Mail, MailEvent

COUNT_KEYS = ("requestNum", "deliveredNum", "clickNum", "openNum", "bounceNum", "spamReportedNum",
              "unsubscribeNum", "uniqueOpensNum", "uniqueClicksNum", "invalidEmailsNum")
PERCENT_KEYS = ("delivered", "click", "open", "bounce", "spamReported", "unsubscribe", "uniqueOpens",
                "uniqueClicks", "invalidEmails")
AGGREGATE_NAMES = {"uniqueOpensNum": "uniqueOpenNum", "uniqueClicksNum": "uniqueClickNum",
                   "invalidEmailsNum": "invalidEmailNum"}
INVALID_BUCKETS = {401: "sendcloudBlacklist", 402: "ubsubscribe", 403: "espUnvaliable", 404: "recipientAddressError",
                   405: "ipOrDomainRejected", 406: "recipientNotFound", 407: "spamEmail",
                   408: "senderOrRecipientRejected", 409: "others"}


def percent(part: int, whole: int) -> int | float:
    """100 × part ÷ whole truncated to 2 decimals; a whole number is emitted without decimals."""
    if whole <= 0 or part <= 0:
        return 0
    hundredths = 10000 * part // whole
    return hundredths // 100 if hundredths % 100 == 0 else hundredths / 100


def with_percents(counts: dict[str, int]) -> dict:
    row = dict(counts)
    for key in PERCENT_KEYS:
        row[f"{key}Percent"] = percent(counts[f"{key}Num"], counts["requestNum"])
    return row


def _mail_filters(account_id: int, bounds, api_users, label_ids, domains) -> list:
    where = [Mail.account_id == account_id]
    if bounds is not None:
        where += [Mail.request_time >= bounds[0], Mail.request_time < bounds[1]]
    if api_users is not None:
        where.append(Mail.api_user.in_(api_users))
    if label_ids is not None:
        where.append(Mail.label_id.in_(label_ids))
    if domains is not None:
        where.append(Mail.recipient_domain.in_(domains))
    return where


def _minute(session: Session, column):
    """The stored (UTC) request time cut to its minute, as text 'YYYY-MM-DD HH:MM', computed by the database.

    Grouping by this minute lets the database do the counting while the day/hour attribution in the
    emulator's zone stays in Python (every zone offset in use is whole minutes, so a minute never
    straddles a local hour or day boundary).
    """
    if session.get_bind().dialect.name == "postgresql":
        # a `timestamp` holding UTC wall time (UTCDateTime), so no session TimeZone applies
        return func.to_char(column, "YYYY-MM-DD HH24:MI")
    return func.strftime("%Y-%m-%d %H:%M", column)


def _local(minute: str, tz: tzinfo) -> datetime:
    return clock.aware(datetime.strptime(minute, "%Y-%m-%d %H:%M")).astimezone(tz)


def _has(event: str):
    return func.sum(case((MailEvent.event == event, 1), else_=0))


def traffic(session: Session, account_id: int, bounds, tz: tzinfo, *, hourly: bool = False, api_users=None,
            label_ids=None, domains=None) -> dict[tuple, dict[str, int]]:
    """(sendDate, [sendHour,] apiUser, [domain,] labelId) → the ten counts of statday / stathour.

    Counted in SQL: per mail its events, then per (request minute, apiUser, domain, labelId) the sums.
    """
    per_mail = (select(Mail.id.label("mail_id"), _minute(session, Mail.request_time).label("minute"),
                       Mail.api_user.label("api_user"), Mail.recipient_domain.label("domain"),
                       func.coalesce(Mail.label_id, 0).label("label_id"),
                       _has("deliver").label("deliver"), _has("invalid").label("invalid"),
                       _has("soft_bounce").label("bounce"), _has("open").label("open"), _has("click").label("click"),
                       _has("report_spam").label("spam"), _has("unsubscribe").label("unsubscribe"))
                .select_from(Mail).outerjoin(MailEvent, MailEvent.mail_id == Mail.id)
                .where(*_mail_filters(account_id, bounds, api_users, label_ids, domains))
                .group_by(Mail.id, Mail.request_time, Mail.api_user, Mail.recipient_domain, Mail.label_id)
                .subquery())
    c = per_mail.c

    def some(column):
        return func.sum(case((column > 0, 1), else_=0))

    query = (select(c.minute, c.api_user, c.domain, c.label_id, func.count(),
                    some(c.deliver), some(c.invalid), some(c.bounce), func.sum(c.open), func.sum(c.click),
                    some(c.open), some(c.click), func.sum(c.spam), func.sum(c.unsubscribe))
             .group_by(c.minute, c.api_user, c.domain, c.label_id))
    rows: dict[tuple, dict[str, int]] = {}
    for (minute, api_user, domain, label_id, requests, delivered, invalid, bounced, opens, clicks, unique_opens,
         unique_clicks, spam, unsubscribes) in session.exec(query).all():
        local = _local(minute, tz)
        day = local.strftime("%Y-%m-%d")
        key = (day, local.hour, api_user, label_id) if hourly else (day, api_user, domain, label_id)
        row = rows.setdefault(key, dict.fromkeys(COUNT_KEYS, 0))
        row["requestNum"] += int(requests)
        row["deliveredNum"] += int(delivered or 0)
        row["invalidEmailsNum"] += int(invalid or 0)
        row["bounceNum"] += int(bounced or 0)
        row["openNum"] += int(opens or 0)
        row["clickNum"] += int(clicks or 0)
        row["uniqueOpensNum"] += int(unique_opens or 0)
        row["uniqueClicksNum"] += int(unique_clicks or 0)
        row["spamReportedNum"] += int(spam or 0)
        row["unsubscribeNum"] += int(unsubscribes or 0)
    return dict(sorted(rows.items()))


def invalid_traffic(session: Session, account_id: int, bounds, tz: tzinfo, *, api_users=None, label_ids=None,
                    domains=None) -> dict[tuple, dict[str, int]]:
    """(sendDate, apiUser, labelId, domain) → invalid mails per subStat bucket (a mail's latest invalid counts).

    Counted in SQL: each mail's latest invalid event (highest id), grouped by request minute and subStat.
    """
    mail_filters = _mail_filters(account_id, bounds, api_users, label_ids, domains)
    latest = (select(func.max(MailEvent.id).label("event_id"))
              .select_from(Mail).join(MailEvent, MailEvent.mail_id == Mail.id)
              .where(*mail_filters, MailEvent.event == "invalid")
              .group_by(MailEvent.mail_id)
              .subquery())
    minute = _minute(session, Mail.request_time)
    label = func.coalesce(Mail.label_id, 0)
    query = (select(minute, Mail.api_user, Mail.recipient_domain, label, MailEvent.sub_stat, func.count())
             .select_from(MailEvent).join(latest, latest.c.event_id == MailEvent.id)
             .join(Mail, Mail.id == MailEvent.mail_id)
             .group_by(minute, Mail.api_user, Mail.recipient_domain, label, MailEvent.sub_stat))
    rows: dict[tuple, dict[str, int]] = {}
    for minute_text, api_user, domain, label_id, sub_stat, n in session.exec(query).all():
        day = _local(minute_text, tz).strftime("%Y-%m-%d")
        row = rows.setdefault((day, api_user, label_id, domain), dict.fromkeys(INVALID_BUCKETS.values(), 0))
        row[INVALID_BUCKETS.get(sub_stat, "others")] += int(n)
    return dict(sorted(rows.items(), key=lambda item: (item[0][0], item[0][1], item[0][3], item[0][2])))


def email_status(session: Session, account_id: int, *, email: str | None, email_ids: list[str] | None,
                 label_id: int | None, bounds, api_users, start: int, limit: int) -> tuple[list[Mail], int]:
    where = _mail_filters(account_id, bounds, api_users, None, None)
    if email is not None:
        where.append(Mail.recipient_key == email.lower())
    if email_ids is not None:
        where.append(Mail.email_id.in_(email_ids))
    if label_id is not None:
        where.append(Mail.label_id == label_id)
    total = session.exec(select(func.count()).select_from(Mail).where(*where)).one()
    rows = session.exec(select(Mail).where(*where).order_by(Mail.request_time.desc(), Mail.id.desc())
                        .offset(start).limit(limit)).all()
    return list(rows), total


def opens_and_clicks(session: Session, account_id: int, *, email: str | None, bounds, track_type: int | None,
                     label_id: int | None, api_users, start: int, limit: int) -> tuple[list[tuple], int]:
    """(MailEvent, Mail) pairs for open/click events, newest first; `email` ignores the window."""
    events = ["open", "click"] if track_type is None else ["open" if track_type == 1 else "click"]
    where = [MailEvent.account_id == account_id, MailEvent.event.in_(events)]
    if email is not None:
        where.append(Mail.recipient_key == email.lower())
    elif bounds is not None:
        where += [MailEvent.created_at >= bounds[0], MailEvent.created_at < bounds[1]]
    if label_id is not None:
        where.append(Mail.label_id == label_id)
    if api_users is not None:
        where.append(Mail.api_user.in_(api_users))
    base = select(MailEvent, Mail).join(Mail, Mail.id == MailEvent.mail_id).where(*where)
    total = session.exec(select(func.count()).select_from(MailEvent).join(Mail, Mail.id == MailEvent.mail_id)
                         .where(*where)).one()
    rows = session.exec(base.order_by(MailEvent.created_at.desc(), MailEvent.id.desc())
                        .offset(start).limit(limit)).all()
    return list(rows), total
