"""The SendCloud JSON envelope {result, statusCode, message, info} (docs/api.md §1.5)."""

import json
from typing import Any

from starlette.responses import Response

from ..codes import SUCCESS_CODES, message

# HTTP-level answers of §1.1: English in both languages.
HTTP_MESSAGES = {404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large"}


class EnvelopeResponse(Response):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def envelope(code: int, info: dict | None = None, *, lang: str = "zh",
             detail: tuple[str, str] | None = None) -> EnvelopeResponse:
    ok = code in SUCCESS_CODES
    body = {
        "result": ok,
        "statusCode": code,
        "message": message(code, lang, detail),
        "info": (info or {}) if ok else {},
    }
    return EnvelopeResponse(body, status_code=200)


def http_envelope(status: int) -> EnvelopeResponse:
    body = {"result": False, "statusCode": status, "message": HTTP_MESSAGES[status], "info": {}}
    return EnvelopeResponse(body, status_code=status)
