"""create_app(settings): the FastAPI application, its /apiv2 pipeline and its lifespan."""

import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi_offline import FastAPIOffline
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from . import __version__, fixtures, logs, task_worker, webhook_worker
from .chaos import Faults, RateLimiter
from .codes import ApiError
from .context import Ctx, Door, Reply
from .domain.accounts import Authenticator
from .domain.webhook import OwnAddresses
from .guard import Guard
from .openapi import build_openapi
from .protocol.body import build_params
from .protocol.declaration import drift
from .protocol.envelope import envelope, http_envelope
from .protocol.params import Params
from .routes import ACTION_INDEX, Action, control_routers
from .settings import Settings
from .smtp import server as smtp_server
from .store.db import Store
from .v1 import door as v1door
from .v1 import wire as v1wire

log = logging.getLogger("sendcloud_emulator")
MAIL_SENDS = {"send", "sendtemplate", "sendcalendar"}
DESCRIPTION = ("A local, offline emulator of the SendCloud email API v2. Every `/apiv2` action answers HTTP 200 "
               "with the envelope `{result, statusCode, message, info}`; each operation lists its parameters in "
               "validation order and the codes it can answer. `/webapi` (tag webapi (v1)) is the legacy v1 WEBAPI "
               "onto the same actions. `/_emulator` is the emulator's own control API. "
               "Reference: docs/api.md and docs/control-api.md in the repository.")
# Seconds uvicorn waits for open requests on shutdown: the UI's event streams (and `wait=` long
# polls) would otherwise hold a stopping server until they end by themselves.
SHUTDOWN_GRACE = 3
# A short read (Action.short_read) runs on the event loop only with a body this small: parsing a
# large one would stall every other request.
SHORT_BODY = 16 * 1024


