"""Statistics and event queries derived from the stored mails and events (docs/api.md §2.10–§2.13, §2.17, §4.3).

statday, stathour and invalidstat read per-minute counters (StatMinute) that database triggers keep
from each mail's running totals; every number is attributed to the mail's request time (in the
emulator's time zone), API_USER, recipient domain and labelId. The query actions read Mail and
MailEvent rows.
"""

from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import Column, Integer, MetaData, String, Table, TextClause, UniqueConstraint, bindparam, func, text
from sqlmodel import Session, select

from ..store.db import DERIVED_TABLES, SCHEMA_STEPS
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


def _filters(columns: tuple, account_id: int, bounds, api_users, label_ids, domains) -> list:
    """The statistics filters over one table's (account, time, apiUser, labelId, recipient domain)
    columns; `bounds` in the time column's own form."""
    account, when, api_user, label, domain = columns
    where = [account == account_id]
    if bounds is not None:
        where += [when >= bounds[0], when < bounds[1]]
    for column, wanted in ((api_user, api_users), (label, label_ids), (domain, domains)):
        if wanted is not None:
            where.append(column.in_(wanted))
    return where


def _mail_filters(account_id: int, bounds, api_users, label_ids, domains) -> list:
    columns = (Mail.account_id, Mail.request_time, Mail.api_user, Mail.label_id, Mail.recipient_domain)
    return _filters(columns, account_id, bounds, api_users, label_ids, domains)


# Per-minute statistics counters: the mails requested in one UTC minute, per (apiUser, recipient domain,
# labelId, invalid subStat), and what their events add up to. Kept by database triggers on `mail` from
# each mail's running totals (Mail.stat_*), so every way a mail row is written, moved or deleted keeps
# them right; statday, stathour and invalidstat read these rows, never every mail. Derived data, like
# an index: outside SQLModel's metadata (the tables of record), created with the triggers.
DERIVED = MetaData()
StatMinute = Table(
    "statminute", DERIVED,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, nullable=False, index=True),
    Column("minute", String, nullable=False),  # 'YYYY-MM-DD HH:MM' of the mails' request time in UTC
    Column("api_user", String, nullable=False),
    Column("domain", String, nullable=False),
    Column("label_id", Integer, nullable=False),
    # -1: the mails have no invalid event; else the subStat of their latest one (0: none given)
    Column("sub_stat", Integer, nullable=False),
    *(Column(name, Integer, nullable=False, server_default="0") for name in (
        "requests", "delivered", "invalid", "bounced", "opens", "clicks", "unique_opens", "unique_clicks", "spam",
        "unsubscribes")),
    UniqueConstraint("account_id", "minute", "api_user", "domain", "label_id", "sub_stat", name="uq_statminute_key"),
)
DERIVED_TABLES.append(StatMinute)
COUNTERS = ("requests", "delivered", "invalid", "bounced", "opens", "clicks", "unique_opens", "unique_clicks",
            "spam", "unsubscribes")
# COUNTERS as statday names them
COUNTER_NAMES = ("requestNum", "deliveredNum", "invalidEmailsNum", "bounceNum", "openNum", "clickNum",
                 "uniqueOpensNum", "uniqueClicksNum", "spamReportedNum", "unsubscribeNum")
KEY = ("account_id", "minute", "api_user", "domain", "label_id", "sub_stat")
WATCHED = ("account_id", "request_time", "api_user", "recipient_domain", "label_id", "stat_delivered", "stat_invalid",
           "stat_invalid_sub", "stat_bounced", "stat_opens", "stat_clicks", "stat_spam", "stat_unsubscribes")


def _values_list(row: str, minute: str, sign: str = "") -> list[str]:
    """One mail row's part of its counter row (key, then counters times `sign`: '' or '-')."""
    return [f"{row}.account_id", minute, f"{row}.api_user", f"{row}.recipient_domain",
            f"COALESCE({row}.label_id, 0)",
            f"CASE WHEN {row}.stat_invalid > 0 THEN COALESCE({row}.stat_invalid_sub, 0) ELSE -1 END",
            f"{sign}1", f"{sign}{row}.stat_delivered", f"{sign}{row}.stat_invalid", f"{sign}{row}.stat_bounced",
            f"{sign}{row}.stat_opens", f"{sign}{row}.stat_clicks",
            f"{sign}(CASE WHEN {row}.stat_opens > 0 THEN 1 ELSE 0 END)",
            f"{sign}(CASE WHEN {row}.stat_clicks > 0 THEN 1 ELSE 0 END)",
            f"{sign}{row}.stat_spam", f"{sign}{row}.stat_unsubscribes"]


