"""Value rules of api.md §1.4, written once and used by every action."""

import re
from datetime import date, datetime

_LOCAL_FORBIDDEN = set('()<>[],;:\\"')
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_ASCII_DIGITS = re.compile(r"[0-9]+")
INT_MAX = 2147483647


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
        if "\r" in name or "\n" in name or "\x00" in name:
            return None
        return (name, addr) if is_address(addr) else None
    return ("", text) if is_address(text) else None


def parse_int(text: str) -> int | None:
    """ASCII digits only, no sign, ≤ 2147483647."""
    text = text.strip()
    if not _ASCII_DIGITS.fullmatch(text):
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
    return not any(c in text for c in "\x00\r\n")


def is_text(text: str) -> bool:
    return "\x00" not in text


def split_list(text: str) -> list[str]:
    """`;`-separated list: items trimmed, empty items dropped."""
    return [item.strip() for item in text.split(";") if item.strip()]
