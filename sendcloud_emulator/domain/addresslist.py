"""Address lists and their members (docs/api.md §2.3, §2.4).

The mail module reads them through `find_list(session, account_id, address)` (case-insensitive
alias lookup) and `members_of(session, list_id)` (oldest first). A member's `vars` is the stored
flat JSON object as text (keys without `%`), or `""`; `%recipient%` and the member vars are what
address-list sends render. A member's `name`, when set, overrides a `name` key in its vars.
"""

import json
import math
from datetime import datetime

from sqlalchemy import UniqueConstraint, func
from sqlmodel import Field, Session, SQLModel, select

from ..codes import ApiError
from .. import values
from .clock import UTCDateTime
from .render import Number

MAX_ALIAS = 48
MAX_MEMBER = 48
MAX_MEMBERS_PER_CALL = 1000
MAX_VAR_VALUE = 1024


class AddressList(SQLModel, table=True):
    """An address list; `address` (the alias) is unique per account, case-insensitively."""

    __tablename__ = "addresslist"
    __table_args__ = (UniqueConstraint("account_id", "address_key"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    address: str  # the alias as sent
    address_key: str  # lower-cased alias, for case-insensitive lookups
    name: str
    description: str = ""
    list_type: int = 0  # 0 normal, 1 advanced
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class AddressMember(SQLModel, table=True):
    """One member of a list; unique per list, case-insensitively (`member_key`)."""

    __tablename__ = "addressmember"
    __table_args__ = (UniqueConstraint("list_id", "member_key"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    list_id: int = Field(foreign_key="addresslist.id", index=True)
    member: str  # the address as sent
    member_key: str  # lower-cased address
    name: str = ""
    vars: str = ""  # the flat JSON object as text (keys without %), or ""
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


# lists ------------------------------------------------------------------------------------------
def find_list(session: Session, account_id: int, address: str) -> AddressList | None:
    """The account's list with this alias (case-insensitive), or None (another account's is None)."""
    return session.exec(
        select(AddressList).where(AddressList.account_id == account_id,
                                  AddressList.address_key == address.strip().lower())
    ).first()


def get_list(session: Session, account_id: int, address: str) -> AddressList:
    """The list, or 40517."""
    found = find_list(session, account_id, address)
    if found is None:
        raise ApiError(40517)
    return found


def check_alias_free(session: Session, account_id: int, address: str, own: AddressList | None = None) -> None:
    """40505 when another list of the account has this alias."""
    found = find_list(session, account_id, address)
    if found is not None and (own is None or found.id != own.id):
        raise ApiError(40505)


def member_counts(session: Session, list_ids: list[int]) -> dict[int, int]:
    if not list_ids:
        return {}
    rows = session.exec(
        select(AddressMember.list_id, func.count()).where(AddressMember.list_id.in_(list_ids))
        .group_by(AddressMember.list_id)
    ).all()
    return {list_id: n for list_id, n in rows}


def search_lists(session: Session, account_id: int, addresses: list[str] | None, start: int,
                 limit: int) -> tuple[list[AddressList], int]:
    where = [AddressList.account_id == account_id]
    if addresses is not None:
        where.append(AddressList.address_key.in_([a.lower() for a in addresses]))
    total = session.exec(select(func.count()).select_from(AddressList).where(*where)).one()
    rows = session.exec(select(AddressList).where(*where).order_by(AddressList.id).offset(start).limit(limit)).all()
    return list(rows), total


def add_list(session: Session, account_id: int, address: str, name: str, description: str,
             list_type: int, now: datetime) -> AddressList:
    found = AddressList(account_id=account_id, address=address, address_key=address.lower(), name=name,
                        description=description, list_type=list_type, created_at=now, updated_at=now)
    session.add(found)
    session.flush()
    return found


def update_list(session: Session, found: AddressList, new_address: str | None, name: str | None,
                description: str | None, now: datetime) -> None:
    if new_address is not None:
        found.address, found.address_key = new_address, new_address.lower()
    if name is not None:
        found.name = name
    if description is not None:
        found.description = description
    if new_address is not None or name is not None or description is not None:
        found.updated_at = now
    session.add(found)


def delete_list(session: Session, found: AddressList) -> None:
    """Delete the list and its members."""
    session.exec(AddressMember.__table__.delete().where(AddressMember.list_id == found.id))
    session.delete(found)


# members ----------------------------------------------------------------------------------------
def members_of(session: Session, list_id: int) -> list[AddressMember]:
    """Every member of the list, oldest first."""
    return list(session.exec(select(AddressMember).where(AddressMember.list_id == list_id)
                             .order_by(AddressMember.id)).all())


def search_members(session: Session, list_id: int, start: int, limit: int) -> tuple[list[AddressMember], int]:
    where = [AddressMember.list_id == list_id]
    total = session.exec(select(func.count()).select_from(AddressMember).where(*where)).one()
    rows = session.exec(select(AddressMember).where(*where).order_by(AddressMember.id).offset(start).limit(limit)).all()
    return list(rows), total


def members_by_key(session: Session, list_id: int, members: list[str]) -> dict[str, AddressMember]:
    """The list's members among `members`, keyed by lower-cased address."""
    keys = sorted({m.lower() for m in members})
    found: dict[str, AddressMember] = {}
    for i in range(0, len(keys), 500):
        rows = session.exec(select(AddressMember).where(AddressMember.list_id == list_id,
                                                        AddressMember.member_key.in_(keys[i : i + 500]))).all()
        found.update({row.member_key: row for row in rows})
    return found


def get_members(session: Session, list_id: int, members: list[str]) -> list[AddressMember]:
    """The members found, oldest first."""
    return sorted(members_by_key(session, list_id, members).values(), key=lambda m: m.id)


def add_members(session: Session, found: AddressList, entries: list[tuple[str, str, str]], now: datetime) -> int:
    """Add or replace (member, name, vars) entries; a member repeated in one call counts once, last wins."""
    latest = {entry[0].lower(): entry for entry in entries}
    ordered: dict[str, tuple[str, str, str]] = {}
    for entry in entries:  # insertion order: first appearance of each member
        ordered.setdefault(entry[0].lower(), latest[entry[0].lower()])
    existing = members_by_key(session, found.id, list(ordered))
    for key, (member, name, vars_text) in ordered.items():
        row = existing.get(key)
        if row is None:
            session.add(AddressMember(account_id=found.account_id, list_id=found.id, member=member, member_key=key,
                                      name=name, vars=vars_text, created_at=now, updated_at=now))
        else:
            row.member, row.name, row.vars, row.updated_at = member, name, vars_text, now
            session.add(row)
    if ordered:
        _touch(session, found, now)
    session.flush()
    return len(ordered)


def update_members(session: Session, found: AddressList, changes: list[tuple[str, str | None, str | None, str | None]],
                   now: datetime) -> int:
    """(member, newMember|None, name|None, vars|None) in order; unknown members and renames onto an
    address already in the list are skipped. Returns the number of members changed."""
    existing = members_by_key(session, found.id, [c[0] for c in changes] + [c[1] for c in changes if c[1]])
    changed = 0
    for member, new_member, name, vars_text in changes:
        row = existing.get(member.lower())
        if row is None:
            continue
        if new_member is not None and new_member.lower() != row.member_key:
            if new_member.lower() in existing:
                continue
            del existing[row.member_key]
            row.member, row.member_key = new_member, new_member.lower()
            existing[row.member_key] = row
        elif new_member is not None:
            row.member = new_member
        if name is not None:
            row.name = name
        if vars_text is not None:
            row.vars = vars_text
        row.updated_at = now
        session.add(row)
        session.flush()
        changed += 1
    if changed:
        _touch(session, found, now)
    return changed


def delete_members(session: Session, found: AddressList, members: list[str], now: datetime) -> int:
    rows = members_by_key(session, found.id, members)
    for row in rows.values():
        session.delete(row)
    if rows:
        _touch(session, found, now)
    session.flush()
    return len(rows)


def _touch(session: Session, found: AddressList, now: datetime) -> None:
    """A change to a list's members (and so its memberCount) moves the list's gmtUpdated."""
    found.updated_at = now
    session.add(found)


# vars -------------------------------------------------------------------------------------------
def split_vars(text: str) -> list[dict] | None:
    """`;`-separated flat JSON objects (a `;` inside a JSON string does not split); empty items are
    dropped. Raises ApiError 40522 for an item that is not a flat JSON object, 40531 for a value
    longer than 1024 characters. Keys lose surrounding `%`."""
    decoder = json.JSONDecoder(parse_constant=_reject_constant, parse_int=Number, parse_float=Number)
    items: list[dict] = []
    pos, size = 0, len(text)
    while True:
        while pos < size and (text[pos].isspace() or text[pos] == ";"):
            pos += 1
        if pos >= size:
            break
        try:
            value, pos = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            raise ApiError(40522) from None
        if not isinstance(value, dict) or not all(_flat(v) for v in value.values()):
            raise ApiError(40522)
        if values.json_has_surrogate(value):  # a `\ud800` escape: no storable text
            raise ApiError(40522)
        items.append({_bare_key(k): v for k, v in value.items()})
        while pos < size and text[pos].isspace():
            pos += 1
        if pos < size and text[pos] != ";":
            raise ApiError(40522)
    # the cell's order: every item is a flat object (40522) before any value is too long (40531)
    if any(_value_length(v) > MAX_VAR_VALUE for item in items for v in item.values()):
        raise ApiError(40531)
    return items


def vars_text(value: dict) -> str:
    """The stored form of one member's vars: compact JSON, numbers kept as the JSON text sent."""
    return "{" + ",".join(f"{_json(k)}:{_json(v)}" for k, v in value.items()) + "}"


def _json(value) -> str:
    return value.text if isinstance(value, Number) else json.dumps(value, ensure_ascii=False)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _flat(value) -> bool:
    """A flat value: string, finite number, bool or null."""
    if isinstance(value, Number):
        return math.isfinite(float(value.text))
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (str, int, bool))


def _bare_key(key: str) -> str:
    stripped = key.strip("%")
    return stripped if stripped else key


def _value_length(value) -> int:
    if isinstance(value, str):
        return len(value)
    return len(_json(value))
