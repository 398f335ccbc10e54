"""addresslist/list, add, update, delete and addressmember/list, get, add, update, delete
(docs/api.md §2.3, §2.4)."""

from ..codes import ApiError
from ..context import Ctx
from ..domain import addresslist as lists
from .. import values
from ..protocol.declaration import Param
from . import declare
from .filters import PAGING

ADDRESS = Param("address", "string", "The list's alias, an address such as vip@maillist.sendcloud.org.",
                required=True, max_length=48, codes=(40503, 40504, 40511, 40517))
NEW_ADDRESS = Param("newAddress", "string", "A new alias for the list; its members stay.", max_length=48,
                    codes=(40509, 40510, 40511, 40505))
NAME = Param("name", "string", "The list's display name, one line.", min_length=1, max_length=48,
             codes=(40501, 40502))
DESC = Param("desc", "string", "A description of the list.", min_length=1, max_length=250, default="",
             codes=(40506, 40507))
LIST_TYPE = Param("listType", "integer", "0 normal, 1 advanced; any other value is taken as 0.",
                  enum=("0", "1"), default="0")
MEMBERS = Param("members", "string", "Member addresses, each at most 48 characters.", required=True, list=True,
                max_items=1000, codes=(40512, 40514, 40515, 40513, 40518))
NEW_MEMBERS = Param("newMembers", "string", "New addresses for the members, by position.", list=True,
                    blank_absent=True, codes=(40513, 40518, 40521))
NAMES = Param("names", "string", "Member names, by position; a missing position means no name.", list=True,
              blank_absent=True)
VARS = Param("vars", "string", "One flat JSON object of variables per member, by position; values ≤ 1024 chars.",
             list=True, codes=(40520, 40521, 40522, 40531))


# views ------------------------------------------------------------------------------------------
def _list_view(ctx: Ctx, found: lists.AddressList, member_count: int) -> dict:
    return {"address": found.address, "name": found.name, "description": found.description,
            "memberCount": member_count, "listType": found.list_type,
            "gmtCreated": ctx.fmt(found.created_at), "gmtUpdated": ctx.fmt(found.updated_at)}


def _member_view(ctx: Ctx, found: lists.AddressList, member: lists.AddressMember) -> dict:
    return {"address": found.address, "member": member.member, "name": member.name, "vars": member.vars,
            "gmtCreated": ctx.fmt(member.created_at), "gmtUpdated": ctx.fmt(member.updated_at)}


# parameter readers ------------------------------------------------------------------------------
def _alias_rule(value: str, too_long: int) -> str:
    return _aliases_rule([value], too_long)[0]


def _aliases_rule(items: list[str], too_long: int) -> list[str]:
    """The checks of the row's cell in order, each over every item: length, then the address rule."""
    if any(len(item) > lists.MAX_ALIAS for item in items):
        raise ApiError(too_long)
    if not all(values.is_address(item) for item in items):
        raise ApiError(40511)
    return items


def _address(ctx: Ctx) -> str:
    return _alias_rule(ctx.params.token("address", required=True, empty=40503), 40504)


def _list(ctx: Ctx) -> lists.AddressList:
    return lists.get_list(ctx.session, ctx.account.id, _address(ctx))


def _name(ctx: Ctx, required: bool) -> str | None:
    return ctx.params.text("name", required=required, empty=40501, invalid=40502, line=True, min_len=1,
                           max_len=48)


def _desc(ctx: Ctx) -> str | None:
    return ctx.params.text("desc", empty=40506, invalid=40507, min_len=1, max_len=250)


def _members_rule(items: list[str]) -> list[str]:
    """40513 (an item > 48 chars) is checked over every item before 40518 (an item not an address)."""
    if any(len(item) > lists.MAX_MEMBER for item in items):
        raise ApiError(40513)
    if not all(values.is_address(item) for item in items):
        raise ApiError(40518)
    return items


def _members(ctx: Ctx) -> list[str]:
    text = ctx.params.raw("members", required=True, empty=40512, as_list=True)
    items = values.split_list(text)
    if not items:
        raise ApiError(40514)
    if len(items) > lists.MAX_MEMBERS_PER_CALL:
        raise ApiError(40515)
    return _members_rule(items)


def _new_members(ctx: Ctx, count: int) -> list[str] | None:
    text = ctx.params.raw("newMembers", blank_absent=True, as_list=True)
    if text is None:
        return None
    items = _members_rule(values.split_list(text))
    if len(items) != count:
        raise ApiError(40521)
    return items


def _names(ctx: Ctx, count: int) -> list[str] | None:
    """Positional: missing or empty positions mean no name; extra items are ignored."""
    text = ctx.params.raw("names", blank_absent=True, as_list=True)
    if text is None:
        return None
    items = [_line(item).strip() for item in text.split(";")][:count]
    return items + [""] * (count - len(items))


def _line(text: str) -> str:
    """A name is a line; no code exists for a bad one, so NUL, CR and LF are dropped (and a lone
    surrogate, which no store can hold, reads as U+FFFD)."""
    return values.without_surrogates(text.replace("\x00", "").replace("\r", "").replace("\n", ""))


