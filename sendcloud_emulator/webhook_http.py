"""The HTTP/1.1 client of the webhook sender: one kept-alive connection per callback URL.

A callback is one small POST whose answer only counts by its status code, sent one at a time per
URL. httpx's general machinery (connection pool, anyio streams, cookie and redirect handling) cost
about 0.6 ms of CPU per callback, most of the sender's time; here h11 (the HTTP/1.1 state machine
httpx itself is built on) writes the request and parses the answer (Content-Length, chunked, up to
the end of the connection, 1xx answers; its states tell whether the connection can carry another
request) over a plain asyncio stream. TLS uses the same context httpx would.
"""

import asyncio
import base64
import ssl
import string
import time
from urllib.parse import quote, unquote, urlsplit

import h11

from . import __version__

USER_AGENT = f"sendcloud-emulator/{__version__}"
HEAD_LIMIT = 64 * 1024  # an answer's status line and headers, at most
CHUNK = 64 * 1024
IDLE_SECONDS = 5.0  # a kept-alive connection unused for this long is closed
_ssl_context: ssl.SSLContext | None = None


class ProtocolError(Exception):
    """The answer is not HTTP/1.x (the connection is closed, the attempt failed)."""


class NoAnswer(ProtocolError):
    """The server closed the connection before any byte of an answer."""


def _tls() -> ssl.SSLContext:
    global _ssl_context
    if _ssl_context is None:
        import httpx  # its context: certifi's roots, as the probe of webhook/add uses

        _ssl_context = httpx.create_ssl_context()
    return _ssl_context


class Target:
    """What one URL's requests share: where to connect, the request target and the headers but
    Content-Length."""

    def __init__(self, url: str, content_type: str):
        parts = urlsplit(url)
        self.tls = parts.scheme.lower() == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.tls else 80)
        host = self.host.encode("idna").decode("ascii") if not self.host.isascii() else self.host
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        if parts.port and parts.port != (443 if self.tls else 80):
            host = f"{host}:{parts.port}"
        path = quote(parts.path or "/", safe=string.punctuation)
        query = f"?{quote(parts.query, safe=string.punctuation)}" if parts.query else ""
        self.path = f"{path}{query}".encode("ascii")
        headers = [("Host", host), ("User-Agent", USER_AGENT), ("Accept", "*/*"), ("Content-Type", content_type)]
        if parts.username is not None:  # user:password@ in the URL: Basic authentication, as httpx sends it
            secret = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode("utf-8")
            headers.append(("Authorization", f"Basic {base64.b64encode(secret).decode('ascii')}"))
        self.headers = [(name.encode("ascii"), value.encode("ascii")) for name, value in headers]


class Connection:
    """One kept-alive connection to one URL's server; `post` opens it again when it was closed."""

    def __init__(self, target: Target):
        self.target = target
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.http: h11.Connection | None = None
        self.used_at = time.monotonic()
        self.answered = 0  # answers read on the open connection

    async def post(self, body: bytes) -> int:
        """Send one request and read its whole answer: the status code. Raises on a failed exchange
        (the connection is then closed); the caller bounds the time."""
        try:
            if self.writer is None or self.reader.at_eof() or self.writer.is_closing():
                await self._open()
            try:
                status = await self._exchange(body)
            except (NoAnswer, ConnectionResetError, BrokenPipeError):
                if not self.answered:
                    raise
                # A kept-alive connection the server had closed as we wrote (its idle timeout, or
                # one answer per connection without saying so): once more on a new connection.
                await self._open()
                status = await self._exchange(body)
        except BaseException:  # failed, timed out or cancelled mid-exchange: its state is unknown
            self.close()
            raise
        self.used_at = time.monotonic()
        self.answered += 1
        http = self.http
        if http.our_state is h11.DONE and http.their_state is h11.DONE:
            http.start_next_cycle()  # kept alive: HTTP/1.1 without Connection: close, body framed
        else:
            self.close()
        return status

    async def _exchange(self, body: bytes) -> int:
        http, target = self.http, self.target
        request = h11.Request(method=b"POST", target=target.path,
                              headers=[*target.headers, (b"Content-Length", b"%d" % len(body))])
        self.writer.write(http.send(request) + http.send(h11.Data(data=body)) + http.send(h11.EndOfMessage()))
        await self.writer.drain()
        status, received = None, False
        try:
            while True:
                event = http.next_event()
                if event is h11.NEED_DATA:
                    data = await self.reader.read(CHUNK)
                    if not data and not received:
                        raise NoAnswer("the server closed the connection without an answer")
                    received = True
                    http.receive_data(data)
                elif type(event) is h11.Response:
                    status = event.status_code
                elif type(event) is h11.EndOfMessage:
                    return status
                elif type(event) is h11.ConnectionClosed:
                    raise ProtocolError("the server closed the connection inside its answer")
                # InformationalResponse (100 Continue, 103 Early Hints) and Data: read on
        except h11.RemoteProtocolError as exc:
            raise ProtocolError(f"a bad HTTP/1.x answer: {exc}") from None

    async def _open(self) -> None:
        self.close()
        self.answered = 0
        target = self.target
        self.reader, self.writer = await asyncio.open_connection(
            target.host, target.port, limit=HEAD_LIMIT, ssl=_tls() if target.tls else None,
            server_hostname=target.host if target.tls else None)
        self.http = h11.Connection(h11.CLIENT, max_incomplete_event_size=HEAD_LIMIT)

    def close(self) -> None:
        if self.writer is not None:
            try:
                self.writer.close()
            except Exception:  # already gone
                pass
        self.reader = self.writer = None

    @property
    def idle(self) -> bool:
        return self.writer is None or time.monotonic() - self.used_at > IDLE_SECONDS
