"""The HTTP/1.1 client of the webhook sender: one kept-alive connection per callback URL.

A callback is one small POST whose answer only counts by its status code, sent one at a time per
URL. httpx's general machinery (connection pool, anyio streams, cookie and redirect handling) cost
about 0.6 ms of CPU per callback, most of the sender's time; this client writes the request in one
piece on an asyncio stream and reads the answer's head and body (Content-Length, chunked, or up
to the end of the connection), about 0.03 ms. TLS uses the same context httpx would.
"""

import asyncio
import base64
import re
import ssl
import string
import time
from urllib.parse import quote, quote_plus, unquote, urlsplit

from . import __version__

USER_AGENT = f"sendcloud-emulator/{__version__}"
HEAD_LIMIT = 64 * 1024  # an answer's status line and headers, at most
CHUNK = 64 * 1024
IDLE_SECONDS = 5.0  # a kept-alive connection unused for this long is closed
_ssl_context: ssl.SSLContext | None = None
_UNSAFE = re.compile(r"[^A-Za-z0-9_.~-]")  # what quote_plus escapes in ASCII text
_ESCAPED = {chr(c): "+" if c == 32 else f"%{c:02X}" for c in range(128)}


def form_body(fields: dict[str, str]) -> bytes:
    """The same bytes as `urlencode(fields)`, about twice as fast for the mostly ASCII callback fields."""
    return "&".join([f"{_quote(key)}={_quote(value)}" for key, value in fields.items()]).encode("ascii")


def _quote(text: str) -> str:
    text = text if isinstance(text, str) else str(text)
    if text.isascii():
        return text if text.isalnum() else _UNSAFE.sub(_escape, text)
    return quote_plus(text)


def _escape(match: re.Match) -> str:
    return _ESCAPED[match.group()]


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
    """What one URL's requests share: where to connect, and the request head up to Content-Length."""

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
        lines = [f"POST {path}{query} HTTP/1.1", f"Host: {host}", f"User-Agent: {USER_AGENT}", "Accept: */*",
                 f"Content-Type: {content_type}"]
        if parts.username is not None:  # user:password@ in the URL: Basic authentication, as httpx sends it
            secret = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode("utf-8")
            lines.append(f"Authorization: Basic {base64.b64encode(secret).decode('ascii')}")
        self.head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode("ascii")


class Connection:
    """One kept-alive connection to one URL's server; `post` opens it again when it was closed."""

    def __init__(self, target: Target):
        self.target = target
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used_at = time.monotonic()
        self.answered = 0  # answers read on the open connection

    async def post(self, body: bytes) -> int:
        """Send one request and read its whole answer: the status code. Raises on a failed exchange
        (the connection is then closed); the caller bounds the time."""
        request = self.target.head + b"%d\r\n\r\n" % len(body) + body
        try:
            if self.writer is None or self.reader.at_eof() or self.writer.is_closing():
                await self._open()
            try:
                status, keep = await self._exchange(request)
            except (NoAnswer, ConnectionResetError, BrokenPipeError):
                if not self.answered:
                    raise
                # A kept-alive connection the server had closed as we wrote (its idle timeout, or
                # one answer per connection without saying so): once more on a new connection.
                await self._open()
                status, keep = await self._exchange(request)
        except BaseException:  # failed, timed out or cancelled mid-exchange: its state is unknown
            self.close()
            raise
        self.used_at = time.monotonic()
        self.answered += 1
        if not keep:
            self.close()
        return status

    async def _exchange(self, request: bytes) -> tuple[int, bool]:
        self.writer.write(request)
        await self.writer.drain()
        return await self._read_answer()

    async def _open(self) -> None:
        self.close()
        self.answered = 0
        target = self.target
        self.reader, self.writer = await asyncio.open_connection(
            target.host, target.port, limit=HEAD_LIMIT, ssl=_tls() if target.tls else None,
            server_hostname=target.host if target.tls else None)

    async def _read_answer(self) -> tuple[int, bool]:
        reader = self.reader
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as exc:
                if exc.partial:
                    raise ProtocolError("the answer ended inside its head") from None
                raise NoAnswer("the server closed the connection without an answer") from None
            except asyncio.LimitOverrunError:
                raise ProtocolError("the answer's head is too long") from None
            lines = head.decode("latin-1").split("\r\n")
            version, _, rest = lines[0].partition(" ")
            code = rest[:3]
            if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
                raise ProtocolError(f"not an HTTP/1.x answer: {lines[0][:60]!r}")
            status = int(code)
            if 100 <= status < 200 and status != 101:  # 100 Continue, 103 Early Hints: the answer follows
                continue
            break
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip().lower()
        connection = headers.get("connection", "")
        keep = "close" not in connection and (version != "HTTP/1.0" or "keep-alive" in connection)
        if status in (101, 204, 304):
            return status, keep and status != 101
        if "chunked" in headers.get("transfer-encoding", ""):
            await self._skip_chunks()
        elif "content-length" in headers:
            try:
                length = int(headers["content-length"])
            except ValueError:
                raise ProtocolError("a bad Content-Length") from None
            await self._skip(length)
        else:  # the body runs to the end of the connection
            while await reader.read(CHUNK):
                pass
            keep = False
        return status, keep

    async def _skip(self, length: int) -> None:
        while length > 0:
            data = await self.reader.read(min(length, CHUNK))
            if not data:
                raise ProtocolError("the answer ended inside its body")
            length -= len(data)

    async def _skip_chunks(self) -> None:
        reader = self.reader
        while True:
            try:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                raise ProtocolError("a bad chunk in the answer") from None
            if size == 0:
                while True:  # trailers, up to the empty line
                    try:
                        if await reader.readuntil(b"\r\n") == b"\r\n":
                            return
                    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                        raise ProtocolError("a bad trailer in the answer") from None
            await self._skip(size + 2)  # the chunk and its CRLF

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
