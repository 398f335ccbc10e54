"""The v1 wire format (v1.md §2, §3, §4): parameter translation, the two reply shapes, error texts."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..codes import ApiError, message
from ..protocol.envelope import HTTP_MESSAGES, EnvelopeResponse
from ..protocol.params import FilePart, Params

CREDENTIALS = (("api_user", "apiUser"), ("api_key", "apiKey"))

# v1-only conditions and the strings the sources show (v1.md §4.1)
NOT_NULL = "api_user and api_key can not be null !"
XML_FORMAT = "xml format is not supported by the emulator, use json"
LIST_UPDATE_NOTHING = "toAddress, name or description is required"
INVALID_UPSERT = "invalid upsert format"
MEMBER_EXISTS = "member address already exists"
# v2 codes whose v1 text the sources fix; every other code answers its English text (§3.2 (3))
TEXTS = {
    40863: "Can not queue maillist email, use maillist to send mail fail! "
           "msg=Mailing List doesnot exsit, please check your param!",
}


class V1Error(ApiError):
    """A condition only v1 has (v1.md §4.1): no v2 code, its own text. Raised inside the pipeline
    like any ApiError, so the request's transaction is rolled back."""

    def __init__(self, text: str):
        Exception.__init__(self, text)
        self.code = None
        self.detail = None
        self.text = text


def error_text(error: ApiError) -> str:
    if isinstance(error, V1Error):
        return error.text
    return TEXTS.get(error.code) or message(error.code, "en")


def success(payload: dict) -> EnvelopeResponse:
    return EnvelopeResponse({"message": "success", **payload}, status_code=200)


def failure(text: str, status: int = 200) -> EnvelopeResponse:
    return EnvelopeResponse({"message": "error", "errors": [text]}, status_code=status)


def http_failure(status: int) -> EnvelopeResponse:
    """The routing answers of §2.1 (404, 405, 413) in the v1 error shape."""
    return failure(HTTP_MESSAGES[status], status)


def pick(item: dict, fields: tuple) -> dict:
    """A v1 object from a v2 one: `fields` is ((v1 name, v2 name or a function of the item), ...)."""
    return {name: source(item) if callable(source) else item[source] for name, source in fields}


@dataclass(frozen=True)
class Decl:
    """One v1 action as data: its v2 twin, its parameters and its reply (v1.md §5)."""

    twin: tuple[str, str] | None  # (module, action) of the v2 action it runs; None: no twin
    params: tuple[tuple[str, str], ...]  # (v1 name, v2 name), in the action's check order
    reply: Callable[[Any, Any], dict]  # (ctx, the twin's info) → the v1 payload
    defaults: tuple[tuple[str, str], ...] = ()  # (v2 name, value) when the v1 parameter is absent
    bracketed: tuple[str, ...] = ()  # v1 names whose one pair of [] around the value is dropped
    files: bool = False  # every file part is an attachment (the two mail actions)
    # where the twin alone does not say it all: (ctx, twin handler) → the twin-shaped info
    run: Callable | None = None
    # a twin chosen by the parameters (list_member.get): (v2 params) → (module, action)
    twin_for: Callable[[Params], tuple[str, str]] | None = None

    def names(self) -> tuple[str, ...]:
        return tuple(v1 for v1, _ in self.params)

    def translate(self, params: Params) -> Params:
        """The v2 parameters this request means: mapped names only (others are ignored, §2.3),
        repeated keys kept for the v2 list readers to join."""
        fields: dict[str, list[str]] = {}
        for v1, v2 in CREDENTIALS + self.params:
            if v1 not in params.fields:
                continue
            items = list(params.fields[v1])
            if v1 in self.bracketed:
                joined = ";".join(items).strip()
                if len(joined) >= 2 and joined[0] == "[" and joined[-1] == "]":
                    items = [joined[1:-1]]
            fields[v2] = items
        for v2, value in self.defaults:
            fields.setdefault(v2, [value])
        files: dict[str, list[FilePart]] = {}
        if self.files:
            files["attachments"] = [part for parts in params.files.values() for part in parts]
        return Params(fields, files)
