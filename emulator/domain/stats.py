"""Statistics and event queries derived from the stored mails and events (api.md §2.10–§2.13, §2.17, §4.3).

Nothing here is stored separately: every number is counted from Mail and MailEvent rows, attributed
to the mail's request time (in the emulator's time zone), API_USER, recipient domain and labelId.
"""

from collections import defaultdict
from datetime import UTC, datetime, tzinfo

from sqlalchemy import func
from sqlmodel import Session, select

from .label import Label
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


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


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


def label_names(session: Session, account_id: int, ids) -> dict[int, str]:
    ids = [i for i in set(ids) if i]
    if not ids:
        return {}
    rows = session.exec(select(Label.id, Label.name).where(Label.account_id == account_id, Label.id.in_(ids))).all()
    return {i: name for i, name in rows}


def traffic(session: Session, account_id: int, bounds, tz: tzinfo, *, hourly: bool = False, api_users=None,
            label_ids=None, domains=None) -> dict[tuple, dict[str, int]]:
    """(sendDate, [sendHour,] apiUser, [domain,] labelId) → the ten counts of statday / stathour."""
    query = (select(Mail.id, Mail.request_time, Mail.api_user, Mail.recipient_domain, Mail.label_id,
                    MailEvent.event, func.count(MailEvent.id))
             .select_from(Mail).outerjoin(MailEvent, MailEvent.mail_id == Mail.id)
             .where(*_mail_filters(account_id, bounds, api_users, label_ids, domains))
             .group_by(Mail.id, MailEvent.event))
    mails: dict[int, tuple] = {}
    events: dict[int, dict[str, int]] = defaultdict(dict)
    for mail_id, request_time, api_user, domain, label_id, event, n in session.exec(query).all():
        mails[mail_id] = (request_time, api_user, domain, label_id or 0)
        if event is not None:
            events[mail_id][event] = n
    rows: dict[tuple, dict[str, int]] = {}
    for mail_id, (request_time, api_user, domain, label_id) in mails.items():
        local = _aware(request_time).astimezone(tz)
        day = local.strftime("%Y-%m-%d")
        key = (day, local.hour, api_user, label_id) if hourly else (day, api_user, domain, label_id)
        row = rows.setdefault(key, dict.fromkeys(COUNT_KEYS, 0))
        seen = events.get(mail_id, {})
        row["requestNum"] += 1
        row["deliveredNum"] += 1 if seen.get("deliver") else 0
        row["invalidEmailsNum"] += 1 if seen.get("invalid") else 0
        row["bounceNum"] += 1 if seen.get("soft_bounce") else 0
        row["openNum"] += seen.get("open", 0)
        row["clickNum"] += seen.get("click", 0)
        row["uniqueOpensNum"] += 1 if seen.get("open") else 0
        row["uniqueClicksNum"] += 1 if seen.get("click") else 0
        row["spamReportedNum"] += seen.get("report_spam", 0)
        row["unsubscribeNum"] += seen.get("unsubscribe", 0)
    return dict(sorted(rows.items()))


def invalid_traffic(session: Session, account_id: int, bounds, tz: tzinfo, *, api_users=None, label_ids=None,
                    domains=None) -> dict[tuple, dict[str, int]]:
    """(sendDate, apiUser, labelId, domain) → invalid mails per subStat bucket (a mail's latest invalid counts)."""
    query = (select(Mail.id, Mail.request_time, Mail.api_user, Mail.recipient_domain, Mail.label_id, MailEvent.sub_stat)
             .join(MailEvent, MailEvent.mail_id == Mail.id)
             .where(*_mail_filters(account_id, bounds, api_users, label_ids, domains), MailEvent.event == "invalid")
             .order_by(MailEvent.id))
    latest: dict[int, tuple] = {}
    for mail_id, request_time, api_user, domain, label_id, sub_stat in session.exec(query).all():
        latest[mail_id] = (request_time, api_user, domain, label_id or 0, sub_stat)
    rows: dict[tuple, dict[str, int]] = {}
    for request_time, api_user, domain, label_id, sub_stat in latest.values():
        day = _aware(request_time).astimezone(tz).strftime("%Y-%m-%d")
        row = rows.setdefault((day, api_user, label_id, domain), dict.fromkeys(INVALID_BUCKETS.values(), 0))
        row[INVALID_BUCKETS.get(sub_stat, "others")] += 1
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
