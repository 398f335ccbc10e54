"""The code catalogue: every documented SendCloud return code and its texts, raised as ApiError."""

import csv
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def catalogue() -> dict[int, tuple[str, str]]:
    """code -> (english, chinese), loaded from the packaged return-codes.tsv."""
    text = resources.files("sendcloud_emulator").joinpath("return-codes.tsv").read_text(encoding="utf-8")
    rows = csv.reader(text.splitlines()[1:], delimiter="\t", quoting=csv.QUOTE_NONE)
    return {int(code): (en, zh) for code, en, zh in rows}


def message(code: int, lang: str = "zh", detail: tuple[str, str] | None = None) -> str:
    en, zh = catalogue()[code]
    text = en if lang == "en" else zh
    if detail is not None:
        name, value = detail
        text += f". param {name}: {value}" if lang == "en" else f". 参数{name}: {value}"
    return text


class ApiError(Exception):
    """A SendCloud business error: answered as HTTP 200 with result false and this code."""

    def __init__(self, code: int, detail: tuple[str, str] | None = None):
        if code not in catalogue():
            raise ValueError(f"undocumented code {code}")
        super().__init__(code)
        self.code = code
        self.detail = detail  # (parameter name, value) appended to the message, §1.5


# Codes with result true (§1.5).
SUCCESS_CODES = frozenset({200, 40821})
