"""The generated parts of docs/api.md and docs/control-api.md (run `scripts/gen-docs`).

Each document is hand-written prose with marked blocks. A block between
`<!-- generated: NAME -->` and `<!-- end generated -->` is rewritten from the declarations
(`apiv2 module/action`: its parameter table and codes; `codes`: the code catalogue), from a run of
the actions (`example module/action`: docexamples.py) or from the control routes (`control`: their
table). `--check` exits 1 when a file is stale; the test suite
runs it.
"""

import re
import sys
import tempfile
from pathlib import Path

from .codes import catalogue
from .protocol.declaration import Param
from .routes import ACTION_INDEX, ACTIONS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("docs/api.md", "docs/control-api.md")
BLOCK = re.compile(r"(<!-- generated: (?P<name>[^>]+?) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _type(param: Param) -> str:
    kind = "file part" if param.type == "binary" else param.type
    return f"list of {kind}" if param.list else kind


def _required(param: Param) -> str:
    if param.required:
        return "yes"
    return f"`*` {param.required_when}" if param.required_when else "no"


def _limits(param: Param) -> str:
    found = []
    if param.type == "integer":
        if param.enum:
            found.append(" / ".join(param.enum))
        else:
            found.append(f"{param.minimum}..{param.maximum}")
    if param.min_length and param.max_length:
        found.append(f"{param.min_length}..{param.max_length} chars")
    elif param.max_length:
        found.append(f"≤ {param.max_length} chars")
    if param.max_bytes:
        found.append(f"≤ {param.max_bytes} UTF-8 bytes")
    if param.max_items:
        found.append(f"≤ {param.max_items} items")
    if param.enum and param.type != "integer":
        found.append(" / ".join(param.enum))
    if param.blank_absent:
        found.append("blank = absent")
    return ", ".join(found)


def action_block(module: str, action: str) -> str:
    entry = ACTION_INDEX[(module.lower(), action.lower())]
    declaration = entry.handler.declaration
    doc = (entry.handler.__doc__ or "").strip().splitlines()[0]
    lines = [f"#### {entry.module}/{entry.action} ({', '.join(entry.methods)})", "", doc, ""]
    if declaration.params:
        lines += ["| param | type | required | limits | default | codes | meaning |",
                  "|---|---|---|---|---|---|---|"]
        for p in declaration.params:
            codes = ", ".join(str(c) for c in p.codes)
            lines.append(f"| `{p.name}` | {_type(p)} | {_cell(_required(p))} | {_cell(_limits(p))} | "
                         f"{_cell(p.default or '')} | {codes} | {_cell(p.description)} |")
    else:
        lines.append("No parameters besides apiUser and apiKey.")
    lines += ["", "Codes: " + ", ".join(f"`{c}`" for c in declaration.codes) + ".", ""]
    return "\n".join(lines)


def codes_block() -> str:
    lines = ["| code | English | 中文 |", "|---|---|---|"]
    lines += [f"| {code} | {_cell(en)} | {_cell(zh)} |" for code, (en, zh) in catalogue().items()]
    return "\n".join(lines) + "\n"


def _schema_type(schema: dict) -> str:
    """A property's type in a word or two: `integer`, `string or null`, `list of MailSummary`."""
    if "$ref" in schema:
        return f"`{schema['$ref'].rsplit('/', 1)[-1]}`"
    if "anyOf" in schema:
        return " or ".join(_schema_type(option) for option in schema["anyOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return "list of " + _schema_type(schema.get("items", {}))
    if "enum" in schema:
        return " / ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    return {"object": "object"}.get(kind, kind)


def _answer(operation: dict) -> str:
    """The route's success answer: its status and model, or the media type of a download."""
    for code, answer in operation.get("responses", {}).items():
        if not code.startswith("2"):
            continue
        content = answer.get("content")
        if not content:
            return code
        media, body = next(iter(content.items()))
        if media != "application/json":
            return f"{code} {media}"
        return f"{code} {_schema_type(body.get('schema', {}))}"
    return ""


def control_block() -> str:
    from .app import create_app
    from .settings import Settings

    with tempfile.TemporaryDirectory() as folder:  # the engine is lazy: nothing is written there
        schema = create_app(Settings(database_url=f"sqlite:///{folder}/docs.db")).openapi()
    lines = ["| method | path | what it does | query / body | answer |", "|---|---|---|---|---|"]
    components = schema.get("components", {}).get("schemas", {})
    answers: list[str] = []
    for path, item in schema["paths"].items():
        if not path.startswith("/_emulator"):
            continue
        for method, operation in item.items():
            inputs = [f"`{p['name']}`" for p in operation.get("parameters", []) if p["in"] == "query"]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "")
            if ref:
                model = components.get(ref.rsplit("/", 1)[-1], {})
                inputs.append("body " + ", ".join(f"`{name}`" for name in model.get("properties", {})))
            summary = (operation.get("description") or operation.get("summary") or "").strip().splitlines()
            answer = _answer(operation)
            answers += re.findall(r"`([A-Za-z]+)`", answer)
            lines.append(f"| {method.upper()} | `{path}` | {_cell(summary[0] if summary else '')} | "
                         f"{_cell('; '.join(inputs))} | {_cell(answer)} |")
    lines += ["", "The answers' models: every field is present in every answer, except those marked "
              "(optional), which appear only when they apply; `or null` fields may be null.", ""]
    lines += ["| model | fields |", "|---|---|"]
    seen: list[str] = []
    while answers:  # the answers' models, then the models they hold, each once
        name = answers.pop(0)
        if name in seen or name not in components:
            continue
        seen.append(name)
        fields = []
        for field, prop in components[name].get("properties", {}).items():
            kind = _schema_type(prop)
            answers += re.findall(r"`([A-Za-z]+)`", kind)
            optional = "" if field in components[name].get("required", []) else " (optional)"
            fields.append(f"`{field}` {kind}{optional}")
        lines.append(f"| `{name}` | {_cell(', '.join(fields))} |")
    return "\n".join(lines) + "\n"


def render_block(name: str) -> str:
    if name == "codes":
        return codes_block()
    if name == "control":
        return control_block()
    kind, _, target = name.partition(" ")
    if kind == "apiv2":
        module, _, action = target.partition("/")
        return action_block(module, action)
    if kind == "example":
        from .docexamples import example_block

        return example_block(target)
    raise ValueError(f"unknown generated block {name!r}")


def render(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + render_block(m.group("name")) + m.group(4), text)


def missing_actions(text: str) -> list[str]:
    named = {m.group("name") for m in BLOCK.finditer(text)}
    return [f"{a.module}/{a.action}" for a in ACTIONS if f"apiv2 {a.module}/{a.action}" not in named]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for relative in DOCS:
        path = ROOT / relative
        text = path.read_text(encoding="utf-8")
        fresh = render(text)
        if relative == "docs/api.md" and missing_actions(fresh):
            print(f"{relative}: no block for {', '.join(missing_actions(fresh))}", file=sys.stderr)
            stale.append(relative)
        if fresh != text:
            stale.append(relative)
            if not check:
                path.write_text(fresh, encoding="utf-8")
    if check and stale:
        print("stale: " + ", ".join(sorted(set(stale))) + " (run scripts/gen-docs)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
