"""The account's three suppression lists: bounce, unsubscribe and spam report (docs/api.md §2.14–§2.16, §4.3).

One entry per address (case-insensitively) per account. Addresses on any list are suppressed: a send
to them yields `invalid` 401 (bounce, spam report) or 402 (unsubscribe), §4.1.
"""

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from sqlalchemy import UniqueConstraint, func
from sqlmodel import Field, Session, SQLModel, select

from ..store.db import TRAFFIC_TABLES, marks
from .clock import UTCDateTime

SPAM_REASON = "reported as spam by recipient"
CHUNK = 500


class _Entry(SQLModel):
    """The columns every list shares (one entry per lower-cased address per account)."""
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    email: str
    email_key: str  # lower-cased address
    domain: str


class Bounce(_Entry, table=True):
    __table_args__ = (UniqueConstraint("account_id", "email_key"),)
    reason: str
    bounce_time: datetime = Field(index=True, sa_type=UTCDateTime)


class Unsubscribe(_Entry, table=True):
    __table_args__ = (UniqueConstraint("account_id", "email_key"),)
    label_id: int = 0
    api_user: str
    unsubscribe_time: datetime = Field(index=True, sa_type=UTCDateTime)


class SpamReport(_Entry, table=True):
    __table_args__ = (UniqueConstraint("account_id", "email_key"),)
    reason: str = SPAM_REASON
    spam_reported_time: datetime = Field(index=True, sa_type=UTCDateTime)


TRAFFIC_TABLES.update({Bounce.__tablename__, Unsubscribe.__tablename__, SpamReport.__tablename__})

TIME_COLUMN = {Bounce: "bounce_time", Unsubscribe: "unsubscribe_time", SpamReport: "spam_reported_time"}


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


def find(session: Session, table, account_id: int, email: str):
    return session.exec(select(table).where(table.account_id == account_id,
                                            table.email_key == email.strip().lower())).first()


# writes (events and unsubscribe/add) -------------------------------------------------------------
def _put(session: Session, table, account_id: int, email: str, refresh: bool, **fields):
    """The list's entry for `email`: a new one with these fields, or the existing one, refreshed with
    them when `refresh` (events) or returned unchanged (unsubscribe/add)."""
    entry = find(session, table, account_id, email)
    if entry is None:
        entry = table(account_id=account_id, email=email, email_key=email.lower(), domain=domain_of(email),
                      **fields)
    elif refresh:
        for name, value in fields.items():
            setattr(entry, name, value)
    else:
        return entry
    session.add(entry)
    session.flush()
    return entry


def add_bounce(session: Session, account_id: int, email: str, reason: str, when: datetime) -> Bounce:
    """A second bounce refreshes the entry (§2.14)."""
    return _put(session, Bounce, account_id, email, True, reason=reason, bounce_time=when)


def add_spam(session: Session, account_id: int, email: str, when: datetime) -> SpamReport:
    return _put(session, SpamReport, account_id, email, True, spam_reported_time=when)


def add_unsubscribe(session: Session, account_id: int, email: str, api_user: str, label_id: int,
                    when: datetime, refresh: bool = True) -> Unsubscribe:
    """An unsubscribe event refreshes an existing entry; unsubscribe/add returns it unchanged."""
    return _put(session, Unsubscribe, account_id, email, refresh, api_user=api_user, label_id=label_id,
                unsubscribe_time=when)


# the send-time check ----------------------------------------------------------------------------
def suppressed(session: Session, account_id: int, keys: Iterable[str]) -> dict[str, int]:
    """lower-cased address → invalid subStat (401 bounce/spam, 402 unsubscribe) for listed addresses.

    One query over the three lists per CHUNK addresses."""
    keys = sorted(set(keys))
    found: dict[str, int] = {}
    connection = session.connection()
    for i in range(0, len(keys), CHUNK):
        part = tuple(keys[i:i + CHUNK])
        for key, code in connection.exec_driver_sql(_suppressed_sql(connection.dialect, len(part)),
                                                    ((account_id,) + part) * len(_LISTS)):
            if found.get(key) != 401:  # 401 wins over 402
                found[key] = int(code)
    return found


_LISTS = ((Unsubscribe, 402), (Bounce, 401), (SpamReport, 401))


@lru_cache(maxsize=32)
def _suppressed_sql(dialect, count: int) -> str:
    """The lookup's text for `count` addresses, positional: SQLAlchemy's expanding IN would render
    its CHUNK parameters on every execution (a list chunk runs one per CHUNK members)."""
    return " UNION ALL ".join(f"SELECT email_key, {code} FROM {table.__table__.name} WHERE account_id = "
                              f"{marks(dialect, 1)} AND email_key IN ({marks(dialect, count)})" for table, code in _LISTS)


# reads ------------------------------------------------------------------------------------------
def _where(table, account_id: int, email: str | None, window: tuple[datetime, datetime] | None,
           api_users: list[str] | None = None, label_ids: list[int] | None = None) -> list:
    where = [table.account_id == account_id]
    if email is not None:
        where.append(table.email_key == email.strip().lower())
    elif window is not None:
        column = getattr(table, TIME_COLUMN[table])
        where += [column >= window[0], column < window[1]]
    if api_users is not None:
        where.append(table.api_user.in_(api_users))
    if label_ids is not None:
        where.append(table.label_id.in_(label_ids))
    return where


def search(session: Session, table, account_id: int, email: str | None, window, start: int, limit: int,
           api_users: list[str] | None = None, label_ids: list[int] | None = None) -> tuple[list, int]:
    """Entries newest first (§1.7); `email` is a lookup that ignores the window (§1.8)."""
    where = _where(table, account_id, email, window, api_users, label_ids)
    total = session.exec(select(func.count()).select_from(table).where(*where)).one()
    column = getattr(table, TIME_COLUMN[table])
    rows = session.exec(select(table).where(*where).order_by(column.desc(), table.id.desc())
                        .offset(start).limit(limit)).all()
    return list(rows), total


def count(session: Session, table, account_id: int, window) -> int:
    return session.exec(select(func.count()).select_from(table).where(*_where(table, account_id, None, window))).one()


def delete(session: Session, table, account_id: int, email: str | None, window) -> int:
    rows = session.exec(select(table).where(*_where(table, account_id, email, window))).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)
