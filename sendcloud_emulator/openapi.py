"""/openapi.json: FastAPI's schema for /_emulator plus one documented path per SendCloud action.

The /apiv2 routes are served by one dispatcher (so faults answer with SendCloud codes, never 422);
their parameters come from each handler's `declare(...)` list, in validation order.
"""

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .routes import ACTIONS

CREDENTIALS = ("apiUser", "apiKey")
ENVELOPE = {
    "type": "object",
    "properties": {
        "result": {"type": "boolean"},
        "statusCode": {"type": "integer"},
        "message": {"type": "string"},
        "info": {"type": "object"},
    },
    "required": ["result", "statusCode", "message", "info"],
}


def build_openapi(app: FastAPI) -> dict:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schema.setdefault("components", {}).setdefault("schemas", {})["Envelope"] = ENVELOPE
    for entry in ACTIONS:
        names = CREDENTIALS + tuple(getattr(entry.handler, "params", ()))
        doc = (entry.handler.__doc__ or "").strip()
        path = schema.setdefault("paths", {}).setdefault(f"/apiv2/{entry.module}/{entry.action}", {})
        for method in entry.methods:
            operation = {
                "tags": [f"apiv2 {entry.module}"],
                "summary": doc.splitlines()[0] if doc else f"{entry.module}/{entry.action}",
                "operationId": f"{entry.module}_{entry.action}_{method.lower()}",
                "responses": {"200": {"description": "SendCloud envelope; statusCode carries the outcome",
                                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}}},
            }
            if method == "GET":
                operation["parameters"] = [
                    {"name": n, "in": "query", "required": n in CREDENTIALS, "schema": {"type": "string"}}
                    for n in names
                ]
            else:
                properties = {n: {"type": "string"} for n in names}
                form = {"schema": {"type": "object", "properties": properties, "required": list(CREDENTIALS)}}
                operation["requestBody"] = {"content": {"application/x-www-form-urlencoded": form,
                                                        "multipart/form-data": form}}
            path[method.lower()] = operation
    app.openapi_schema = schema
    return schema
