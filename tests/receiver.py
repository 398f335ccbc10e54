"""A real HTTP receiver on 127.0.0.1 (a free port) for webhook probes and callbacks."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class Receiver:
    """Records every POST; answers the scripted status codes in turn, then `default`."""

    def __init__(self, statuses: list[int] | None = None, default: int = 200, delay: float = 0.0,
                 gate: threading.Event | None = None, delays: list[float] | None = None):
        self.statuses = list(statuses or [])
        self.delays = list(delays or [])  # per request, in turn, then `delay`
        self.gate = gate  # when given, every answer waits until it is set
        self.default = default
        self.delay = delay
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with owner.lock:
                    status = owner.statuses.pop(0) if owner.statuses else owner.default
                    wait = owner.delays.pop(0) if owner.delays else owner.delay
                    owner.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                           "at": time.monotonic()})
                if wait:
                    time.sleep(wait)
                if owner.gate is not None:
                    owner.gate.wait(10)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a caller that gave up (timeout) closes the connection: not an error here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def forms(self, path: str | None = None) -> list[dict[str, str]]:
        """The form-encoded callbacks received (probes, which are JSON, are left out)."""
        found = []
        with self.lock:
            requests = list(self.requests)
        for request in requests:
            if "x-www-form-urlencoded" not in request["headers"].get("Content-Type", ""):
                continue
            if path is not None and request["path"] != path:
                continue
            fields = parse_qs(request["body"].decode("utf-8"), keep_blank_values=True)
            found.append({k: v[-1] for k, v in fields.items()})
        return found

    def callbacks(self, path: str | None = None) -> list[dict[str, str]]:
        """The distinct callbacks in order of first arrival: a retry (same token) is not counted again.

        A loaded machine can make an answer miss the 3 s limit, and the emulator then rightly retries;
        tests about which callbacks are sent compare these, tests about attempts compare `forms()`."""
        seen: set[str] = set()
        found = []
        for form in self.forms(path):
            if form.get("token") not in seen:
                seen.add(form.get("token"))
                found.append(form)
        return found

    def wait_for(self, predicate, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate(self)
            if result:
                return result
            time.sleep(0.02)
        return predicate(self)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def closed_port_url() -> str:
    """A loopback URL where nothing listens."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/nothing"
