"""/openapi.json: FastAPI's schema for /_emulator plus one documented path per SendCloud action.

The /apiv2 routes are served by one dispatcher (so faults answer with SendCloud codes, never 422);
their parameters and codes come from each handler's declaration (protocol/declaration.py), the
same rows the pipeline checks every read against. Swagger UI and ReDoc are served from the assets
of the `fastapi-offline` package, so /docs works without internet.
"""

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .codes import catalogue
from .protocol.declaration import Param
from .routes import ACTION_INDEX, ACTIONS, WEBAPI_ACTIONS

CREDENTIALS = (
    Param("apiUser", "string", "The API_USER name (checked first: 40005).", required=True, codes=(40005,),
          example="demo_trigger"),
    Param("apiKey", "string", "The API_USER's key.", required=True, codes=(40005,), example="demoTriggerKey01"),
)
ENVELOPE = {
    "type": "object",
    "properties": {
        "result": {"type": "boolean", "description": "true for 200 and 40821, false otherwise"},
        "statusCode": {"type": "integer", "description": "the SendCloud return code"},
        "message": {"type": "string", "description": "the code's text (zh by default, SC_EMULATOR_LANG=en)"},
        "info": {"type": "object", "description": "the answer; {} on errors"},
    },
    "required": ["result", "statusCode", "message", "info"],
}
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"


def param_schema(param: Param) -> dict:
    """The JSON schema of one declared row (a form field or query parameter as sent)."""
    if param.type == "binary":
        # A file part (the name may repeat for more files). Not an array: Swagger UI's array form
        # sends an empty text field for an unused item, which is 40867.
        return {"type": "string", "format": "binary"}
    schema: dict = {"type": param.type}
    if param.type == "date":
        schema = {"type": "string", "format": "date"}
    elif param.type == "datetime":
        schema = {"type": "string", "pattern": DATETIME_PATTERN, "example": "2024-11-26 10:15:23"}
    elif param.type == "integer":
        schema.update(minimum=param.minimum, maximum=param.maximum)
        if param.enum:
            schema["enum"] = [int(v) for v in param.enum]
    elif param.type == "string":
        if param.min_length is not None and not param.list:
            schema["minLength"] = param.min_length
        if param.max_length is not None and not param.list:
            schema["maxLength"] = param.max_length
        if param.enum:
            schema["enum"] = list(param.enum)
    if param.default is not None:
        default = _typed(param, param.default)
        if default is not None:
            schema["default"] = default
    if param.example is not None:
        schema["example"] = _typed(param, param.example)
    elif not param.required and param.type != "boolean" and "default" not in schema:
        schema["example"] = ""  # so "Try it out" starts blank (absent) instead of with "string" or a number
    return schema


def _typed(param: Param, text: str):
    if param.type == "boolean":
        return {"true": True, "1": True, "false": False, "0": False}.get(text)
    if param.type == "integer":
        return int(text) if text.lstrip("-").isdigit() else None
    return text


def param_notes(param: Param) -> str:
    """The row in words: list shape, condition, limits that the schema cannot say, codes."""
    notes = [param.description.rstrip(".") + "."]
    if param.list:
        notes.append("A `;`-separated list (repeated keys are joined)"
                     + (f", at most {param.max_items} items." if param.max_items else "."))
        if param.max_length:
            notes.append(f"Each item at most {param.max_length} characters.")
    if param.required_when:
        notes.append(f"Required {param.required_when}.")
    if param.max_bytes:
        notes.append(f"At most {param.max_bytes} UTF-8 bytes.")
    if param.blank_absent:
        notes.append("Blank counts as absent.")
    if param.default is not None and _typed(param, param.default) is None:
        notes.append(f"Default: {param.default}.")
    if param.codes:
        notes.append("Codes: " + ", ".join(str(c) for c in param.codes) + ".")
    return " ".join(notes)


def code_table(codes) -> str:
    rows = "\n".join(f"| {code} | {catalogue()[code][0]} |" for code in codes)
    return f"| statusCode | meaning |\n|---|---|\n{rows}"


def action_operation(entry, method: str) -> dict:
    declaration = entry.handler.declaration
    params = CREDENTIALS + declaration.params
    doc = (entry.handler.__doc__ or "").strip()
    summary = doc.splitlines()[0] if doc else f"{entry.module}/{entry.action}"
    operation = {
        "tags": [f"apiv2 {entry.module}"],
        "summary": summary,
        "description": f"{summary}\n\nParameters are validated in the order listed; the first failing check "
                       f"answers.\n\n{code_table(declaration.codes)}",
        "operationId": f"{entry.module}_{entry.action}_{method.lower()}",
        "x-sendcloud-codes": list(declaration.codes),
        "responses": {"200": {"description": "The SendCloud envelope; statusCode carries the outcome.",
                              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}}},
    }
    operation.update(inputs(params, method))
    return operation


