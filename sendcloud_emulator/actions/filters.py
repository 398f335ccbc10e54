"""Readers for the filter parameters shared by the statistics, query and suppression actions (docs/api.md §1.8, §2.9)."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ..codes import ApiError
from ..context import Ctx
from .. import values
from ..protocol.declaration import Param

API_USER_ITEM = re.compile(r"[A-Za-z0-9_.@-]{1,64}")

# The rows these readers read (docs/api.md §1.7, §1.8, §2.9), declared once for every action using them.
_WINDOW_NEEDED = "unless days is given (or email, where the action takes one)"
DAYS = Param("days", "integer", "The window: the last `days` days up to today (startDate/endDate are then ignored).",
             required_when="unless startDate and endDate are given (or email, where the action takes one)",
             minimum=1, maximum=92, codes=(40006,))
START_DATE = Param("startDate", "date", "First day of the window (yyyy-MM-dd), in the emulator's time zone.",
                   required_when=_WINDOW_NEEDED, codes=(40007,))
END_DATE = Param("endDate", "date", "Last day of the window, inclusive; at most 92 days from startDate.",
                 required_when=_WINDOW_NEEDED, codes=(40008,))
WINDOW = (DAYS, START_DATE, END_DATE)
EMAIL = Param("email", "string", "An address to look up; the window is then ignored and not checked.",
              max_length=254, codes=(40011, 40012))
API_USER_LIST = Param("apiUserList", description="API_USER names to keep, each ≤ 64 of `A-Za-z0-9_.@-`; "
                      "unknown names match nothing.", list=True, codes=(40010, 40016))
LABEL_ID_LIST = Param("labelIdList", description="Label ids to keep (0 = mails without a label).", list=True,
                      codes=(40009, 40015))
LABEL_ID = Param("labelId", "integer", "Keep only mails with this label id (0 = mails without a label).",
                 codes=(40014, 40015))
DOMAIN_LIST = Param("domainList", description="Recipient domains to keep, case-insensitive; unknown domains "
                    "match nothing.", list=True, codes=(40013,))
AGGREGATE = Param("aggregate", "boolean", "1 sums every matching row into one object.", default="0",
                  codes=(40017,))
TRACK_TYPE = Param("trackType", "integer", "1 opens only, 2 clicks only; any other value returns both.",
                   enum=("1", "2"))
EMAIL_IDS = Param("emailIds", description="emailIds to keep; unknown ids match nothing.", list=True,
                  blank_absent=True)
START = Param("start", "integer", "Offset of the first row of the page.", default="0", codes=(40001, 40002))
LIMIT = Param("limit", "integer", "Rows per page (0 gives only the total).", maximum=100, default="100",
              codes=(40003, 40004))
PAGING = (START, LIMIT)


@dataclass(frozen=True)
class Window:
    first: date
    last: date  # inclusive

    def bounds(self, ctx: Ctx) -> tuple[datetime, datetime]:
        """[start, end) in aware UTC: whole days in the emulator's time zone."""
        tz = ctx.settings.tz
        start = datetime.combine(self.first, time(), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
        return start, end


def window(ctx: Ctx, *, max_days: int = 92, required: bool = True) -> Window | None:
    """days, startDate, endDate (§1.8). With `required=False` a window that is not given is None."""
    p = ctx.params
    if p.has("days"):
        days = p.integer("days", required=True, empty=40006, invalid=40006, lo=1, hi=max_days)
        today = ctx.today()
        return Window(today - timedelta(days=days - 1), today)
    if not p.has("startDate") and not p.has("endDate"):
        if required:
            raise ApiError(40006)
        return None
    first = p.date("startDate", required=True, empty=40007, invalid=40007)
    last = p.date("endDate", required=True, empty=40008, invalid=40008)
    if last < first or (last - first).days + 1 > max_days:
        raise ApiError(40008)
    return Window(first, last)


def email(ctx: Ctx, *, required: bool = False) -> str | None:
    value = ctx.params.token("email", required=required, empty=40011)
    if value is None:
        return None
    if not values.is_address(value):
        raise ApiError(40012)
    return value


def api_user_list(ctx: Ctx) -> list[str] | None:
    found = ctx.params.items("apiUserList", empty=40010)
    if found is not None and not all(API_USER_ITEM.fullmatch(item) for item in found):
        raise ApiError(40016)
    return found


def label_id_list(ctx: Ctx) -> list[int] | None:
    found = ctx.params.items("labelIdList", empty=40009)
    if found is None:
        return None
    numbers = [values.parse_int(item) for item in found]
    if any(n is None for n in numbers):
        raise ApiError(40015)
    return numbers


def label_id(ctx: Ctx) -> int | None:
    return ctx.params.integer("labelId", empty=40014, invalid=40015, lo=0)


def domain_list(ctx: Ctx) -> list[str] | None:
    """Recipient domains, not syntax-checked (unknown ones match nothing)."""
    found = ctx.params.items("domainList", empty=40013)
    return None if found is None else [item.lower() for item in found if "\x00" not in item]


def aggregate(ctx: Ctx) -> int:
    return ctx.params.flag("aggregate", empty=40017, invalid=40017)


def track_type(ctx: Ctx) -> int | None:
    """`1` open, `2` click; any other value (or none) means both."""
    value = ctx.params.scalar("trackType")
    value = value.strip() if value is not None else ""
    return int(value) if value in ("1", "2") else None


def email_ids(ctx: Ctx) -> list[str] | None:
    """A `;` list; blank = absent; unknown ids match nothing."""
    value = ctx.params.joined("emailIds")
    if value is None:
        return None
    found = values.split_list(value)
    return [item for item in found if "\x00" not in item] if found else None
