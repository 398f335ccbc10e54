"""Daily recipient quota per account (docs/api.md §1.11): accepted recipients per calendar day."""

from datetime import date

from sqlalchemy import UniqueConstraint, bindparam, text
from sqlmodel import Field, Session, SQLModel, select

from ..codes import ApiError
from ..store.db import TRAFFIC_TABLES, Prepared


class QuotaUsage(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    day: date
    used: int = 0


TRAFFIC_TABLES.add(QuotaUsage.__tablename__)


def used_on(session: Session, account_id: int, day: date) -> int:
    row = _USED.first(session.connection(), {"account": account_id, "day": day})
    return row[0] if row is not None and row[0] else 0


def consume(session: Session, account_id: int, quota: int, day: date, recipients: int) -> None:
    """Checked last in a send: refuse the whole send (40904) when it would pass the quota.

    Callers hold the account's write lock, so check-then-update cannot race.
    """
    if used_on(session, account_id, day) + recipients > quota:
        raise ApiError(40904)
    session.connection().execute(_ADD, {"account_id": account_id, "day": day, "used": recipients})


_table = QuotaUsage.__table__
_USED = Prepared(select(_table.c.used).where(_table.c.account_id == bindparam("account"),
                                            _table.c.day == bindparam("day")))
# both dialects speak ON CONFLICT; the day is bound as the column's type
_ADD = text("INSERT INTO quotausage (account_id, day, used) VALUES (:account_id, :day, :used) "
            "ON CONFLICT (account_id, day) DO UPDATE SET used = quotausage.used + excluded.used"
            ).bindparams(bindparam("day", type_=_table.c.day.type))