def inputs(params: tuple[Param, ...], method: str) -> dict:
    """An operation's parameters: the query for GET, else a form or multipart body."""
    if method == "GET":
        return {"parameters": [
            {"name": p.name, "in": "query", "required": p.required, "description": param_notes(p),
             "schema": param_schema(p)}
            for p in params if p.type != "binary"
        ]}
    content = {}
    has_files = any(p.type == "binary" for p in params)
    for media in (("multipart/form-data", "application/x-www-form-urlencoded") if has_files
                  else ("application/x-www-form-urlencoded", "multipart/form-data")):
        shown = [p for p in params if p.type != "binary" or media == "multipart/form-data"]
        content[media] = {"schema": {
            "type": "object",
            "properties": {p.name: {**param_schema(p), "description": param_notes(p)} for p in shown},
            "required": [p.name for p in shown if p.required],
        }}
    return {"requestBody": {"required": True, "content": content}}


def build_openapi(app: FastAPI) -> dict:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schema.setdefault("components", {}).setdefault("schemas", {})["Envelope"] = ENVELOPE
    paths = schema.setdefault("paths", {})
    for entry in ACTIONS:
        path = paths.setdefault(f"/apiv2/{entry.module}/{entry.action}", {})
        for method in entry.methods:
            path[method.lower()] = action_operation(entry, method)
    _control_errors(schema)
    add_webapi(schema)
    app.openapi_schema = schema
    return schema


ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}


def _error(text: str) -> dict:
    return {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _control_errors(schema: dict) -> None:
    """The 4xx the control API really answers (app.py turns FastAPI's 422 into 400 `{"detail"}`)."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/_emulator"):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            had_validation = responses.pop("422", None) is not None
            if had_validation:
                responses["400"] = _error("invalid query, path or body value (`detail` says which)")
            if path != "/_emulator/health":
                responses["401"] = _error("SC_EMULATOR_ADMIN_TOKEN is set and the Bearer token is missing or wrong")
            if method.upper() not in ("GET", "HEAD", "OPTIONS"):
                responses["403"] = _error("a cross-site browser request (foreign Origin)")
            names = {p.get("name") for p in operation.get("parameters", [])}
            if "{" in path or names & {"account", "apiUser"} or "requestBody" in operation:
                responses.setdefault("404", _error("no such account, mail or item"))
    for name in ("HTTPValidationError", "ValidationError"):
        if name in schemas and name not in str(schema.get("paths")):
            del schemas[name]


# the legacy /webapi door (v1.md): each v1 parameter is documented by its v2 twin's row -----------------
V1_CREDENTIALS = (
    Param("api_user", "string", "The API_USER name; missing or blank: `api_user and api_key can not be null !`.",
          required=True, codes=(40005,), example="demo_trigger"),
    Param("api_key", "string", "The API_USER's key.", required=True, codes=(40005,), example="demoTriggerKey01"),
)
# v1 parameters that no v2 twin reads
V1_ONLY = {
    "upsert": Param("upsert", "boolean", "true: existing members get name and vars replaced; false: the call "
                    "fails (`member address already exists`); not a bool: `invalid upsert format`.",
                    default="false", blank_absent=True),
    "labelName": Param("labelName", "string", "Looked up exactly (case-sensitive) when labelId is not sent.",
                       codes=(40104, 40105, 40106)),
}
V1_REPLY = {
    "type": "object",
    "properties": {"message": {"type": "string", "enum": ["success", "error"]},
                   "errors": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 1}},
    "required": ["message"],
    "description": "success: the payload keys of v1.md §5 follow `message`; error: one string in `errors`",
}


def v1_params(entry) -> tuple[Param, ...]:
    """The v1 action's parameters in check order, each the twin's row under its v1 name."""
    decl = entry.decl
    declaration = ACTION_INDEX[tuple(n.lower() for n in decl.twin)].handler.declaration if decl.twin else None
    defaults = dict(decl.defaults)
    found = []
    for v1, v2 in decl.params:
        row = declaration.get(v2) if declaration is not None else None
        if row is None:
            found.append(V1_ONLY.get(v1) or Param(v1, "string", "A v1 parameter."))
            continue
        what = "every file part, whatever its name, is an attachment" if row.type == "binary" else f"v2 `{v2}`"
        found.append(row.but(name=v1, description=f"{row.description.rstrip('.')} ({what}).",
                             default=defaults.get(v2, row.default), example=None))
    return V1_CREDENTIALS + tuple(found)


def add_webapi(schema: dict) -> None:
    """The /webapi routes, from the same declarations the door runs (routes.WEBAPI_ACTIONS)."""
    schema["components"]["schemas"]["V1Reply"] = V1_REPLY
    for entry in WEBAPI_ACTIONS:
        decl = entry.decl
        if decl.twin is None:
            description = "No v2 twin: a fixed answer."
        else:
            description = (f"The v1 twin of {decl.twin[0]}/{decl.twin[1]}: its rules and check order under the v1 "
                           "parameter names below, answered in the v1 shape; business errors are HTTP 200 with "
                           "the first failing check's English text.")
        path = schema["paths"].setdefault(f"/webapi/{entry.module}.{entry.action}.json", {})
        for method in entry.methods:
            operation = {
                "tags": ["webapi (v1)"],
                "summary": entry.name,
                "description": description,
                "operationId": f"webapi_{entry.module}_{entry.action}_{method.lower()}",
                "responses": {"200": {"description": "The v1 reply.",
                                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/V1Reply"}}}}},
            }
            operation.update(inputs(v1_params(entry), method))
            path[method.lower()] = operation
