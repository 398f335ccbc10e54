"""The /webapi endpoint: routing answers (v1.md §2.1), credentials (§2.2), then the twin in the
shared pipeline, answered in the v1 shapes (§3)."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ..codes import ApiError
from ..context import Door
from ..protocol.body import FILE_FIELDS, build_params
from ..routes import ACTION_INDEX, WEBAPI_INDEX, Action, WebapiAction
from .wire import CREDENTIALS, NOT_NULL, XML_FORMAT, error_text, failure, http_failure, success

FORMATS = ("json", "xml")


def resolve(rest: str) -> tuple[WebapiAction | None, str]:
    """`<module>.<action>.<format>` with at most one trailing `/`, matched case-insensitively."""
    if rest.endswith("/"):
        rest = rest[:-1]
    parts = rest.split(".")
    if len(parts) != 3 or "/" in rest:
        return None, ""
    module, action, fmt = parts
    return WEBAPI_INDEX.get(f"{module}.{action}".lower()), fmt.lower()


def endpoint(services, run_action, execute, run_declared, read_capped):
    """The request handler over the app's pipeline: `run_action` (faults on the event loop, then
    `execute`), `execute` (the one transaction), `run_declared` (a v2 handler checked against its
    declaration), `read_capped` (the body reader)."""
    settings = services.settings

    async def webapi(request: Request):
        entry, fmt = resolve(request.path_params.get("rest", ""))
        if entry is None or fmt not in FORMATS:
            return http_failure(404)
        if request.method not in entry.methods:
            refused = http_failure(405)
            refused.headers["Allow"] = ", ".join(entry.methods)
            return refused
        if fmt == "xml":
            return failure(XML_FORMAT)
        content_type = request.headers.get("content-type", "")
        body = await read_capped(request, settings.max_body_bytes)
        if body is None:
            if entry.decl.files and content_type.lower().startswith("multipart/form-data"):
                return failure(error_text(ApiError(40819)))
            return http_failure(413)
        query = request.scope.get("query_string", b"")
        # On the two mail actions every file part is an attachment, whatever its name (§2.3).
        file_fields = None if entry.decl.files else FILE_FIELDS

        def read():
            raw = build_params(query, content_type, body, file_fields)
            if any((raw.scalar(name) or "").strip() == "" for name, _ in CREDENTIALS):
                return None
            return entry.decl.translate(raw)

        if not services.faults.rules:
            def now():  # one hop to the thread pool for parsing and the transaction, as /apiv2 does
                params = read()
                if params is None:
                    return failure(NOT_NULL)
                target, door = plan(entry, params, run_declared)
                if target.prepare is not None:  # slow work (a webhook probe) waits outside the transaction
                    return target, door, params
                return execute(services, target, params, False, None, door)

            answer = await run_in_threadpool(now)
            if not isinstance(answer, tuple):
                return answer
            target, door, params = answer
            return await run_action(services, target, params, door)
        params = await run_in_threadpool(read)
        if params is None:
            return failure(NOT_NULL)
        target, door = plan(entry, params, run_declared)
        return await run_action(services, target, params, door)

    return webapi


def plan(entry: WebapiAction, params, run_declared) -> tuple[Action, Door]:
    """The v2 action the request runs as (fault rules, write lock) and how v1 runs and answers it."""
    decl = entry.decl
    twin = decl.twin_for(params) if decl.twin_for else decl.twin
    if twin is None:  # queueStatus.get: fault rules without module/action still match it
        target, call = Action(entry.module, entry.action, handler=None, writes=False), None
    else:
        target = ACTION_INDEX[(twin[0].lower(), twin[1].lower())]

        def call(ctx):
            """The twin, its reads checked against its declaration; v1's own reads come after."""
            try:
                return run_declared(target, ctx)
            finally:
                ctx.params.bind(None, "")

    def run(_target, ctx):
        info = decl.run(ctx, call) if decl.run else call(ctx)
        return decl.reply(ctx, info)

    return target, Door("v1", run, success, lambda error: failure(error_text(error)))