@dataclass
class Services:
    """Long-lived, process-wide helpers shared by the pipeline and the control API."""

    settings: Settings
    store: Store
    faults: Faults = field(default_factory=Faults)
    rate_limiter: RateLimiter = field(default_factory=RateLimiter)
    auth: Authenticator = field(default_factory=Authenticator)  # (apiUser, apiKey) → caller, kept per process
    own: OwnAddresses | None = None  # the emulator's own host names and ports (no webhook may call them)
    # Async callables run once at start-up (after the schema and fixtures) and at shutdown; a reset
    # does not run them again. Other areas add theirs.
    on_start: list = field(default_factory=list)
    on_stop: list = field(default_factory=list)
    # (name, address) of the other doors a start hook opened (SMTP), named in the start-up lines.
    endpoints: list = field(default_factory=list)

    smtp: object | None = None  # the SMTP listener (smtp/server.py), set by create_app

    def load_fixtures(self) -> list[dict]:
        return fixtures.load(self.store, fixtures.read(self.settings.fixtures))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    store = Store(settings.database_url)
    services = Services(settings, store, own=OwnAddresses(settings.host, settings.port))
    # The SMTP door (smtp.md) runs its sends through the same run_action/execute as /apiv2.
    services.smtp = smtp_server.Listener(services, run_action, execute)
    webhook_worker.install(services)
    task_worker.install(services)  # address-list mails, chunk by chunk, after the request answered

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await run_in_threadpool(store.create_schema)
        store.keep_reader()  # for the short reads run on the event loop
        loaded = await run_in_threadpool(services.load_fixtures)
        await services.smtp.start()  # before the health check answers (smtp.md §1)
        smtp = " ".join(f"{'smtp' if name == 'port' else name}={settings.host}:{port}"
                        for name, port in services.smtp.ports.items() if port)
        services.endpoints += [("SMTP" if name == "port" else name.upper(),
                                f"smtp://{logs.shown_host(settings.host)}:{port}")
                               for name, port in services.smtp.ports.items() if port]
        for account in loaded:
            log.warning("account %s: apiUser=%s apiKey=%s batchApiUser=%s batchApiKey=%s appKey=%s%s",
                        account["userName"], account["apiUser"], account["apiKey"],
                        account["batchApiUser"], account["batchApiKey"], account["appKey"],
                        f" {smtp}" if smtp else "")
        for start in services.on_start:
            await start()
        for line in logs.startup_lines(__version__, settings.database_url, settings.host, settings.port,
                                       services.endpoints):
            log.info("%s", line)
        yield
        for stop in services.on_stop:
            await stop()
        await services.smtp.stop()
        store.dispose()

    # Swagger UI (/docs) and ReDoc (/redoc) from the assets fastapi-offline ships: no CDN needed.
    app = FastAPIOffline(title="sendcloud-emulator", version=__version__, lifespan=lifespan,
                         description=DESCRIPTION)
    app.state.settings = settings
    app.state.store = store
    app.state.services = services

    async def apiv2(request: Request):
        entry = resolve(request.path_params.get("rest", ""))
        if entry is None:
            return http_envelope(404)
        if request.method not in entry.methods:
            refused = http_envelope(405)
            refused.headers["Allow"] = ", ".join(entry.methods)
            return refused
        content_type = request.headers.get("content-type", "")
        body = await read_capped(request, settings.max_body_bytes)
        if body is None:
            multipart = content_type.lower().startswith("multipart/form-data")
            if entry.module == "mail" and entry.action in MAIL_SENDS and multipart:
                return envelope(40819, lang=settings.lang)
            return http_envelope(413)
        query = request.scope.get("query_string", b"")
        if not services.faults.rules and entry.prepare is None:
            if entry.short_read and len(body) <= SHORT_BODY and store.dialect == "sqlite":
                return execute(services, entry, build_params(query, content_type, body))
            # one hop to the thread pool for parsing and the transaction (each hop costs a thread hand-over)
            return await run_in_threadpool(lambda: execute(services, entry, build_params(query, content_type, body)))
        params = await run_in_threadpool(build_params, query, content_type, body)
        return await run_action(services, entry, params)

    # One catch-all route for every method, so that the routing answers of docs/api.md §1.1 (404, 405)
    # are SendCloud envelopes, never Starlette's pages or slash redirects.
    app.router.routes.append(Route("/apiv2/{rest:path}", _AnyMethod(apiv2), include_in_schema=False))
    # The legacy v1 WEBAPI (v1.md): its own wire format onto the same pipeline and handlers.
    webapi = v1door.endpoint(services, run_action, execute, run_declared, read_capped)
    app.router.routes.append(Route("/webapi/{rest:path}", _AnyMethod(webapi), include_in_schema=False))

    @app.exception_handler(StarletteHTTPException)
    async def _routing_answers(request: Request, exc: StarletteHTTPException):
        # Unknown routes outside /_emulator (the legacy /webapi, /smsapi, ...) get the envelope 404.
        if exc.status_code == 404 and exc.detail == "Not Found" and not request.url.path.startswith("/_emulator"):
            if request.url.path == "/webapi":
                return v1wire.http_failure(404)
            return http_envelope(404)
        if exc.status_code == 405:  # Starlette names only the first route of the path; name them all
            exc.headers = {**(exc.headers or {}), "Allow": ", ".join(_allowed_methods(request))}
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _bad_control_request(_request: Request, exc: RequestValidationError):
        # The control API speaks plain JSON with 400 (docs/control-api.md), never FastAPI's 422.
        return JSONResponse({"detail": _describe(exc)}, status_code=400)

    for router in control_routers():
        app.include_router(router)
    app.add_middleware(Guard, own=services.own)
    app.openapi = lambda: build_openapi(app)
    return app


class _AnyMethod:
    """An ASGI endpoint (not a function), so that Starlette routes every HTTP method to it."""

    def __init__(self, handler):
        self.handler = handler

    async def __call__(self, scope, receive, send):
        response = await self.handler(Request(scope, receive))
        await response(scope, receive, send)


