"""The SMTP listener and session (smtp.md §1–§4), built on aiosmtpd.

It runs on the `serve` process's event loop, next to the HTTP app, with the same settings and
store. The session speaks SendCloud's dialogue (exact replies below); an accepted DATA is read by
`smtp.message`, then runs through the app's run_action/execute (authentication, rate limit, fault
rules, one transaction) as an action whose handler is `pipeline.accept`, the same as mail/send's.
Store work runs in the thread pool that the HTTP requests use, never on the event loop.
"""

import asyncio
import logging
import socket
from dataclasses import dataclass
from email.utils import format_datetime

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from starlette.concurrency import run_in_threadpool

from .. import __version__, codes
from ..chaos import FaultRaised, RateLimited
from ..codes import ApiError
from ..context import Door
from ..domain import label, pipeline
from ..protocol.params import Params
from ..routes import Action
from .. import values
from . import message, tls

log = logging.getLogger("sendcloud_emulator")

MAX_SIZE = 16000000
MAX_RECIPIENTS = pipeline.MAX_RECIPIENTS
NULL_SENDER = "<>"

GREETING = f"220 SendCloud Inbound Server ESMTP ready (sendcloud-emulator {__version__})"
AUTH_OK = "235 Authentication successful"
AUTH_FAILED = "535 5.7.8 Authentication failed"
AUTH_REQUIRED = "530 5.7.0 Authentication required"
TOO_BIG = "552 5.3.4 Message size exceeds fixed maximum message size"
BAD_RECIPIENT = "501 5.1.3 Bad recipient address syntax"
BAD_SENDER = "501 5.1.7 Bad sender address syntax"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
NEED_MAIL = "503 5.5.1 Error: need MAIL command"
NEED_RCPT = "503 5.5.1 Error: need RCPT command"
NESTED_MAIL = "503 5.5.1 Error: nested MAIL command"
MALFORMED = "554 5.6.0 Malformed message"
RATE_LIMITED = "536 Frequency limited"
IDLE = "421 4.4.2 Idle timeout, closing connection"
CLOSING = "221 closing connection"
# aiosmtpd's own texts for the replies smtp.md words differently
REWRITES = {
    "552 Error: Too much mail data": TOO_BIG,
    "503 Error: need RCPT command": NEED_RCPT,
    "354 End data with <CR><LF>.<CR><LF>": "354 go ahead",
}
SENDS = (40000, 40904)  # refusals of the send as a whole (smtp.md §5): 5.7.1, the others 5.6.0


def _ascii(text: str) -> str:
    """Replies are US-ASCII (RFC 5321): the catalogue's curly quotes become straight ones."""
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    return text.encode("ascii", errors="replace").decode("ascii")


def refusal(error: ApiError) -> str:
    """The final reply to a message that is not stored (smtp.md §3, §5)."""
    if isinstance(error, RateLimited):
        return RATE_LIMITED
    if error.code in (501, 50001):  # a fault rule's, or an internal error: try again later
        return _ascii(f"451 4.3.0 {codes.message(error.code, 'en')}")
    if isinstance(error, FaultRaised):
        return _ascii(f"554 5.3.0 {codes.message(error.code, 'en')}")
    prefix = "554 5.7.1" if error.code in SENDS else "554 5.6.0"
    return _ascii(f"{prefix} {codes.message(error.code, 'en', error.detail)}")


def answer(result) -> str:
    """The final reply to an accepted DATA: the stored send's messageId, or a refusal found in it."""
    if isinstance(result, str):
        return result
    return f"250 #{result.message_id}#Queued"


# The SMTP door in the app's pipeline: its mails are marked `smtp`, its answers are SMTP replies.
SMTP_DOOR = Door("smtp", run=lambda entry, ctx: entry.handler(ctx), answer=answer, fail=refusal)


@dataclass(frozen=True)
class Identity:
    """Who a connection authenticated as; the label applies to all its messages."""

    api_user: str
    api_key: str
    label_id: int = 0


