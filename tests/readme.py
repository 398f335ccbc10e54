"""The README's snippets, so that tests exercise exactly what the README shows."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def snippet(name: str) -> str:
    """The fenced block that follows `<!-- snippet: name -->` in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- snippet: {re.escape(name)} -->\n```[a-z]*\n(.*?)```\n", text, re.S)
    assert match, f"README.md has no snippet {name!r}"
    return match.group(1)
