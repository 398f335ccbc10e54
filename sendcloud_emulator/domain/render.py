"""X-SMTPAPI (docs/api.md §3): parse and check the `xsmtpapi` parameter, and render %var% substitutions.

Rendering is literal and case-sensitive, longer keys first, in a single pass (inserted text is
never scanned again); placeholders without a value stay as they are.
"""

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote

from ..codes import ApiError
from .. import values

MAX_TO = 100
UNSUBSCRIBE_LINK = "%%user_defined_unsubscribe_link%%"
UNSUBSCRIBE_BASE = "https://track.sendcloud.test/unsubscribe/"


@dataclass
class XSmtpApi:
    to: list[str] | None = None  # the entries as sent (mailboxes), None when absent
    sub: dict[str, list] = field(default_factory=dict)
    pubsub: dict[str, object] = field(default_factory=dict)
    section: dict[str, str] = field(default_factory=dict)
    filters: dict | None = None
    settings: dict | None = None

    def kept(self) -> str:
        """What is stored with each mail: the tracking overrides and settings."""
        return json.dumps({k: v for k, v in (("filters", self.filters), ("settings", self.settings)) if v is not None},
                          ensure_ascii=False)

    def variables(self, index: int) -> dict[str, str]:
        """pubsub, then sub[index] (which overrides it); section references resolved."""
        found = {key: self._text(value) for key, value in self.pubsub.items()}
        for key, items in self.sub.items():
            found[key] = self._text(items[index] if index < len(items) else None)
        return found

    def _text(self, value: object) -> str:
        text = value_text(value)
        if len(text) >= 3 and text[0] == text[-1] == "%":
            inner = text[1:-1]
            if inner in self.section:
                return self.section[inner]
            if text in self.section:
                return self.section[text]
        return text


class Number:
    """A JSON number kept as the text it was sent as (`1.50` renders `1.50`, `1e3` renders `1e3`)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _loads_keeping_numbers(text: str):
    return json.loads(text, parse_int=Number, parse_float=Number, parse_constant=Number)


def value_text(value: object) -> str:
    """Strings as-is, numbers as their JSON text, null as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Number):
        return value.text
    return json.dumps(value, ensure_ascii=False)


def _is_key(key: str) -> bool:
    return len(key) >= 3 and key.startswith("%") and key.endswith("%")


def _scalar(value: object) -> bool:
    return not isinstance(value, (dict, list))


def parse(text: str, *, require_to: bool) -> XSmtpApi:
    """Check the whole value (40813, 40814), its fields and sub lengths (40817), then `to` (40815/40816/40827/40880)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ApiError(40813) from None
    if data is None or data == {}:
        raise ApiError(40814)
    if not isinstance(data, dict) or values.json_has_surrogate(data):  # `\ud800` is no storable text
        raise ApiError(40813)
    plain = {k: v for k, v in data.items() if v is not None}  # filters/settings, stored as JSON
    data = {k: v for k, v in _loads_keeping_numbers(text).items() if v is not None}  # null counts as absent
    result = XSmtpApi()
    to = data.get("to")
    if "to" in data and not isinstance(to, list):
        raise ApiError(40817)
    sub = data.get("sub", {})
    if not isinstance(sub, dict):
        raise ApiError(40817)
    for key, items in sub.items():
        if not _is_key(key) or not isinstance(items, list) or not all(_scalar(i) for i in items):
            raise ApiError(40817)
    pubsub = data.get("pubsub", {})
    if not isinstance(pubsub, dict):
        raise ApiError(40817)
    for key, value in pubsub.items():
        if not _is_key(key) or not _scalar(value):
            raise ApiError(40817)
    section = data.get("section", {})
    if not isinstance(section, dict) or not all(isinstance(v, str) for v in section.values()):
        raise ApiError(40817)
    for name in ("filters", "settings"):
        if name in data and not isinstance(data[name], dict):
            raise ApiError(40817)
    if to is None:
        if require_to:
            raise ApiError(40815)
        if any(len(items) == 0 for items in sub.values()):
            raise ApiError(40817)
    else:
        if any(len(items) != len(to) for items in sub.values()):
            raise ApiError(40817)  # 40817 comes before 40816/40827/40880 in the row's cell
        if not to:
            raise ApiError(40816)
        if len(to) > MAX_TO:
            raise ApiError(40827)
        for entry in to:
            if not isinstance(entry, str) or values.parse_mailbox(entry) is None:
                raise ApiError(40880, ("to", entry if isinstance(entry, str) else repr(entry)))
        result.to = list(to)
    result.sub, result.pubsub, result.section = sub, pubsub, section
    result.filters, result.settings = plain.get("filters"), plain.get("settings")
    return result


def one_line(text: str | None) -> str | None:
    """A rendered subject: a substituted value's line breaks become spaces (never a header line)."""
    if text is None or _LINE_BREAK.search(text) is None:
        return text
    return _LINE_BREAK.sub(" ", text)


_LINE_BREAK = re.compile("[" + "".join(re.escape(c) for c in sorted(values.LINE_BREAKS)) + "]")


def unsubscribe_link(email_id: str) -> str:
    return UNSUBSCRIBE_BASE + quote(email_id, safe="")


def substitute(text: str | None, variables: dict[str, str], email_id: str) -> str | None:
    """The unsubscribe link first, then every %var% in one pass, longer keys first."""
    if text is None:
        return None
    if UNSUBSCRIBE_LINK in text:
        text = text.replace(UNSUBSCRIBE_LINK, unsubscribe_link(email_id))
    keys = tuple(variables)
    if "" in variables:  # an empty key replaces nothing
        keys = tuple(k for k in keys if k)
    if not keys:
        return text
    return _pattern(keys).sub(lambda m: variables[m.group(0)], text)


@lru_cache(maxsize=256)
def _pattern(keys: tuple[str, ...]) -> re.Pattern:
    """One alternation of the keys, longer first (the members of a list share their keys: compiled once)."""
    return re.compile("|".join(re.escape(k) for k in sorted(keys, key=lambda k: (-len(k), k))))


def member_variables(vars_text: str | None, name: str | None, address: str) -> dict[str, str]:
    """Address-list mode: the member's vars as %key%, %name% when it has a name, then %recipient%."""
    found: dict[str, str] = {}
    if vars_text:
        try:
            data = _loads_keeping_numbers(vars_text)
        except ValueError:
            data = {}
        if isinstance(data, dict):
            for key, value in data.items():
                found[f"%{key}%"] = value_text(value) if _scalar(value) else json.dumps(value, ensure_ascii=False)
    if name:
        found["%name%"] = name
    found["%recipient%"] = address
    return found