class Handler:
    """The aiosmtpd handler: the hooks that shape the dialogue, and the store work."""

    def __init__(self, services, hostname: str, run_action, execute):
        self.services = services
        self.hostname = hostname
        self.run_action, self.execute = run_action, execute  # the app's pipeline (app.py)

    # dialogue hooks -------------------------------------------------------------------------------
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        found = [f"250-{self.hostname} Hello", "250-PIPELINING", "250-8BITMIME", f"250-SIZE {MAX_SIZE}"]
        if server.tls_context is not None and server._tls_protocol is None:
            found.append("250-STARTTLS")
        return found + ["250 AUTH LOGIN PLAIN"]

    async def handle_HELO(self, server, session, envelope, hostname):
        session.host_name = hostname
        session.extended_smtp = True  # so that AUTH is accepted after HELO too (smtp.md §2)
        return f"250 {self.hostname}"

    async def handle_QUIT(self, server, session, envelope):
        return CLOSING

    async def handle_DATA(self, server, session, envelope):
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        received = (f"Received: from {_ascii(session.host_name or 'unknown')} ([{peer}]) by {self.hostname} "
                    f"(sendcloud-emulator) with ESMTPA")  # "; <date>" is added at storing (the account's clock)
        args = (session.auth_data, envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, received)
        if not self.services.faults.rules:  # one hop to the thread pool: read the message, then store it
            return await run_in_threadpool(lambda: self.execute(self.services, *self.action(*args), False, None,
                                                                SMTP_DOOR))
        entry, params = await run_in_threadpool(self.action, *args)
        return await self.run_action(self.services, entry, params, SMTP_DOOR)  # a fault's latency: on the loop

    # store work (thread pool) -----------------------------------------------------------------
    def login(self, login: bytes, password: bytes) -> Identity | None:
        """`apiUser` or `apiUser#labelId` with that API_USER's apiKey (smtp.md §3)."""
        try:
            user, key = login.decode("utf-8"), password.decode("utf-8")
        except UnicodeDecodeError:
            return None
        label_id = 0
        name, hash_sign, suffix = user.rpartition("#")
        if hash_sign:
            label_id = values.parse_int(suffix) or 0
            if not label_id:
                return None
            user = name
        try:
            with self.services.store.session() as session:
                account, api_user, _now = self.services.auth(session, user, key)
                if label_id:
                    label.get(session, account.id, label_id)
        except ApiError:
            return None
        return Identity(api_user.name, key, label_id)

    def action(self, identity: Identity, mail_from: str, rcpt_to: list[str], data: bytes,
               received: str) -> tuple[Action, Params]:
        """One message as an action of the pipeline: its handler stores it through pipeline.accept, or
        answers the fault the message holds (after authentication, rate limit and faults, as the API)."""
        try:
            draft = message.read(data, "" if mail_from == NULL_SENDER else mail_from, rcpt_to, identity.label_id)
            problem = None
        except ApiError as error:
            draft, problem = None, error
        except message.Malformed:
            draft, problem = None, MALFORMED

        def send(ctx):
            if isinstance(problem, ApiError):
                raise problem
            if problem is not None:
                return problem  # the reply itself: nothing stored
            if draft.label_id:
                label.get(ctx.session, ctx.account.id, draft.label_id)  # deleted since AUTH: refused
            draft.message = f"{received}; {format_datetime(ctx.now)}\r\n".encode("ascii") + draft.message
            return pipeline.accept(ctx, draft)

        params = Params({"apiUser": [identity.api_user], "apiKey": [identity.api_key]})
        return Action("smtp", "send", send), params


