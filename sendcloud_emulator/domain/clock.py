"""Time, in one place: how stored times are kept and shown, and what time it is for an account.

Stored times are UTC. Every datetime column is a `UTCDateTime`: it writes naive UTC (the same
value on SQLite and PostgreSQL, whatever the database session's TimeZone) and reads back aware
UTC, so no other code meets a naive stored time. `fmt` and `iso` show a time in the emulator's
zone (SC_EMULATOR_TIMEZONE); `parse_iso` reads one (no offset = that zone).

Each account has a clock (docs/control-api.md "Clock (per account)"): real time by default, real time
plus an offset after an advance or a jump, or frozen at a reading. `now(session, account_id)` is
the one answer to "what time is it for this account": ids, stored times, the quota day, the
sendRequestId hour, statistics windows, the rate limit and the webhook schedule all read it, and
`real_time` is the only read of the system clock behind it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import DateTime, and_, func, or_
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Session, SQLModel, select

from ..store.db import TRAFFIC_TABLES

# the latest reading a clock may show: stored times, ids and dates stay representable
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


# stored times -----------------------------------------------------------------------------------
def aware(moment: datetime) -> datetime:
    """The one rule for a time without an offset: it is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class UTCDateTime(TypeDecorator):
    """A datetime column holding UTC: naive UTC in the database, aware UTC in Python."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is UTC:  # the usual case (clock readings), without a conversion: bulk inserts bind many
            return value.replace(tzinfo=None)
        return aware(value).astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # a raw SQLite value that bypassed the DateTime parser
            value = datetime.fromisoformat(value)
        return aware(value).astimezone(UTC)


def fmt(moment: datetime | None, tz: tzinfo) -> str:
    """`yyyy-MM-dd HH:mm:ss` in the emulator's zone (docs/api.md §1.9); "" for no time."""
    return "" if moment is None else aware(moment).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def iso(moment: datetime | None, tz: tzinfo) -> str | None:
    """ISO 8601 with the zone's offset, to the second (control API, UI); None for no time."""
    return None if moment is None else aware(moment).astimezone(tz).isoformat(timespec="seconds")


def parse_iso(text: str, tz: tzinfo) -> datetime:
    """An ISO 8601 time (`Z` allowed; no offset = the emulator's zone) as aware UTC; ValueError if not one."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 is past the last representable UTC time
        raise ValueError("time out of range") from None


# the per-account clock --------------------------------------------------------------------------
class AccountClock(SQLModel, table=True):
    """An account's clock when it is not real time (no row = real time)."""

    __tablename__ = "accountclock"
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    offset_seconds: float = 0.0  # added to real time while the clock runs
    frozen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the reading while frozen


# `reset?account=` wipes traffic tables: so it also sets the account's clock back to real time
TRAFFIC_TABLES.add(AccountClock.__tablename__)


class ClockError(ValueError):
    """A change the clock refuses (the control API answers 400)."""


def real_time() -> datetime:
    """The system clock (aware UTC): the time of an account whose clock is real time, or of one not made yet.

    Nothing else in the package reads the system clock for account data.
    """
    return datetime.now(UTC)


def reading(offset_seconds: float | None, frozen_at: datetime | None, real: datetime | None = None) -> datetime:
    """What time it is for an account whose clock row holds these values (both None: no row, real
    time); `real`: the system time to read it against (one reading shared by many accounts)."""
    if frozen_at is not None:
        return frozen_at
    return (real or real_time()) + timedelta(seconds=offset_seconds or 0.0)


def _reading(row: AccountClock | None, real: datetime) -> datetime:
    return real if row is None else reading(row.offset_seconds, row.frozen_at, real)


def now(session: Session, account_id: int) -> datetime:
    """What time it is for this account (aware UTC)."""
    return _reading(session.get(AccountClock, account_id), real_time())


def view(session: Session, account_id: int, tz: tzinfo) -> dict:
    """`{now, offsetSeconds, frozen}` (control API); offsetSeconds = the reading minus real time."""
    real = real_time()
    row = session.get(AccountClock, account_id)
    reading = _reading(row, real)
    offset = round((reading - real).total_seconds(), 3) if row is not None else 0
    return {"now": iso(reading, tz), "offsetSeconds": int(offset) if offset == int(offset) else offset,
            "frozen": row is not None and row.frozen_at is not None}


