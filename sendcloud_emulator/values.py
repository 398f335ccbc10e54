"""Value rules of docs/api.md §1.4 (addresses, mailboxes, numbers, dates), written once.

A neutral module: every door's protocol layer and the domain both use it, so neither imports the other.
"""

import re
from datetime import date, datetime

_LOCAL_FORBIDDEN = set('()<>[],;:\\"')
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
INT_MAX = 2147483647
# Every character str.splitlines() breaks on: a mail reader may break a header line at any of them.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def is_domain_name(name: str) -> bool:
    """The domain part of the address rule: ≥ 2 labels of letters/digits/-, sane last label."""
    labels = name.split(".")
    if len(labels) < 2:
        return False
    for label in labels:
        if not 1 <= len(label) <= 63 or label[0] == "-" or label[-1] == "-":
            return False
        if not all(c.isalpha() or c in "0123456789-" for c in label):
            return False
    last = labels[-1]
    return len(last) >= 2 and not last.isdigit()


def is_address(text: str) -> bool:
    if len(text) > 254 or text.count("@") != 1:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in text):  # control characters (NUL, …) are never an address
        return False
    if has_surrogate(text) or any(c in LINE_BREAKS for c in text):
        return False
    local, domain = text.split("@")
    if not 1 <= len(local) <= 64:
        return False
    if any(c.isspace() or c in _LOCAL_FORBIDDEN for c in local):
        return False
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    return is_domain_name(domain)


def parse_mailbox(text: str) -> tuple[str, str] | None:
    """`addr` or `Display Name <addr>` (name optionally in double quotes) → (name, addr)."""
    text = text.strip()
    if text.endswith(">") and "<" in text:
        cut = text.rindex("<")
        name, addr = text[:cut].strip(), text[cut + 1 : -1].strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1]
        if not is_line(name):  # a display name is written into a header line
            return None
        return (name, addr) if is_address(addr) else None
    return ("", text) if is_address(text) else None


def parse_int(text: str) -> int | None:
    """ASCII digits only, no sign, ≤ 2147483647 (leading zeros allowed, at any length)."""
    text = text.strip()
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    text = text.lstrip("0") or "0"
    if len(text) > 10:  # also keeps int() away from Python's 4,300-digit limit
        return None
    value = int(text)
    return value if value <= INT_MAX else None


def parse_date(text: str) -> date | None:
    text = text.strip()
    if not _DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_datetime(text: str) -> datetime | None:
    text = text.strip()
    if not _DATETIME.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def is_line(text: str) -> bool:
    """One line of text: no NUL, no line break of any kind, no lone surrogate."""
    return is_text(text) and not any(c in LINE_BREAKS for c in text)


def is_text(text: str) -> bool:
    """Text that can be stored and sent: no NUL and no lone surrogate (not encodable as UTF-8)."""
    return "\x00" not in text and not has_surrogate(text)


def has_surrogate(text: str) -> bool:
    """A lone UTF-16 surrogate (from a JSON `\\ud800` escape or a utf-7 body)."""
    return _SURROGATE.search(text) is not None


def without_surrogates(text: str) -> str:
    """Each lone surrogate as U+FFFD, as an undecodable byte is."""
    return _SURROGATE.sub("\ufffd", text)


def json_has_surrogate(value) -> bool:
    """Whether a decoded JSON value holds a lone surrogate in any key or string."""
    if isinstance(value, str):
        return has_surrogate(value)
    if isinstance(value, dict):
        return any(json_has_surrogate(k) or json_has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(json_has_surrogate(v) for v in value)
    return False


def split_list(text: str) -> list[str]:
    """`;`-separated list: items trimmed, empty items dropped."""
    return [item.strip() for item in text.split(";") if item.strip()]
