"""One ASGI middleware for the emulator's own doors (/_emulator and the web UI).

- A state-changing request (not GET/HEAD/OPTIONS) from another site is refused with 403: a page on
  any origin could otherwise POST a form to http://127.0.0.1:8000/_emulator/reset. Browsers send
  `Origin` (or `Sec-Fetch-Site`) with such requests; clients without either (curl, SDKs, tests)
  are not browsers and pass.
- Every answer there carries `X-Content-Type-Options: nosniff` and `Referrer-Policy`.
- The host names and ports the server is reached at are noted, so that a webhook URL can be
  recognised as the emulator itself (domain/webhook.OwnAddresses).
"""

import json
from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OWN_PREFIXES = ("/_emulator", "/ui")


def _is_own_door(path: str) -> bool:
    return path == "/" or path.startswith(OWN_PREFIXES)


def _host_port(text: str, scheme: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(f"{scheme}://{text}")
        return (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        return None


def cross_site(scope) -> bool:
    """Whether a browser sent this request from a page of another origin."""
    headers = {}
    for key, value in scope.get("headers", ()):
        headers.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
    fetch_site = headers.get("sec-fetch-site", "").strip().lower()
    if fetch_site and fetch_site not in ("same-origin", "none"):
        return True
    origin = headers.get("origin")
    if origin is None:
        referer = headers.get("referer")
        if referer is None:
            return False  # not a browser
        origin = referer
    origin = origin.strip()
    if origin.lower() == "null":  # sandboxed frames, file: pages, redirects across origins
        return True
    try:
        parts = urlsplit(origin)
        given = ((parts.hostname or "").lower(), parts.port or (443 if parts.scheme == "https" else 80))
    except ValueError:
        return True
    own = _host_port(headers.get("host", ""), scope.get("scheme", "http"))
    return own is None or given != own


class Guard:
    def __init__(self, app, own=None, referrer_policy: str = "no-referrer"):
        self.app = app
        self.own = own
        self.referrer_policy = referrer_policy.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.own is not None:
            self._note(scope)
        path = scope.get("path", "")
        if not _is_own_door(path):
            return await self.app(scope, receive, send)
        if scope.get("method", "GET") not in SAFE_METHODS and cross_site(scope):
            body = json.dumps({"detail": "cross-site request refused (Origin is not this server)"}).encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode()),
                                    (b"x-content-type-options", b"nosniff"),
                                    (b"referrer-policy", self.referrer_policy)]})
            await send({"type": "http.response.body", "body": body})
            return None

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                if b"referrer-policy" not in names:
                    headers.append((b"referrer-policy", self.referrer_policy))
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, send_with_headers)

    def _note(self, scope) -> None:
        server = scope.get("server")
        if server and len(server) > 1 and server[1]:
            self.own.note(None, server[1])
        for key, value in scope.get("headers", ()):
            if key == b"host":
                found = _host_port(value.decode("latin-1"), scope.get("scheme", "http"))
                if found is not None:
                    self.own.note(found[0], found[1])
                break