class Connection(SMTP):
    """One SMTP session, with SendCloud's replies where aiosmtpd words them otherwise."""

    # SendCloud's sample sends X-SMTPAPI as one unfolded base64 line, far over RFC 5321's 1000
    # octets with 100 recipients: lines are read up to 1 MiB.
    line_length_limit = 1 << 20
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(self, handler: Handler, registry: set, **kwargs):
        super().__init__(handler, data_size_limit=MAX_SIZE, hostname=handler.hostname,
                         timeout=handler.services.settings.smtp_idle_seconds,
                         auth_require_tls=False, **kwargs)
        self._greeted = False
        self._registry = registry

    def connection_made(self, transport) -> None:
        self._registry.add(self)
        super().connection_made(transport)

    def connection_lost(self, error) -> None:
        self._registry.discard(self)
        super().connection_lost(error)

    async def push(self, status) -> None:
        if isinstance(status, str):
            if not self._greeted:
                self._greeted, status = True, GREETING
            status = REWRITES.get(status, status)
        await super().push(status)

    def _timeout_cb(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(IDLE.encode("ascii") + b"\r\n")
        super()._timeout_cb()

    # MAIL and RCPT: SendCloud's checks and replies (smtp.md §3–§4) ----------------------------------
    async def _ready(self) -> bool:
        """After EHLO/HELO and a successful AUTH (else 503 / 530, answered here)."""
        if await self.check_helo_needed():
            return False
        if not self.session.authenticated:
            await self.push(AUTH_REQUIRED)
            return False
        return True

    async def smtp_MAIL(self, arg: str | None) -> None:
        if not await self._ready():
            return
        if self.envelope.mail_from:
            await self.push(NESTED_MAIL)
            return
        arg = self._strip_command_keyword("FROM:", arg or "")
        if arg is None:
            await self.push("501 5.5.4 Syntax: MAIL FROM:<address>")
            return
        if arg.startswith(NULL_SENDER):
            address, rest = "", arg[len(NULL_SENDER):]
        else:
            address, rest = self._getaddr(arg)
            if not address:
                await self.push(BAD_SENDER)
                return
        options = (rest or "").upper().split()
        params = self._getparams(options)
        size = params.get("SIZE") if params is not None else None
        if params is None or (size is not None and (size is True or not size.isdigit())):
            await self.push("501 5.5.4 Syntax: MAIL FROM:<address> [SIZE=<n>] [BODY=8BITMIME]")
            return
        if size is not None and int(size) > MAX_SIZE:
            await self.push(TOO_BIG)
            return
        self.envelope.mail_from = address or NULL_SENDER
        self.envelope.mail_options.extend(options)
        await self.push(f"250 sender <{address}> OK")

    async def smtp_RCPT(self, arg: str | None) -> None:
        if not await self._ready():
            return
        if not self.envelope.mail_from:
            await self.push(NEED_MAIL)
            return
        arg = self._strip_command_keyword("TO:", arg or "")
        if arg is None:
            await self.push("501 5.5.4 Syntax: RCPT TO:<address>")
            return
        if len(self.envelope.rcpt_tos) >= MAX_RECIPIENTS:
            await self.push(TOO_MANY_RECIPIENTS)
            return
        address, _ = self._getaddr(arg)
        if not address or not values.is_address(address):
            await self.push(BAD_RECIPIENT)
            return
        self.envelope.rcpt_tos.append(address)
        await self.push(f"250 recipient <{address}> OK")

    # AUTH: aiosmtpd reads the exchange; the credentials are checked off the event loop ---------------
    def _authenticate(self, mechanism: str, auth_data) -> AuthResult:
        return AuthResult(success=False, handled=False, auth_data=auth_data)  # checked by _checked()

    async def auth_LOGIN(self, _, args) -> AuthResult:
        return await self._checked(await super().auth_LOGIN(_, args))

    async def auth_PLAIN(self, _, args) -> AuthResult:
        return await self._checked(await super().auth_PLAIN(_, args))

    async def _checked(self, result: AuthResult) -> AuthResult:
        if not isinstance(result.auth_data, LoginPassword):
            return AuthResult(success=False, handled=True)  # aborted or undecodable: already answered 501
        credentials = result.auth_data
        identity = await run_in_threadpool(self.event_handler.login, credentials.login, credentials.password)
        if identity is None:
            return AuthResult(success=False, handled=False, message=AUTH_FAILED)
        return AuthResult(success=True, auth_data=identity, message=AUTH_OK)


class Listener:
    """The plain (STARTTLS) and implicit-TLS listeners of one server process."""

    def __init__(self, services, run_action, execute):
        self.services = services
        self.run_action, self.execute = run_action, execute
        self.servers: list[asyncio.AbstractServer] = []
        self.connections: set[Connection] = set()
        self.ports: dict[str, int | None] = {"port": None, "smtps": None}

    async def start(self) -> None:
        settings = self.services.settings
        if not settings.smtp_port and not settings.smtps_port:
            return
        context = await run_in_threadpool(tls.context, settings.smtp_tls_cert, settings.smtp_tls_key)
        handler = Handler(self.services, socket.gethostname() or "localhost", self.run_action, self.execute)
        loop = asyncio.get_running_loop()
        for key, port, implicit in (("port", settings.smtp_port, False), ("smtps", settings.smtps_port, True)):
            if not port:
                continue

            def connection(implicit=implicit) -> Connection:
                return Connection(handler, self.connections, tls_context=None if implicit else context, loop=loop)

            try:
                # Worker processes of one `serve --workers N` share the ports; a lone server must not,
                # or a second server on the same port would take mail silently.
                server = await loop.create_server(connection, host=settings.host, port=port,
                                                  ssl=context if implicit else None, reuse_port=settings.workers > 1)
            except OSError as error:
                # Not fatal: test suites start many apps in one machine; health shows the port as null.
                log.error("SMTP: cannot listen on %s:%s (%s); this SMTP listener is off", settings.host, port, error)
                continue
            self.servers.append(server)
            self.ports[key] = server.sockets[0].getsockname()[1]  # the port bound, as health shows it

    async def stop(self) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.close()
        for server in self.servers:
            await server.wait_closed()
        self.servers.clear()
