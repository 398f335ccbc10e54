"""Parameters of one /apiv2 request and the typed readers every action uses (docs/api.md §1.3–§1.7).

Each reader applies the blank/missing rules of §1.6 and raises ApiError with the code the caller
names, so an action reads its parameters in the order of its table and nothing else. A reader that
can refuse a value takes its code as a required argument (`invalid` of every parsed reader, `empty`
of a list); a required read names its `empty` code (checked against the declaration like the rest).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from ..codes import ApiError
from .. import values
from .declaration import Declaration, drift

T = TypeVar("T")


@dataclass
class FilePart:
    name: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Params:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, list[FilePart]] = field(default_factory=dict)

    @classmethod
    def merge(cls, query: dict[str, list[str]], body: dict[str, list[str]], files=None) -> "Params":
        """Body wins per name; repeated keys stay in order within the source used."""
        merged = dict(query)
        merged.update(body)
        return cls(merged, files or {})

    # the declaration this request is read against (bound by the pipeline before the action runs)
    def bind(self, declaration: Declaration, where: str) -> None:
        self._declaration, self._where = declaration, where
        self._seen: set[str] = set()
        self._position = -1

    def _check(self, name: str, kind: str | None = None, *, required: bool | None = None,
               empty: int | None = None, invalid: int | None = None, blank_absent: bool = False,
               **limits) -> None:
        """Compare one read with the declared row (see protocol/declaration.py); no-op when unbound."""
        declaration = getattr(self, "_declaration", None)
        if declaration is None:
            return
        where = self._where
        param = declaration.get(name)
        if param is None:
            drift(f"{where} reads {name}, which it does not declare")
            return
        if name not in self._seen:
            position = declaration.index[name]
            if position < self._position:
                drift(f"{where} reads {name} after {declaration.params[self._position].name}, "
                      "against its declared order")
            self._position = max(self._position, position)
            self._seen.add(name)
        # a reader's arguments are the same on every request: compared with the row once per process
        read = (name, kind, required, empty, invalid, blank_absent, *limits.items())
        if read in declaration.agreed:
            return
        problems = []
        if kind is not None and not (param.list if kind == "list" else param.type == kind):
            problems.append(f"reads {name} as {kind}, declared {'a list' if param.list else param.type}")
        if required is not None and (param.required and not required
                                     or required and not (param.required or param.required_when)):
            problems.append(f"reads {name} with required={required}, declared {param.required}")
        if required and empty is None:
            problems.append(f"reads {name} as required without its empty code")
        # the empty code only counts where a blank value can reach it
        for code in (empty if required or not blank_absent else None, invalid):
            if code is not None and code not in param.codes:
                problems.append(f"reads {name} with code {code}, not among its declared codes")
        for key, value in limits.items():
            if getattr(param, key) != value:
                problems.append(f"reads {name} with {key}={value}, declared {getattr(param, key)}")
        for problem in problems:
            drift(f"{where} {problem}")
        if not problems:
            declaration.agreed.add(read)

    # raw access ---------------------------------------------------------------------------
    def has(self, name: str) -> bool:
        self._check(name)
        return name in self.fields

    def scalar(self, name: str) -> str | None:
        """A scalar parameter: the last occurrence wins (a lone surrogate reads as U+FFFD)."""
        self._check(name)
        value = self._scalar(name)
        return None if value is None else values.without_surrogates(value)

    def joined(self, name: str) -> str | None:
        """A list parameter: repeated keys are joined with `;` in order (a lone surrogate reads as U+FFFD)."""
        self._check(name)
        value = self._joined(name)
        return None if value is None else values.without_surrogates(value)

    def parts(self, name: str) -> list[FilePart]:
        """The file parts sent under `name`, in order."""
        self._check(name, "binary")
        return self.files.get(name, [])

    def _scalar(self, name: str) -> str | None:
        items = self.fields.get(name)
        return items[-1] if items else None

    def _joined(self, name: str) -> str | None:
        items = self.fields.get(name)
        return ";".join(items) if items else None

    # the blank rules --------------------------------------------------------------------------
    def raw(self, name: str, *, required: bool = False, empty: int | None = None,
            blank_absent: bool = False, as_list: bool = False, invalid: int | None = None) -> str | None:
        """The value as sent, or None when absent (or blank and allowed to count as absent).

        A lone surrogate (a utf-7 or utf-16 body) cannot be stored or sent: the value is refused
        with `invalid` when given; otherwise it is kept for the caller's own text rule."""
        self._check(name, required=required, empty=empty, invalid=invalid, blank_absent=blank_absent)
        return self._raw(name, required=required, empty=empty, blank_absent=blank_absent, as_list=as_list,
                         invalid=invalid)

    def _raw(self, name: str, *, required: bool = False, empty: int | None = None,
             blank_absent: bool = False, as_list: bool = False, invalid: int | None = None) -> str | None:
        value = self._joined(name) if as_list else self._scalar(name)
        if value is not None and invalid is not None and values.has_surrogate(value):
            raise ApiError(invalid)
        if value is None:
            if required:
                raise ApiError(empty)
            return None
        if value.strip() == "":
            if required or (not blank_absent and empty is not None):
                raise ApiError(empty)
            return None
        return value

    # typed readers ----------------------------------------------------------------------------
    def text(self, name: str, *, required: bool = False, empty: int | None = None,
             invalid: int | None = None, blank_absent: bool = False, line: bool = False,
             max_len: int | None = None, max_bytes: int | None = None,
             min_len: int = 0) -> str | None:
        """Free text, returned exactly as sent. `line` forbids CR/LF; U+0000 is never allowed."""
        self._check(name, "string", required=required, empty=empty, invalid=invalid,
                    blank_absent=blank_absent, max_length=max_len, max_bytes=max_bytes,
                    min_length=min_len or None)
        value = self._raw(name, required=required, empty=empty, blank_absent=blank_absent, invalid=invalid)
        if value is None:
            return None
        ok = values.is_line(value) if line else values.is_text(value)
        if not ok or len(value) < min_len or (max_len is not None and len(value) > max_len):
            raise ApiError(invalid)
        if max_bytes is not None and len(value.encode("utf-8")) > max_bytes:
            raise ApiError(invalid)
        return value

    def token(self, name: str, *, required: bool = False, empty: int | None = None,
              blank_absent: bool = False, invalid: int | None = None) -> str | None:
        """An identifier-like value: surrounding whitespace is ignored; a lone surrogate reads as U+FFFD."""
        self._check(name, required=required, empty=empty, invalid=invalid, blank_absent=blank_absent)
        return self._token(name, required=required, empty=empty, blank_absent=blank_absent, invalid=invalid)

    def _token(self, name: str, *, required: bool = False, empty: int | None = None,
               blank_absent: bool = False, invalid: int | None = None) -> str | None:
        value = self._raw(name, required=required, empty=empty, blank_absent=blank_absent, invalid=invalid)
        return None if value is None else values.without_surrogates(value.strip())

    def parsed(self, name: str, parse: Callable[[str], T | None], *, invalid: int, required: bool = False,
               empty: int | None = None, blank_absent: bool = False, default: T | None = None) -> T | None:
        self._check(name, required=required, empty=empty, invalid=invalid, blank_absent=blank_absent)
        return self._parsed(name, parse, required=required, empty=empty, invalid=invalid,
                            blank_absent=blank_absent, default=default)

    def _parsed(self, name: str, parse: Callable[[str], T | None], *, invalid: int, required: bool = False,
                empty: int | None = None, blank_absent: bool = False, default: T | None = None) -> T | None:
        value = self._token(name, required=required, empty=empty, blank_absent=blank_absent, invalid=invalid)
        if value is None:
            return default
        result = parse(value)
        if result is None:
            raise ApiError(invalid)
        return result

    def integer(self, name: str, *, invalid: int, required: bool = False, empty: int | None = None,
                blank_absent: bool = False, lo: int = 0,
                hi: int = values.INT_MAX, default: int | None = None) -> int | None:
        self._check(name, "integer", required=required, empty=empty, invalid=invalid,
                    blank_absent=blank_absent, minimum=lo, maximum=hi)

        def parse(text: str) -> int | None:
            number = values.parse_int(text)
            return number if number is not None and lo <= number <= hi else None

        return self._parsed(name, parse, required=required, empty=empty, invalid=invalid,
                            blank_absent=blank_absent, default=default)

    def id(self, name: str, **kwargs) -> int | None:
        return self.integer(name, lo=1, **kwargs)

    def boolean(self, name: str, *, invalid: int, empty: int | None = None,
                default: bool = False, blank_absent: bool = False) -> bool:
        self._check(name, "boolean", required=False, empty=empty, invalid=invalid, blank_absent=blank_absent)
        return self._parsed(name, parse_bool, empty=empty, invalid=invalid,
                            blank_absent=blank_absent, default=default)

    def flag(self, name: str, *, invalid: int, empty: int | None = None,
             default: int = 0) -> int:
        return int(self.boolean(name, empty=empty, invalid=invalid, default=bool(default)))

    def date(self, name: str, *, invalid: int, required: bool = False, empty: int | None = None,
             blank_absent: bool = False) -> date | None:
        self._check(name, "date", required=required, empty=empty, invalid=invalid, blank_absent=blank_absent)
        return self._parsed(name, values.parse_date, required=required, empty=empty, invalid=invalid,
                            blank_absent=blank_absent)

    def datetime(self, name: str, *, invalid: int, required: bool = False, empty: int | None = None,
                 blank_absent: bool = False) -> datetime | None:
        self._check(name, "datetime", required=required, empty=empty, invalid=invalid, blank_absent=blank_absent)
        return self._parsed(name, values.parse_datetime, required=required, empty=empty, invalid=invalid,
                            blank_absent=blank_absent)

    def items(self, name: str, *, empty: int, required: bool = False,
              blank_absent: bool = False, invalid: int | None = None) -> list[str] | None:
        """A `;` list (repeated keys joined): trimmed items, empty ones dropped; none → empty code."""
        # a value holding no item reaches the empty code even where blank counts as absent
        self._check(name, "list", required=required, empty=empty, invalid=invalid)
        value = self._raw(name, required=required, empty=empty, blank_absent=blank_absent,
                         as_list=True, invalid=invalid)
        if value is None:
            return None
        found = values.split_list(value)
        if not found:
            raise ApiError(empty)
        return found

    def paging(self) -> tuple[int, int]:
        """start/limit of §1.7."""
        start = self.integer("start", empty=40001, invalid=40002, default=0)
        limit = self.integer("limit", empty=40003, invalid=40004, hi=100, default=100)
        return start, limit


def parse_bool(text: str) -> bool | None:
    lowered = text.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    return None
