"""Benchmarks of the emulator over HTTP: a real uvicorn server (its own process, a free loopback
port, a temp SQLite database, or PostgreSQL with --postgres), timed with one httpx client.

    scripts/bench/run [--quick] [--postgres [URL]] [--concurrency N]

Every row is reported as a ratio against a baseline measured in the same run with the same client
and concurrency: `userinfo/get`, the cheapest authenticated request. The memory row is the peak RSS
of the server process after the sends divided by its peak RSS after start-up. The last rows are the
web UI's list queries (scripts/bench/ui_mail_list.py), against their own in-process baseline.
Not a test: it prints numbers. Loopback traffic only.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ui_mail_list  # noqa: E402

FULL = {"requests": 200, "send100": 60, "list_members": 5000, "list_sends": 2, "stat_mails": 10_000,
        "reads": 40, "webhooks": 500, "memory_sends": 300, "ui_mails": 100_000}
QUICK = {"requests": 30, "send100": 5, "list_members": 200, "list_sends": 2, "stat_mails": 500,
         "reads": 10, "webhooks": 50, "memory_sends": 30, "ui_mails": 2000}


class Receiver:
    """A loopback webhook receiver: counts the form posts and notes when each arrived."""

    def __init__(self):
        self.arrivals: list[float] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("content-length") or 0))
                with owner.lock:
                    owner.arrivals.append(time.perf_counter())
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a process, in MB (Linux /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def start_server(database: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "SC_EMULATOR_WEBHOOK_PROBE": "false", "SC_EMULATOR_LOG_LEVEL": "warning",
           "SC_EMULATOR_WEBHOOK_RETRY_SCALE": "0.001"}
    process = subprocess.Popen([sys.executable, "-m", "sendcloud_emulator", "serve", "--port", str(port),
                                "--database", database], env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{base}/_emulator/health", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("the emulator did not start")
        time.sleep(0.2)


class Bench:
    def __init__(self, base: str, concurrency: int):
        self.base = base
        self.concurrency = concurrency
        self.http = httpx.Client(base_url=base, timeout=120,
                                 limits=httpx.Limits(max_connections=concurrency * 2))
        self.rows: list[tuple[str, float, float, str]] = []  # name, median, p95, note
        self.baseline = None

    def account(self) -> dict:
        created = self.http.post("/_emulator/accounts", json={"userName": f"bench_{uuid.uuid4().hex[:10]}",
                                                               "quota": 100_000_000})
        assert created.status_code == 201, created.text
        return created.json()

    def call(self, acct: dict, path: str, batch: bool = False, **params) -> dict:
        auth = ({"apiUser": acct["batchApiUser"], "apiKey": acct["batchApiKey"]} if batch
                else {"apiUser": acct["apiUser"], "apiKey": acct["apiKey"]})
        answer = self.http.post(f"/apiv2/{path}", data={**auth, **params})
        body = answer.json()
        if body.get("statusCode") not in (200, 40821):  # 40821: address-list task created
            raise SystemExit(f"{path} answered {answer.status_code} {answer.text[:300]}")
        return body

    def timed(self, name: str, count: int, run, note: str = "") -> list[float]:
        """Run `run(i)` count times over `concurrency` threads; record per-request latency."""
        def one(i):
            begin = time.perf_counter()
            run(i)
            return (time.perf_counter() - begin) * 1000

        with ThreadPoolExecutor(self.concurrency) as pool:
            samples = list(pool.map(one, range(count)))
        self.record(name, samples, note)
        return samples

    def record(self, name: str, samples: list[float], note: str = "") -> None:
        ordered = sorted(samples)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
        self.rows.append((name, statistics.median(samples), p95, note))
        if self.baseline is None:
            self.baseline = statistics.median(samples)


def mail(acct: dict, **extra) -> dict:
    return {"from": f"bench@{acct['domain']}", "subject": "Hello %name%", "html": "<p>Hi %name%, order %order%</p>",
            **extra}


def xsmtpapi(n: int, start: int = 0) -> str:
    to = [f"user{start + i}@example.com" for i in range(n)]
    return json.dumps({"to": to, "sub": {"%name%": [f"User {start + i}" for i in range(n)],
                                         "%order%": [str(1000 + start + i) for i in range(n)]}})


def run_api(bench: Bench, sizes: dict, pid: int) -> None:
    c = sizes
    acct = bench.account()
    rss_start = peak_rss_mb(pid)
    bench.timed("baseline: userinfo/get", c["requests"], lambda i: bench.call(acct, "userinfo/get"))
    bench.timed("mail/send, 1 recipient", c["requests"],
                lambda i: bench.call(acct, "mail/send", **mail(acct, to=f"one{i}@example.com")))
    bench.timed("mail/send, 100 recipients (xsmtpapi)", c["send100"],
                lambda i: bench.call(acct, "mail/send", **mail(acct, xsmtpapi=xsmtpapi(100, i * 100))))

    # A second account holding stat_mails mails (sent 100 at a time) for the read benchmarks.
    stats = bench.account()
    begin = time.perf_counter()
    with ThreadPoolExecutor(bench.concurrency) as pool:
        list(pool.map(lambda i: bench.call(stats, "mail/send", **mail(stats, xsmtpapi=xsmtpapi(100, i * 100),
                                                                       labelName=f"label{i % 5}")),
                      range(c["stat_mails"] // 100)))
    fill = time.perf_counter() - begin
    total = bench.http.get("/_emulator/mails", params={"account": stats["userName"], "limit": 1}).json()["total"]
    note = f"{total} mails (filled in {fill:.1f} s)"
    bench.timed("label/list", c["reads"], lambda i: bench.call(stats, "label/list"), note)
    bench.timed("data/emailStatus, days=1, limit=100", c["reads"],
                lambda i: bench.call(stats, "data/emailStatus", days="1", limit="100"), note)
    bench.timed("statday/list, days=1", c["reads"], lambda i: bench.call(stats, "statday/list", days="1"), note)
    bench.timed("statday/list, days=1, aggregate=1", c["reads"],
                lambda i: bench.call(stats, "statday/list", days="1", aggregate="1"), note)

    def outbox(i):
        answer = bench.http.get("/_emulator/mails", params={"to": f"user{(i * 37) % total}@example.com"})
        assert answer.status_code == 200 and answer.json()["total"] >= 1, answer.text[:200]

    bench.timed("GET /_emulator/mails?to= (outbox lookup)", c["reads"], outbox,
                f"{bench.http.get('/_emulator/mails', params={'limit': 1}).json()['total']} mails in all")

    # Address-list send: task creation for a list of list_members members.
    lists = bench.account()
    alias = "bench@maillist.sendcloud.org"
    bench.call(lists, "addresslist/add", address=alias, name="bench")
    members = [f"member{i}@example.com" for i in range(c["list_members"])]
    for chunk in range(0, len(members), 1000):
        bench.call(lists, "addressmember/add", address=alias, members=";".join(members[chunk:chunk + 1000]))
    samples = []
    for _ in range(c["list_sends"]):
        begin = time.perf_counter()
        bench.call(lists, "mail/send", batch=True, **mail(lists, to=alias, useAddressList="true"))
        samples.append((time.perf_counter() - begin) * 1000)
    bench.record(f"mail/send, address list of {c['list_members']}", samples, f"{c['list_sends']} sends, sequential")

    # Webhook callbacks: deliver events of `webhooks` mails to a loopback receiver.
    hooks = bench.account()
    receiver = Receiver()
    bench.call(hooks, "webhook/add", categoryName="all", event="deliver", url=receiver.url)
    expected = c["webhooks"]
    begin = time.perf_counter()
    with ThreadPoolExecutor(bench.concurrency) as pool:
        list(pool.map(lambda i: bench.call(hooks, "mail/send", **mail(hooks, xsmtpapi=xsmtpapi(
            min(100, expected - i * 100), i * 100))), range((expected + 99) // 100)))
    deadline = time.monotonic() + 120
    while len(receiver.arrivals) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    arrivals = sorted(receiver.arrivals)
    receiver.server.shutdown()
    if len(arrivals) < expected:
        raise SystemExit(f"only {len(arrivals)} of {expected} webhook callbacks arrived")
    gaps = [(b - a) * 1000 for a, b in zip([begin] + arrivals[:-1], arrivals)]
    seconds = arrivals[-1] - begin
    bench.record("webhook callbacks (gap between arrivals)", gaps,
                 f"{expected} in {seconds:.1f} s = {expected / seconds:.0f}/s")

    # Memory: peak RSS after memory_sends more single sends vs after start-up.
    with ThreadPoolExecutor(bench.concurrency) as pool:
        list(pool.map(lambda i: bench.call(acct, "mail/send", **mail(acct, to=f"mem{i}@example.com")),
                      range(c["memory_sends"])))
    rss_end = peak_rss_mb(pid)
    bench.rows.append(("peak RSS of the server: end / start-up", float("nan"), float("nan"),
                       f"{rss_start:.0f} MB -> {rss_end:.0f} MB|{rss_end / rss_start:.2f}"))


def print_table(title: str, rows: list, baseline: float) -> None:
    print(f"\n{title}")
    print(f"{'benchmark':<46} {'median ms':>10} {'p95 ms':>10} {'ratio':>8}  note")
    for name, median, p95, note in rows:
        if "|" in note:  # a precomputed ratio (memory)
            note, ratio = note.split("|")
            print(f"{name:<46} {'-':>10} {'-':>10} {ratio + 'x':>8}  {note}")
            continue
        print(f"{name:<46} {median:>10.2f} {p95:>10.2f} {median / baseline:>7.2f}x  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (about 15 s)")
    parser.add_argument("--postgres", nargs="?", const=os.environ.get("SC_EMULATOR_TEST_POSTGRES_URL") or "",
                        default=None, metavar="URL",
                        help="also run against PostgreSQL (an EMPTY database or schema; "
                             "default URL: $SC_EMULATOR_TEST_POSTGRES_URL)")
    parser.add_argument("--concurrency", type=int, default=4, help="parallel requests (default 4)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (e.g. 0.1)")
    parser.add_argument("--no-ui", action="store_true", help="skip the web UI list queries")
    args = parser.parse_args()
    sizes = {k: max(1, int(v * args.scale)) for k, v in (QUICK if args.quick else FULL).items()}
    sizes["send100"] = max(1, sizes["send100"])
    sizes["stat_mails"] = max(100, sizes["stat_mails"])
    if args.postgres == "":
        raise SystemExit("--postgres needs a URL or SC_EMULATOR_TEST_POSTGRES_URL")
    databases = [("sqlite", f"sqlite:///{tempfile.mkdtemp(prefix='sc-bench-')}/bench.db")]
    if args.postgres:
        databases.append(("postgresql", args.postgres))
    started = time.perf_counter()
    for backend, url in databases:
        process, base = start_server(url)
        try:
            bench = Bench(base, args.concurrency)
            run_api(bench, sizes, process.pid)
            print_table(f"HTTP API on {backend} (uvicorn, concurrency {args.concurrency}; "
                        f"ratio = median / baseline median)", bench.rows, bench.baseline)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    if not args.no_ui:
        rows, baseline = ui_mail_list.run(f"sqlite:///{tempfile.mkdtemp(prefix='sc-bench-')}/ui.db",
                                          sizes["ui_mails"], repeat=5 if args.quick else 20)
        print_table(f"web UI list queries on sqlite, {sizes['ui_mails']} mails (in-process; "
                    "ratio = median / baseline median)", rows, baseline)
    print(f"\ndone in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
