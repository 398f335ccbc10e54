"""CPU time per request in-process: the ASGI app called directly (no HTTP client, no server), N requests
of each row one after another, measured with time.process_time (every thread of the process).

    .venv/bin/python scripts/bench/cpu.py [--requests N] [--database URL]

Rows: the bare FastAPI endpoint of bare_app.py, userinfo/get, mail/send to 1 recipient. What uvicorn
and the network add is the same for every row, so these figures show the emulator's own cost per
request (authentication, the transaction, the handler) against the floor of any FastAPI endpoint.
Not a test: it prints numbers.
"""

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from fastapi.testclient import TestClient

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bare_app  # noqa: E402

from sendcloud_emulator.app import create_app  # noqa: E402
from sendcloud_emulator.settings import Settings  # noqa: E402

FORM = b"application/x-www-form-urlencoded"


def scope(path: str, body: bytes) -> dict:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"127.0.0.1"), (b"content-type", FORM), (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}


async def requests(app, path: str, body: bytes, count: int) -> bytes:
    """`count` requests one after another; → the last answer's body."""
    answer = b""
    for _ in range(count):
        sent = []

        async def receive():
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            sent.append(message)

        await app(scope(path, body), receive, send)
        answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per row (default 2000)")
    parser.add_argument("--database", help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='sc-bench-')}/cpu.db"
    app = create_app(Settings(database_url=url, smtp_port=0, webhook_probe=False))
    with TestClient(app) as client:  # runs the app's start-up, and gives an event loop to call it on
        account = client.post("/_emulator/accounts", json={"userName": f"cpu_{uuid.uuid4().hex[:8]}",
                                                           "quota": 1_000_000_000}).json()
        auth = {"apiUser": account["apiUser"], "apiKey": account["apiKey"]}
        send = {**auth, "from": f"bench@{account['domain']}", "to": "one@example.com", "subject": "Hello %name%",
                "html": "<p>Hi %name%, order %order%</p>"}
        rows = [("bare FastAPI endpoint", bare_app.app, "/bare", auth),
                ("userinfo/get", app, "/apiv2/userinfo/get", auth),
                ("mail/send, 1 recipient", app, "/apiv2/mail/send", send)]
        print(f"{'row':<24} {'CPU ms/request':>15} {'ratio':>8}  ({args.requests} requests each, {url.split(':')[0]})")
        floor = None
        for name, target, path, data in rows:
            body = urlencode(data).encode()
            client.portal.call(requests, target, path, body, 50)  # warm up
            begin = time.process_time()
            answer = client.portal.call(requests, target, path, body, args.requests)
            cost = (time.process_time() - begin) / args.requests * 1000
            if b'"statusCode":200' not in answer:
                raise SystemExit(f"{name}: {answer[:300]!r}")
            floor = floor or cost
            print(f"{name:<24} {cost:>15.3f} {cost / floor:>7.1f}x")


if __name__ == "__main__":
    main()
