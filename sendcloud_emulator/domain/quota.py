"""Daily recipient quota per account (docs/api.md §1.11): accepted recipients per calendar day."""

from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from ..codes import ApiError
from ..store.db import TRAFFIC_TABLES


class QuotaUsage(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    day: date
    used: int = 0


TRAFFIC_TABLES.add(QuotaUsage.__tablename__)


def used_on(session: Session, account_id: int, day: date) -> int:
    row = session.exec(select(QuotaUsage).where(QuotaUsage.account_id == account_id, QuotaUsage.day == day)).first()
    return row.used if row else 0


def consume(session: Session, account_id: int, quota: int, day: date, recipients: int) -> None:
    """Checked last in a send: refuse the whole send (40904) when it would pass the quota.

    Callers hold the account's write lock, so check-then-update cannot race.
    """
    row = session.exec(select(QuotaUsage).where(QuotaUsage.account_id == account_id, QuotaUsage.day == day)).first()
    used = row.used if row else 0
    if used + recipients > quota:
        raise ApiError(40904)
    if row is None:
        row = QuotaUsage(account_id=account_id, day=day, used=0)
    row.used = used + recipients
    session.add(row)
