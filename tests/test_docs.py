"""docs/api.md and docs/control-api.md: their tables are the generated ones (scripts/gen-docs), and
every link of README and docs, and every docs reference of the package's docstrings, resolves."""

import re
from pathlib import Path

from sendcloud_emulator import docgen
from sendcloud_emulator.actions import label
from sendcloud_emulator.routes import ACTIONS

ROOT = Path(__file__).resolve().parent.parent


def test_the_generated_tables_are_current():
    assert docgen.main(["--check"]) == 0, "docs are stale: run scripts/gen-docs"


def test_a_changed_declaration_makes_the_docs_stale(monkeypatch):
    text = (ROOT / "docs/api.md").read_text(encoding="utf-8")
    assert docgen.render(text) == text
    monkeypatch.setattr(label.get, "declaration",
                        type(label.get.declaration)((label.LABEL_ID.but(description="Changed."),)))
    assert docgen.render(text) != text


def test_every_action_has_its_table_with_every_parameter_and_code():
    text = (ROOT / "docs/api.md").read_text(encoding="utf-8")
    assert docgen.missing_actions(text) == []
    for entry in ACTIONS:
        block = docgen.action_block(entry.module, entry.action)
        assert block in text
        for param in entry.handler.declaration.params:
            assert f"| `{param.name}` |" in block
        assert "Codes: " + ", ".join(f"`{c}`" for c in entry.handler.declaration.codes) in block


def _headings(path: Path) -> list[str]:
    return [line.lstrip("#").strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")]


def test_readme_and_docs_links_resolve_inside_the_repository():
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            assert (doc.parent / target.split("#")[0]).exists(), (doc.name, target)
        for target in re.findall(r"`(docs/[\w./-]+)`", text):
            assert (ROOT / target).exists(), (doc.name, target)


def test_docstring_references_name_sections_that_exist():
    api = _headings(ROOT / "docs/api.md")
    control = _headings(ROOT / "docs/control-api.md")
    checked = 0
    for source in (ROOT / "sendcloud_emulator").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"(?<![/\w-])(control-)?api\.md", text), f"{source}: say docs/api.md"
        for refs in re.findall(r"docs/api\.md ((?:[,;–\s]*§[\d.]+(?:–§[\d.]+)?)+)", text):
            for number in re.findall(r"§([\d.]*\d)", refs):
                assert any(h.startswith(f"{number} ") or h.startswith(f"{number}. ") for h in api), (source, number)
                checked += 1
        for name in re.findall(r'docs/control-api\.md "([^"]+)"', text):
            assert any(h.startswith(name) for h in control), (source, name)
            checked += 1
    assert checked > 20


def _action_sections(text: str) -> dict[str, str]:
    """module/action → its part of docs/api.md: from its table to the next table or heading."""
    starts = list(re.finditer(r"^<!-- generated: apiv2 (\S+) -->$", text, flags=re.M))
    sections = {}
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        body = text[match.end():end]
        heading = re.search(r"^#{1,3} ", body.split("<!-- end generated -->", 1)[1], flags=re.M)
        tail = body.split("<!-- end generated -->", 1)[1]
        sections[match.group(1)] = tail[:heading.start()] if heading else tail
    return sections


def test_every_action_has_its_info_shape_and_an_example():
    sections = _action_sections((ROOT / "docs/api.md").read_text(encoding="utf-8"))
    assert set(sections) == {f"{a.module}/{a.action}" for a in ACTIONS}
    for name, section in sections.items():
        assert "Info" in section or "info" in section, name
        generated = f"<!-- generated: example {name} -->" in section
        assert generated or "```" in section or "→" in section, f"{name} has no example"
        if generated:  # an example of this very action, run and answered 200
            assert "Example: " in section and '"statusCode": 200' in section, name