def _allowed_methods(request: Request) -> list[str]:
    """The methods some route of this path answers (each asked of the router, included routers too)."""
    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def resolve(rest: str) -> Action | None:
    """`<module>/<action>` with at most one trailing `/`, matched case-insensitively (§1.1)."""
    if rest.endswith("/"):
        rest = rest[:-1]
    module, slash, action = rest.partition("/")
    if not slash or "/" in action:
        return None
    return ACTION_INDEX.get((module.lower(), action.lower()))


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(x) for x in error.get("loc", ()) if x != "body")
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "; ".join(parts) or "invalid request"


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it passes `limit` bytes (the rest is not buffered)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def run_declared(entry: Action, ctx: Ctx):
    """The handler, its reads checked against its declaration, and its answer code too."""
    declaration = entry.handler.declaration
    where = f"{entry.module}/{entry.action}"
    ctx.params.bind(declaration, where)
    try:
        result = entry.handler(ctx)
    except ApiError as error:
        if error.code not in declaration.codes:
            drift(f"{where} answers {error.code}, which it does not declare")
        raise
    if isinstance(result, Reply) and result.code not in declaration.codes:
        drift(f"{where} answers {result.code}, which it does not declare")
    return result


def apiv2_door(lang: str) -> Door:
    def answer(result):
        if isinstance(result, Reply):
            return envelope(result.code, result.info, lang=lang)
        return envelope(200, result, lang=lang)

    return Door("v2", run_declared, answer, lambda error: envelope(error.code, lang=lang, detail=error.detail))


async def run_action(services: Services, entry: Action, params: Params, door: Door | None = None):
    """docs/api.md §1.6. With fault rules active, or for an action that prepares slow work, steps 2–4
    (authentication, rate limit, fault) run first in a short read; a fault's latency and the
    action's `prepare` (a webhook probe) then wait on the event loop, holding no worker thread and
    no lock, before the action's own transaction."""
    door = door or apiv2_door(services.settings.lang)
    try:
        api_user = await run_in_threadpool(admit, services, params)
        await services.faults.apply(entry.module, entry.action, api_user)
        prepared = await entry.prepare(services, params) if entry.prepare is not None else {}
    except ApiError as error:
        return door.fail(error)
    except Exception:
        log.exception("internal error before %s/%s", entry.module, entry.action)
        return door.fail(ApiError(501))
    return await run_in_threadpool(execute, services, entry, params, True, prepared, door)


def admit(services: Services, params: Params) -> str:
    """Steps 2–3 in a short read transaction: the API_USER's name, or ApiError (40005, 50001)."""
    with services.store.session() as session:
        account, api_user, now = services.auth(session, params.scalar("apiUser"), params.scalar("apiKey"))
    services.rate_limiter.check(account.id, account.rate_limit_per_minute, now)
    return api_user.name


def execute(services: Services, entry: Action, params: Params, admitted: bool = False,
            prepared: dict | None = None, door: Door | None = None):
    """Steps 2–6 of docs/api.md §1.6 in one transaction: a failed request stores nothing.
    `admitted`: steps 2–4 already ran (run_action), only authentication is read again."""
    settings, store = services.settings, services.store
    door = door or apiv2_door(settings.lang)
    ctx = None
    try:
        with store.session(write=entry.writes) as session:
            # a writer takes the account's write lock before it reads the caller (and the clock)
            account, api_user, now = services.auth(session, params.scalar("apiUser"), params.scalar("apiKey"),
                                                   lock=store if entry.writes else None)
            if not admitted:
                services.rate_limiter.check(account.id, account.rate_limit_per_minute, now)
            ctx = Ctx(store=store, session=session, settings=settings, params=params, account=account,
                      api_user=api_user, now=now, services=services, prepared=prepared or {},
                      source=door.source)
            result = door.run(entry, ctx)
    except ApiError as error:
        return door.fail(error)
    except Exception:  # never a 500: an internal fault is statusCode 501 and nothing is stored
        log.exception("internal error in %s/%s", entry.module, entry.action)
        return door.fail(ApiError(501))
    for callback in ctx.after_commit:
        try:
            callback()
        except Exception:
            log.exception("after-commit callback failed in %s/%s", entry.module, entry.action)
    return door.answer(result)
