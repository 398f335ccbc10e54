"""Labels (docs/api.md §2.5): ids from an emulator-wide sequence, names unique per account."""

from datetime import datetime

from sqlalchemy import Integer, UniqueConstraint, bindparam, func, text
from sqlmodel import Field, Session, SQLModel, select

from ..codes import ApiError
from ..store.db import Store
from .clock import UTCDateTime


class Label(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "name"),)
    id: int = Field(primary_key=True)  # the labelId
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


def get(session: Session, account_id: int, label_id: int) -> Label:
    label = session.get(Label, label_id)
    if label is None or label.account_id != account_id:
        raise ApiError(40106)
    return label


# plain SQL, compiled once: the statistics look names up on every request
_IDS = bindparam("ids", expanding=True, type_=Integer())
_NAMES = text("SELECT id, name FROM label WHERE id IN :ids").bindparams(_IDS)
_ACCOUNT_NAMES = text("SELECT id, name FROM label WHERE account_id = :account AND id IN :ids").bindparams(_IDS)


def names(session: Session, ids, account_id: int | None = None) -> dict[int, str]:
    """labelId → name for the given ids (0 = no label is skipped); only the account's when it is given."""
    ids = sorted({i for i in ids if i})
    if not ids:
        return {}
    if account_id is None:
        return dict(session.connection().execute(_NAMES, {"ids": ids}).all())
    return dict(session.connection().execute(_ACCOUNT_NAMES, {"account": account_id, "ids": ids}).all())


def by_name(session: Session, account_id: int, name: str) -> Label | None:
    return session.exec(select(Label).where(Label.account_id == account_id, Label.name == name)).first()


def get_by_name(session: Session, account_id: int, name: str) -> Label:
    """The label named exactly `name` (case-sensitive), else 40106 as for an unknown id."""
    label = by_name(session, account_id, name)
    if label is None:
        raise ApiError(40106)
    return label


def search(session: Session, account_id: int, query: str | None, start: int, limit: int) -> tuple[list[Label], int]:
    """Oldest first; `query` is a case-insensitive substring (Unicode-aware, so matched here)."""
    where = [Label.account_id == account_id]
    if query is None:
        total = session.exec(select(func.count()).select_from(Label).where(*where)).one()
        rows = session.exec(select(Label).where(*where).order_by(Label.id).offset(start).limit(limit)).all()
        return list(rows), total
    needle = query.casefold()
    found = [r for r in session.exec(select(Label).where(*where).order_by(Label.id)).all()
             if needle in r.name.casefold()]
    return found[start:start + limit], len(found)


def add(store: Store, session: Session, account_id: int, name: str, now: datetime) -> Label:
    if by_name(session, account_id, name):
        raise ApiError(40113)
    label = Label(id=store.next_id(session, "label", first=1), account_id=account_id, name=name,
                  created_at=now, updated_at=now)
    session.add(label)
    session.flush()
    return label


def ensure(store: Store, session: Session, account_id: int, name: str, now: datetime) -> Label:
    """Mail sends: an unknown labelName creates the label."""
    return by_name(session, account_id, name) or add(store, session, account_id, name, now)


def rename(session: Session, label: Label, name: str, now: datetime) -> None:
    other = by_name(session, label.account_id, name)
    if other is not None and other.id != label.id:
        raise ApiError(40113)
    label.name, label.updated_at = name, now
    session.add(label)


def delete(session: Session, label: Label) -> None:
    session.delete(label)