def change(session: Session, account_id: int, *, advance_seconds: float | None = None,
           to: datetime | None = None, frozen: bool | None = None) -> datetime:
    """Advance by seconds or jump to a time (never backwards), and/or freeze or restart; → the old reading.

    The caller holds the account's write lock.
    """
    if advance_seconds is not None and to is not None:
        raise ClockError("give advanceSeconds or now, not both")
    if advance_seconds is None and to is None and frozen is None:
        raise ClockError("give advanceSeconds, now or frozen")
    real = real_time()
    row = session.get(AccountClock, account_id)
    old = _reading(row, real)
    new = old
    if advance_seconds is not None:
        if not advance_seconds > 0:
            raise ClockError("advanceSeconds must be greater than 0")
        if advance_seconds >= (LATEST - old).total_seconds():
            raise ClockError(f"the clock cannot pass {LATEST.date().isoformat()}")
        new = old + timedelta(seconds=advance_seconds)
    if to is not None:
        to = aware(to).astimezone(UTC)
        if to < old:
            raise ClockError("the clock never runs backwards: now is earlier than the account's current time")
        if to >= LATEST:
            raise ClockError(f"the clock cannot pass {LATEST.date().isoformat()}")
        new = to
    stopped = (row is not None and row.frozen_at is not None) if frozen is None else frozen
    if row is None:
        row = AccountClock(account_id=account_id)
    if stopped:
        row.frozen_at, row.offset_seconds = new, 0.0
    else:
        row.frozen_at, row.offset_seconds = None, (new - real).total_seconds()
    session.add(row)
    session.flush()
    return old


def back_to_real_time(session: Session, account_id: int) -> timedelta:
    """Real time again, unfrozen; → how far the clock moved (negative when it was ahead).

    Stored records keep their times. Pending webhook callbacks keep the wait they had left (a
    retry due in 2 minutes is still due in 2 minutes), so none is put off by the time travelled.
    The caller holds the account's write lock.
    """
    from .webhook import WebhookDelivery  # webhook's tables use this module's column type

    real = real_time()
    row = session.get(AccountClock, account_id)
    if row is None:
        return timedelta(0)
    moved = real - _reading(row, real)
    session.delete(row)
    pending = session.exec(select(WebhookDelivery).where(WebhookDelivery.account_id == account_id,
                                                         WebhookDelivery.status == "pending",
                                                         WebhookDelivery.next_attempt_at.is_not(None))).all()
    for delivery in pending:
        delivery.next_attempt_at = delivery.next_attempt_at + moved
        session.add(delivery)
    session.flush()
    return moved


def is_real_time(session: Session, account_id: int) -> bool:
    return session.get(AccountClock, account_id) is None


# many accounts at once (the webhook worker) -----------------------------------------------------
@dataclass
class Readings:
    """One reading of every account's clock: `real` for accounts in real time, `other` for the rest."""

    real: datetime
    other: dict[int, datetime]
    frozen: frozenset[int]

    def of(self, account_id: int) -> datetime:
        return self.other.get(account_id, self.real)

    def when(self, account_id: int, real: datetime) -> datetime:
        """The account's time at the real moment `real` (shortly before this reading)."""
        if account_id not in self.other:
            return real
        if account_id in self.frozen:
            return self.other[account_id]
        return real + (self.other[account_id] - self.real)

    def reached(self, when, account):
        """SQL: the time column `when` is at or before the clock of the row's `account`."""
        if not self.other:
            return when <= self.real
        return or_(and_(account.not_in(list(self.other)), when <= self.real),
                   *[and_(account == a, when <= t) for a, t in self.other.items()])

    def seconds_until(self, session: Session, when, account, *where) -> float | None:
        """How long until the earliest `when` of the matching rows is reached by its account's clock.

        A frozen clock never reaches a later time by itself (only an advance does), so it does not count.
        """
        found = []
        travelling = [account.not_in(list(self.other))] if self.other else []
        plain = session.exec(select(func.min(when)).where(*where, *travelling)).first()
        if plain is not None:
            found.append((plain - self.real).total_seconds())
        if self.other:
            rows = session.exec(select(account, func.min(when)).where(*where, account.in_(list(self.other)))
                                .group_by(account)).all()
            for account_id, earliest in rows:
                if earliest is None:
                    continue
                left = (earliest - self.other[account_id]).total_seconds()
                if left <= 0 or account_id not in self.frozen:
                    found.append(left)
        return max(min(found), 0.0) if found else None


def readings(session: Session) -> Readings:
    real = real_time()
    rows = session.exec(select(AccountClock)).all()
    return Readings(real, {r.account_id: _reading(r, real) for r in rows},
                    frozenset(r.account_id for r in rows if r.frozen_at is not None))