def _upsert(row: str, minute: str, sign: str) -> str:
    columns, values = ", ".join(KEY + COUNTERS), ", ".join(_values_list(row, minute, sign))
    added = ", ".join(f"{c} = statminute.{c} + excluded.{c}" for c in COUNTERS)
    return (f"INSERT INTO statminute ({columns}) VALUES ({values}) "
            f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {added};")


def _sqlite_minute(row: str) -> str:
    return f"strftime('%Y-%m-%d %H:%M', {row}.request_time)"


def _pg_minute(row: str) -> str:
    # a `timestamp` holding UTC wall time (clock.UTCDateTime), so no session TimeZone applies
    return f"to_char({row}.request_time, 'YYYY-MM-DD HH24:MI')"


def install_counters(connection) -> None:
    """Create the triggers that keep statminute (once per database), back-filling older databases first."""
    DERIVED.create_all(connection)
    dialect = connection.dialect.name
    if dialect == "sqlite":
        present = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'mail_stat_insert'").first()
    else:
        present = connection.exec_driver_sql(
            "SELECT 1 FROM pg_trigger WHERE tgname = 'mail_stat' AND tgrelid = 'mail'::regclass").first()
    if present:
        return
    _backfill(connection, _sqlite_minute("mail") if dialect == "sqlite" else _pg_minute("mail"))
    watched = ", ".join(WATCHED)
    if dialect == "sqlite":
        new, old = _sqlite_minute("NEW"), _sqlite_minute("OLD")
        connection.exec_driver_sql(f"CREATE TRIGGER mail_stat_insert AFTER INSERT ON mail BEGIN "
                                   f"{_upsert('NEW', new, '')} END")
        connection.exec_driver_sql(f"CREATE TRIGGER mail_stat_delete AFTER DELETE ON mail BEGIN "
                                   f"{_upsert('OLD', old, '-')} END")
        connection.exec_driver_sql(f"CREATE TRIGGER mail_stat_update AFTER UPDATE OF {watched} ON mail BEGIN "
                                   f"{_upsert('OLD', old, '-')} {_upsert('NEW', new, '')} END")
        return
    new, old = _pg_minute("NEW"), _pg_minute("OLD")
    connection.exec_driver_sql(f"""CREATE OR REPLACE FUNCTION mail_stat() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN {_upsert('OLD', old, '-')} END IF;
  IF TG_OP <> 'DELETE' THEN {_upsert('NEW', new, '')} END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""")
    connection.exec_driver_sql(f"CREATE TRIGGER mail_stat AFTER INSERT OR DELETE OR UPDATE OF {watched} ON mail "
                               "FOR EACH ROW EXECUTE FUNCTION mail_stat()")


def _backfill(connection, minute: str) -> None:
    """A database from before the counters: each mail's totals from its events, then the counter rows."""
    if connection.exec_driver_sql("SELECT 1 FROM mail LIMIT 1").first() is None:
        return
    connection.exec_driver_sql("DELETE FROM statminute")
    count = "(SELECT COUNT(*) FROM mailevent e WHERE e.mail_id = mail.id AND e.event = '{}')"
    has = "(CASE WHEN EXISTS (SELECT 1 FROM mailevent e WHERE e.mail_id = mail.id AND e.event = '{}') THEN 1 ELSE 0 END)"
    connection.exec_driver_sql(
        f"UPDATE mail SET stat_delivered = {has.format('deliver')}, stat_invalid = {has.format('invalid')}, "
        f"stat_bounced = {has.format('soft_bounce')}, stat_opens = {count.format('open')}, "
        f"stat_clicks = {count.format('click')}, stat_spam = {count.format('report_spam')}, "
        f"stat_unsubscribes = {count.format('unsubscribe')}, stat_invalid_sub = (SELECT e.sub_stat FROM mailevent e "
        "WHERE e.mail_id = mail.id AND e.event = 'invalid' ORDER BY e.id DESC LIMIT 1)")
    parts = ", ".join(f"{v} AS {c}" for v, c in zip(_values_list("mail", minute), KEY + COUNTERS))
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    connection.exec_driver_sql(
        f"INSERT INTO statminute ({', '.join(KEY + COUNTERS)}) SELECT {', '.join(KEY)}, {sums} "
        f"FROM (SELECT {parts} FROM mail) AS parts GROUP BY {', '.join(KEY)}")


SCHEMA_STEPS.append(install_counters)


def _minute_text(moment: datetime) -> str:
    return clock.aware(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M")


# The counter reads are plain SQL, built once per shape (which filters are given, how the rows are
# grouped): a request runs a cached statement instead of building and compiling an ORM query, which
# cost several times what the read itself does.
_QUERIES: dict[tuple, TextClause] = {}
_LISTS = (("api_user", "api_users"), ("label_id", "label_ids"), ("domain", "domains"))
# typed, so an empty list still compares with its column (PostgreSQL rejects text = integer)
_LIST_TYPES = {"api_users": String(), "label_ids": Integer(), "domains": String()}
HOUR = timedelta(hours=1)


def _counter_query(group: tuple[str, ...], sums: tuple[str, ...], windowed: bool, lists: tuple[str, ...],
                   condition: str = "") -> TextClause:
    """SELECT *group, SUM(*sums) FROM statminute for one account [in the window :lo–:hi], GROUP BY
    `group` (none: one row); `lists` names the filter lists given (:api_users, :label_ids, :domains)."""
    shape = (group, sums, windowed, lists, condition)
    query = _QUERIES.get(shape)
    if query is None:
        where = ["account_id = :account"] + (["minute >= :lo", "minute < :hi"] if windowed else [])
        where += [f"{column} IN :{name}" for column, name in _LISTS if name in lists]
        where += [condition] if condition else []
        columns = ", ".join(group + tuple(f"SUM({c})" for c in sums))
        sql = f"SELECT {columns} FROM statminute WHERE {' AND '.join(where)}"
        if group:
            sql += f" GROUP BY {', '.join(group)}"
        query = _QUERIES[shape] = text(sql).bindparams(*(bindparam(name, expanding=True, type_=_LIST_TYPES[name])
                                                           for name in lists))
    return query


def _bucket(bounds, tz: tzinfo) -> str:
    """The counters' time bucket to group by: the UTC hour when the zone's offset is whole hours all
    through the window (sampled daily: no zone changes its offset and back within a day), so an hour
    falls within one local hour; else the minute."""
    if bounds is None:
        return "minute"
    moment, end = bounds
    while moment < end:
        if moment.astimezone(tz).utcoffset() % HOUR:
            return "minute"
        moment += timedelta(days=1)
    return "minute" if (end - timedelta(minutes=1)).astimezone(tz).utcoffset() % HOUR else "substr(minute, 1, 13)"


def _counter_params(account_id: int, bounds, api_users, label_ids, domains) -> tuple[dict, tuple[str, ...]]:
    """The bound values of a counter query and the names of the filter lists given."""
    params = {"account": account_id, "api_users": api_users, "label_ids": label_ids, "domains": domains}
    if bounds is not None:  # window bounds are local midnights: whole minutes
        params["lo"], params["hi"] = _minute_text(bounds[0]), _minute_text(bounds[1])
    lists = tuple(name for _, name in _LISTS if params[name] is not None)
    return params, lists


def _local_buckets(tz: tzinfo):
    """bucket text ('YYYY-MM-DD HH:MM' or 'YYYY-MM-DD HH', UTC) → its local time; each bucket read once."""
    seen: dict[str, datetime] = {}

    def local(bucket: str) -> datetime:
        found = seen.get(bucket)
        if found is None:
            found = seen[bucket] = datetime.fromisoformat(bucket).replace(tzinfo=UTC).astimezone(tz)
        return found

    return local


def traffic(session: Session, account_id: int, bounds, tz: tzinfo, *, hourly: bool = False, api_users=None,
            label_ids=None, domains=None) -> dict[tuple, dict[str, int]]:
    """(sendDate, [sendHour,] apiUser, [domain,] labelId) → the ten counts of statday / stathour.

    Read from the per-minute counters, summed per UTC hour by the database when the zone's offset is
    whole hours (else per minute); the buckets are attributed to local days and hours here (every
    zone offset in use is whole minutes, so a minute never straddles a local hour or day boundary).
    """
    params, lists = _counter_params(account_id, bounds, api_users, label_ids, domains)
    keys = ("api_user", "label_id") if hourly else ("api_user", "domain", "label_id")
    query = _counter_query((_bucket(bounds, tz),) + keys, COUNTERS, bounds is not None, lists)
    local = _local_buckets(tz)
    rows: dict[tuple, dict[str, int]] = {}
    for found in session.connection().execute(query, params):
        bucket, counts = found[0], found[len(keys) + 1:]
        requests = counts[0]
        if not requests:
            continue  # every mail of this bucket was deleted
        moment = local(bucket)
        day = moment.strftime("%Y-%m-%d")
        if hourly:
            api_user, label_id = found[1], found[2]
            key = (day, moment.hour, api_user, label_id)
        else:
            api_user, domain, label_id = found[1], found[2], found[3]
            key = (day, api_user, domain, label_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = dict.fromkeys(COUNT_KEYS, 0)
        for name, value in zip(COUNTER_NAMES, counts):
            row[name] += int(value or 0)
    return dict(sorted(rows.items()))


def invalid_traffic(session: Session, account_id: int, bounds, tz: tzinfo, *, api_users=None, label_ids=None,
                    domains=None) -> dict[tuple, dict[str, int]]:
    """(sendDate, apiUser, labelId, domain) → invalid mails per subStat bucket (a mail's latest invalid counts).

    Read from the per-minute counters of the mails that have an invalid event.
    """
    params, lists = _counter_params(account_id, bounds, api_users, label_ids, domains)
    group = (_bucket(bounds, tz), "api_user", "domain", "label_id", "sub_stat")
    query = _counter_query(group, ("requests",), bounds is not None, lists, "sub_stat >= 0")
    local = _local_buckets(tz)
    rows: dict[tuple, dict[str, int]] = {}
    for bucket, api_user, domain, label_id, sub_stat, n in session.connection().execute(query, params):
        if not n:
            continue
        day = local(bucket).strftime("%Y-%m-%d")
        row = rows.setdefault((day, api_user, label_id, domain), dict.fromkeys(INVALID_BUCKETS.values(), 0))
        row[INVALID_BUCKETS.get(sub_stat, "others")] += int(n)
    return dict(sorted(rows.items(), key=lambda item: (item[0][0], item[0][1], item[0][3], item[0][2])))


def requests_counted(session: Session, account_id: int, bounds, api_users=None, label_id: int | None = None) -> int:
    """The account's mails requested in the window (exact), from the counters: no mail is read."""
    params, lists = _counter_params(account_id, bounds, api_users, None if label_id is None else [label_id], None)
    query = _counter_query((), ("requests",), bounds is not None, lists)
    return int(session.connection().execute(query, params).scalar_one() or 0)


# what data/emailStatus shows of a mail (the page reads these columns, not whole mails)
STATUS_COLUMNS = (Mail.email_id, Mail.status, Mail.sub_stat, Mail.api_user, Mail.recipient, Mail.label_id,
                  Mail.request_time, Mail.status_time)


def email_status(session: Session, account_id: int, *, email: str | None, email_ids: list[str] | None,
                 label_id: int | None, bounds, api_users, start: int, limit: int) -> tuple[list, int]:
    """(rows of STATUS_COLUMNS newest request first, total). Without `email` and `emailIds` the total
    comes from the statistics counters (the window may hold every mail of the account); with them the
    matches are few and counted on their indexes."""
    where = _mail_filters(account_id, bounds, api_users, None, None)
    if email is not None:
        where.append(Mail.recipient_key == email.lower())
    if email_ids is not None:
        where.append(Mail.email_id.in_(email_ids))
    if label_id is not None:
        where.append(Mail.label_id == label_id)
    if email is None and email_ids is None and bounds is not None:
        total = requests_counted(session, account_id, bounds, api_users, label_id)
    else:
        total = session.exec(select(func.count()).select_from(Mail).where(*where)).one()
    if not limit or start >= total:
        return [], total
    rows = session.exec(select(*STATUS_COLUMNS).where(*where).order_by(Mail.request_time.desc(), Mail.id.desc())
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