def _vars(ctx: Ctx, count: int) -> list[str] | None:
    text = ctx.params.raw("vars", empty=40520, as_list=True, invalid=40522)
    if text is None:
        return None
    items = lists.split_vars(text)
    if not items:  # not blank, but no item (`;`)
        raise ApiError(40520)
    if len(items) != count:
        raise ApiError(40521)
    return [lists.vars_text(item) for item in items]


# addresslist ------------------------------------------------------------------------------------
@declare(ADDRESS.but(required=False, list=True, description="Keep only the lists with these aliases.",
                    codes=(40503, 40504, 40511)), *PAGING)
def list_(ctx: Ctx) -> dict:
    """The account's lists, oldest first; `address` is a `;`-list of aliases to match exactly."""
    text = ctx.params.raw("address", empty=40503, as_list=True)
    addresses = None
    if text is not None:
        addresses = _aliases_rule(values.split_list(text), 40504)
        if not addresses:
            raise ApiError(40503)
    start, limit = ctx.params.paging()
    rows, total = lists.search_lists(ctx.session, ctx.account.id, addresses, start, limit)
    counts = lists.member_counts(ctx.session, [r.id for r in rows])
    return {"dataList": [_list_view(ctx, r, counts.get(r.id, 0)) for r in rows], "count": len(rows),
            "total": total}


@declare(ADDRESS.but(codes=(40503, 40504, 40511, 40505)), NAME.but(required=True), DESC, LIST_TYPE)
def add(ctx: Ctx) -> dict:
    """Create a list (memberCount 0)."""
    address = _address(ctx)
    lists.check_alias_free(ctx.session, ctx.account.id, address)
    name = _name(ctx, required=True)
    description = _desc(ctx) or ""
    list_type = 1 if (ctx.params.scalar("listType") or "").strip() == "1" else 0
    found = lists.add_list(ctx.session, ctx.account.id, address, name, description, list_type, ctx.now)
    return {"data": _list_view(ctx, found, 0)}


@declare(ADDRESS, NEW_ADDRESS, NAME, DESC)
def update(ctx: Ctx) -> dict:
    """Rename the alias and/or change name and description; members stay."""
    found = _list(ctx)
    new_address = ctx.params.token("newAddress", empty=40509)
    if new_address is not None:
        _alias_rule(new_address, 40510)
        lists.check_alias_free(ctx.session, ctx.account.id, new_address, own=found)
    name = _name(ctx, required=False)
    description = _desc(ctx)
    lists.update_list(ctx.session, found, new_address, name, description, ctx.now)
    return {"count": 1}


@declare(ADDRESS)
def delete(ctx: Ctx) -> dict:
    """Delete a list and its members."""
    lists.delete_list(ctx.session, _list(ctx))
    return {"count": 1}


# addressmember ----------------------------------------------------------------------------------
@declare(ADDRESS, *PAGING)
def member_list(ctx: Ctx) -> dict:
    """The list's members, oldest first."""
    found = _list(ctx)
    start, limit = ctx.params.paging()
    rows, total = lists.search_members(ctx.session, found.id, start, limit)
    return {"dataList": [_member_view(ctx, found, r) for r in rows], "count": len(rows), "total": total}


@declare(ADDRESS, MEMBERS)
def member_get(ctx: Ctx) -> dict:
    """The given members that are in the list (others are left out)."""
    found = _list(ctx)
    rows = lists.get_members(ctx.session, found.id, _members(ctx))
    return {"dataList": [_member_view(ctx, found, r) for r in rows], "count": len(rows), "total": len(rows)}


def member_add_params(ctx: Ctx) -> tuple[lists.AddressList, list[tuple[str, str, str]]]:
    """addressmember/add's rows in order → the list and its (member, name, vars) entries."""
    found = _list(ctx)
    members = _members(ctx)
    names = _names(ctx, len(members)) or [""] * len(members)
    member_vars = _vars(ctx, len(members)) or [""] * len(members)
    return found, list(zip(members, names, member_vars, strict=True))


@declare(ADDRESS, MEMBERS, NAMES, VARS)
def member_add(ctx: Ctx) -> dict:
    """Add members; an existing member gets its name and vars replaced."""
    found, entries = member_add_params(ctx)
    return {"count": lists.add_members(ctx.session, found, entries, ctx.now)}


@declare(ADDRESS, MEMBERS, NEW_MEMBERS, NAMES, VARS)
def member_update(ctx: Ctx) -> dict:
    """Rename members and/or replace their name and vars; unknown members are skipped."""
    found = _list(ctx)
    members = _members(ctx)
    size = len(members)
    new_members = _new_members(ctx, size) or [None] * size
    names = _names(ctx, size) or [None] * size
    member_vars = _vars(ctx, size) or [None] * size
    changes = list(zip(members, new_members, names, member_vars, strict=True))
    return {"count": lists.update_members(ctx.session, found, changes, ctx.now)}


@declare(ADDRESS, MEMBERS)
def member_delete(ctx: Ctx) -> dict:
    """Delete members (unknown ones are skipped)."""
    found = _list(ctx)
    return {"count": lists.delete_members(ctx.session, found, _members(ctx), ctx.now)}
