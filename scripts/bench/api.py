"""Benchmarks of the emulator as users would compare it, every row against baselines of the same run.

    scripts/bench/run [--quick] [--postgres [URL]] [--concurrency N] [--scale F] [--python-load] [--only ROW,...]

One load tool (wrk when installed, else an asyncio client: load.py) with the same connection count
times, each on its own real server process on a free loopback port:
  - a bare FastAPI endpoint under the same uvicorn (the floor of any Python HTTP API);
  - moto_server's SES SendEmail (moto lives only in the benchmark venv .bench-venv, created on the
    first full run; --quick uses it only when it exists);
  - the emulator: userinfo/get, mail/send to 1 and 100 recipients, the statistics and query actions
    over an account of `stat_mails` mails, the outbox lookup, address-list sends (time to answer,
    members/s until the task is done, another account's sends meanwhile), webhook callbacks/s to
    1 and to 8 local receivers, cold start to healthy, idle and peak RSS;
  - the SMTP door: messages/s over 1 and over 8 SMTP connections as a ratio to mail/send over HTTP
    with as many Python clients (httpx) in the same run;
  - the outbox query and the web UI's first page at `small_mails` and `big_mails` mails (databases
    built with bulk SQL inserts, then served).
Then the web UI's list queries in-process (ui_mail_list.py). Ratios are printed against the bare
endpoint, moto and userinfo/get, and a summary says which target of the throughput issue is met.
`--only` runs some groups of rows at their normal size (e.g. `--only bare,moto,userinfo,send`).
Not a test: it prints numbers. Loopback traffic only; every loop is bounded in count and time.
"""

import argparse
import json
import os
import smtplib
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
import load  # noqa: E402
import ui_mail_list  # noqa: E402
from receiver import Receiver  # noqa: E402

FULL = {"seconds": 8, "read_seconds": 4, "list_members": 5000, "list_sends": 3, "stat_mails": 100_000,
        "webhooks": 5000, "small_mails": 1000, "big_mails": 1_000_000, "ui_mails": 100_000, "smtp_messages": 400}
QUICK = {"seconds": 1, "read_seconds": 1, "list_members": 200, "list_sends": 2, "stat_mails": 1000,
         "webhooks": 100, "small_mails": 1000, "big_mails": 20_000, "ui_mails": 2000, "smtp_messages": 32}
SMTP_CONNECTIONS = (1, 8)
# --only: the groups of rows, in the order they run
GROUPS = {"bare": "the bare FastAPI endpoint", "moto": "moto_server SES SendEmail", "userinfo": "userinfo/get",
          "send": "mail/send, 1 recipient", "send100": "mail/send, 100 recipients",
          "reads": "statistics and query actions over many mails, the outbox lookup, RSS after sends",
          "lists": "address-list sends", "webhooks": "webhook callbacks", "smtp": "the SMTP door",
          "big": "outbox query and UI first page at few and many mails", "ui": "in-process web UI list queries"}
BENCH_VENV = ROOT / ".bench-venv"
OK = '"statusCode":200'
FORM = "application/x-www-form-urlencoded"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def proc_mb(pid: int, key: str) -> float:
    """VmRSS (resident now) or VmHWM (peak resident) of a process, in MB (Linux /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb(pid: int) -> float:
    return proc_mb(pid, "VmHWM")


class Server:
    """A server process on a free loopback port; `cold_start` is the time from spawn to healthy."""

    def __init__(self, argv_for_port, health: str, env: dict | None = None, cwd: str | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        begin = time.perf_counter()
        self.process = subprocess.Popen(argv_for_port(self.port), env={**os.environ, **(env or {})}, cwd=cwd,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(self.base + health, timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise SystemExit(f"{argv_for_port(self.port)[:3]} did not start: "
                                 f"{self.process.stderr.read().decode()[-1000:]}")
            time.sleep(0.02)
        self.cold_start = time.perf_counter() - begin

    def rss(self) -> float:
        return proc_mb(self.process.pid, "VmRSS")

    def peak(self) -> float:
        return proc_mb(self.process.pid, "VmHWM")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def emulator(database: str) -> Server:
    env = {"SC_EMULATOR_WEBHOOK_PROBE": "false", "SC_EMULATOR_LOG_LEVEL": "warning",
           "SC_EMULATOR_WEBHOOK_RETRY_SCALE": "0.001"}
    smtp_port = free_port()
    server = Server(lambda port: [sys.executable, "-m", "sendcloud_emulator", "serve", "--port", str(port),
                                  "--database", database, "--smtp-port", str(smtp_port)], "/_emulator/health", env)
    server.smtp_port = smtp_port
    return server


# result rows ------------------------------------------------------------------------------------
class Table:
    def __init__(self, title: str):
        self.title = title
        self.rows: list[dict] = []

    def add(self, name: str, **values) -> dict:
        row = {"name": name, **values}
        self.rows.append(row)
        shown = ", ".join(f"{k}={fmt(v) if isinstance(v, float) else v}" for k, v in values.items())
        print(f"  measured: {name}: {shown}", file=sys.stderr, flush=True)  # progress, before the tables
        return row

    def find(self, name: str) -> dict | None:
        return next((r for r in self.rows if r["name"].startswith(name)), None)


def fmt(value, digits=2) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def ratio(a, b) -> str:
    if not a or not b or a != a or b != b:
        return "-"
    return f"{a / b:.2f}x"


class Bench:
    def __init__(self, tool, connections: int, sizes: dict, only: set[str] | None = None):
        self.tool = tool
        self.connections = connections
        self.sizes = sizes
        self.only = only  # None: every group
        self.loads = Table("")

    def wants(self, group: str) -> bool:
        return self.only is None or group in self.only

    def measure(self, table: Table, name: str, request: load.Request, seconds: float | None = None,
                note: str = "") -> dict:
        seconds = seconds or self.sizes["seconds"]
        result = self.tool.run(request, self.connections, seconds)
        for _ in range(3):  # a request slower than the whole row (a loaded machine): run longer
            if result.requests >= self.connections:
                break
            seconds *= 4
            result = self.tool.run(request, self.connections, seconds)
        if result.requests == 0 or result.bad > result.requests // 100:
            raise SystemExit(f"{name}: {result.bad} bad answers of {result.requests} ({request.url}): "
                             f"{result.first_bad}")
        if result.errors:
            note = f"{note}; {result.errors} socket errors or timeouts".lstrip("; ")
        return table.add(name, rps=result.rps, p50=result.p50, p95=result.p95, p99=result.p99,
                         requests=result.requests, note=note)


class Emulator:
    """An HTTP client of one emulator server, for the set-up steps (not timed by the load tool)."""

    def __init__(self, server: Server, connections: int):
        self.server = server
        self.base = server.base
        self.http = httpx.Client(base_url=server.base, timeout=300,
                                 limits=httpx.Limits(max_connections=connections * 2))

    def account(self) -> dict:
        created = self.http.post("/_emulator/accounts", json={"userName": f"bench_{uuid.uuid4().hex[:10]}",
                                                               "quota": 1_000_000_000})
        assert created.status_code == 201, created.text
        return created.json()

    @staticmethod
    def auth(acct: dict, batch: bool = False) -> dict:
        return ({"apiUser": acct["batchApiUser"], "apiKey": acct["batchApiKey"]} if batch
                else {"apiUser": acct["apiUser"], "apiKey": acct["apiKey"]})

    def call(self, acct: dict, path: str, batch: bool = False, **params) -> dict:
        answer = self.http.post(f"/apiv2/{path}", data={**self.auth(acct, batch), **params})
        body = answer.json()
        if body.get("statusCode") not in (200, 40821):  # 40821: address-list task created
            raise SystemExit(f"{path} answered {answer.status_code} {answer.text[:300]}")
        return body

    def request(self, acct: dict, path: str, batch: bool = False, **params) -> load.Request:
        return load.Request(f"{self.base}/apiv2/{path}", "POST",
                            urlencode({**self.auth(acct, batch), **params}).encode(), FORM, expect=OK)

    def total(self, **params) -> int:
        """Mails matching the outbox filters (the outbox counts up to its cap, then says totalCapped)."""
        found = self.http.get("/_emulator/mails", params={**params, "limit": 1}).json()
        return found["total"]

    def requests_today(self, acct: dict) -> int:
        """The account's accepted recipients of today (statday's requestNum: exact, from the counters)."""
        data = self.call(acct, "statday/list", days="1", aggregate="1")["info"]["dataList"]
        return int(data["requestNum"])


def mail(acct: dict, **extra) -> dict:
    return {"from": f"bench@{acct['domain']}", "subject": "Hello %name%", "html": "<p>Hi %name%, order %order%</p>",
            **extra}


def xsmtpapi(n: int, start: int = 0) -> str:
    to = [f"user{start + i}@example.com" for i in range(n)]
    return json.dumps({"to": to, "sub": {"%name%": [f"User {start + i}" for i in range(n)],
                                         "%order%": [str(1000 + start + i) for i in range(n)]}})


# the floors: bare FastAPI and moto ---------------------------------------------------------------
def run_bare(bench: Bench, table: Table) -> None:
    server = Server(lambda port: [sys.executable, "-m", "uvicorn", "bare_app:app", "--app-dir", str(HERE),
                                  "--port", str(port), "--log-level", "warning"], "/health")
    try:
        body = urlencode({"apiUser": "someone_trigger", "apiKey": "0123456789abcdef"}).encode()
        bench.measure(table, "bare FastAPI endpoint (same uvicorn)",
                      load.Request(f"{server.base}/bare", "POST", body, FORM, expect=OK),
                      note=f"cold start {server.cold_start:.2f} s, idle RSS {server.rss():.0f} MB")
    finally:
        server.stop()


def ensure_moto(create: bool) -> str | None:
    """The moto_server of .bench-venv (created when `create`); None with a reason printed when absent."""
    binary = BENCH_VENV / "bin" / "moto_server"
    if binary.exists():
        return str(binary)
    if not create:
        return None
    print(f"creating {BENCH_VENV} with moto[server] (benchmark only, not a project dependency) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
    installed = subprocess.run([str(BENCH_VENV / "bin" / "pip"), "install", "-q", "moto[server]"])
    return str(binary) if installed.returncode == 0 and binary.exists() else None


SES_AUTH = ("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/ses/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=0000")


def run_moto(bench: Bench, table: Table, create: bool) -> None:
    binary = ensure_moto(create)
    if binary is None:
        table.add("moto_server SES SendEmail", note=f"skipped: no {BENCH_VENV.name} (a full run creates it)")
        return
    server = Server(lambda port: [binary, "-H", "127.0.0.1", "-p", str(port)], "/moto-api/",
                    env={"AWS_DEFAULT_REGION": "us-east-1"})
    headers = {"Authorization": SES_AUTH, "X-Amz-Date": "20260101T000000Z"}
    try:
        verified = httpx.post(server.base + "/", headers=headers, timeout=120, data={
            "Action": "VerifyEmailIdentity", "EmailAddress": "bench@example.com", "Version": "2010-12-01"})
        assert verified.status_code == 200, verified.text[:300]
        body = urlencode({"Action": "SendEmail", "Version": "2010-12-01", "Source": "bench@example.com",
                          "Destination.ToAddresses.member.1": "user1@example.com",
                          "Message.Subject.Data": "Hello", "Message.Body.Html.Data": "<p>Hi</p>"}).encode()
        bench.measure(table, "moto_server SES SendEmail, 1 recipient",
                      load.Request(server.base + "/", "POST", body, FORM, headers, expect="<MessageId>"),
                      note=f"cold start {server.cold_start:.2f} s, idle RSS {server.rss():.0f} MB")
    finally:
        server.stop()


# the emulator -----------------------------------------------------------------------------------
def run_emulator(bench: Bench, table: Table, extra: Table, database: str) -> dict:
    c = bench.sizes
    server = emulator(database)
    facts = {"cold_start": server.cold_start}
    try:
        emu = Emulator(server, bench.connections)
        acct = emu.account()
        facts["idle_rss"] = server.rss()
        if bench.wants("userinfo"):
            bench.measure(table, "baseline: userinfo/get", emu.request(acct, "userinfo/get"))
        if bench.wants("send"):
            before = emu.requests_today(acct)
            row = bench.measure(table, "mail/send, 1 recipient",
                                emu.request(acct, "mail/send", **mail(acct, to="one@example.com")))
            stored = emu.requests_today(acct) - before
            assert stored >= row["requests"], f"{stored} mails stored for {row['requests']} sends"
        if bench.wants("send100"):
            bench.measure(table, "mail/send, 100 recipients (xsmtpapi)",
                          emu.request(acct, "mail/send", **mail(acct, xsmtpapi=xsmtpapi(100))))
        run_reads(bench, table, emu, facts)
        if bench.wants("lists"):
            run_lists(bench, table, emu, acct)
        if bench.wants("webhooks"):
            run_webhooks(emu, table, c["webhooks"], 1)
            run_webhooks(emu, table, c["webhooks"], 8)
        if bench.wants("smtp"):
            run_smtp(emu, extra, c["smtp_messages"])
        facts["peak_rss"] = server.peak()
        facts["end_rss"] = server.rss()
    finally:
        server.stop()
    extra.add("cold start to healthy", value=facts["cold_start"] * 1000, unit="ms")
    extra.add("idle RSS", value=facts["idle_rss"], unit="MB")
    if "rss_after_sends" in facts:
        extra.add(f"RSS after {c['stat_mails']} sent mails", value=facts["rss_after_sends"], unit="MB",
                  note=f"{facts['rss_after_sends'] / facts['idle_rss']:.2f}x idle")
    extra.add("peak RSS of the server: end / start-up", value=facts["peak_rss"], unit="MB",
              note=f"{facts['idle_rss']:.0f} MB -> {facts['peak_rss']:.0f} MB", ratio=facts["peak_rss"] / facts["idle_rss"])
    return facts


def run_reads(bench: Bench, table: Table, emu: "Emulator", facts: dict) -> None:
    if not bench.wants("reads"):
        return
    c = bench.sizes
    server = emu.server
    # A second account holding stat_mails mails (sent 100 at a time) for the read benchmarks.
    stats = emu.account()
    begin = time.perf_counter()
    with ThreadPoolExecutor(bench.connections) as pool:
        list(pool.map(lambda i: emu.call(stats, "mail/send", **mail(stats, xsmtpapi=xsmtpapi(100, i * 100),
                                                                     labelName=f"label{i % 5}")),
                      range(c["stat_mails"] // 100)))
    fill = time.perf_counter() - begin
    total = emu.requests_today(stats)
    facts["rss_after_sends"] = server.rss()
    facts["peak_rss_after_sends"] = server.peak()
    note = f"{total} mails (filled in {fill:.1f} s)"
    seconds = c["read_seconds"]
    bench.measure(table, "label/list", emu.request(stats, "label/list"), seconds, note)
    bench.measure(table, "data/emailStatus, days=1, limit=100",
                  emu.request(stats, "data/emailStatus", days="1", limit="100"), seconds, note)
    bench.measure(table, "statday/list, days=1", emu.request(stats, "statday/list", days="1"), seconds, note)
    bench.measure(table, "statday/list, days=1, aggregate=1",
                  emu.request(stats, "statday/list", days="1", aggregate="1"), seconds, note)
    bench.measure(table, "stathour/list, days=1", emu.request(stats, "stathour/list", days="1"), seconds, note)
    bench.measure(table, "invalidstat/list, days=1", emu.request(stats, "invalidstat/list", days="1"),
                  seconds, note)
    everything = emu.total()
    bench.measure(table, "GET /_emulator/mails?to= (outbox lookup)",
                  load.Request(f"{emu.base}/_emulator/mails?to=user4242%40example.com", expect='"total"'),
                  seconds, f"{everything} mails in all")



def wait_done(emu: Emulator, acct: dict, task_ids: list[int], limit: float = 600) -> None:
    """Until taskinfo says done for every task: the control API's long poll holds until a task is
    complete (no client-side polling loop competing with the worker), then taskinfo confirms it."""
    deadline = time.monotonic() + limit
    for task_id in task_ids:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SystemExit(f"address-list task {task_id} not done after {limit:.0f} s")
            task = emu.http.get(f"/_emulator/tasks/{task_id}", params={"wait": f"{min(left, 30):.2f}"}).json()
            if task["status"] == "completed":
                break
        info = emu.call(acct, "mail/taskinfo", batch=True, maillistTaskId=str(task_id))["info"]["data"]
        if info["status"] not in ("请求完毕", "completed"):
            raise SystemExit(f"address-list task {task_id}: taskinfo says {info['status']} after the task completed")


def run_lists(bench: Bench, table: Table, emu: Emulator, other: dict) -> None:
    c = bench.sizes
    lists = emu.account()
    alias = "bench@maillist.sendcloud.org"
    emu.call(lists, "addresslist/add", address=alias, name="bench")
    members = [f"member{i}@example.com" for i in range(c["list_members"])]
    for chunk in range(0, len(members), 1000):
        emu.call(lists, "addressmember/add", address=alias, members=";".join(members[chunk:chunk + 1000]))
    answers, rates = [], []
    for _ in range(c["list_sends"]):
        begin = time.perf_counter()
        reply = emu.call(lists, "mail/send", batch=True, **mail(lists, to=alias, useAddressList="true"))
        answers.append((time.perf_counter() - begin) * 1000)
        wait_done(emu, lists, reply["info"]["maillistTaskId"])
        rates.append(c["list_members"] / (time.perf_counter() - begin))
    table.add(f"mail/send, address list of {c['list_members']}", p50=statistics.median(answers), p95=max(answers),
              note=f"time to answer; {c['list_sends']} sends, sequential")
    table.add(f"address list of {c['list_members']}: members/s until done", rate=statistics.median(rates),
              note=f"median of {c['list_sends']}")

    # Another account's 1-recipient sends while address-list sends run back to back.
    stop = threading.Event()

    def list_sends():
        while not stop.is_set():
            reply = emu.call(lists, "mail/send", batch=True, **mail(lists, to=alias, useAddressList="true"))
            wait_done(emu, lists, reply["info"]["maillistTaskId"])

    worker = threading.Thread(target=list_sends, daemon=True)
    worker.start()
    try:
        bench.measure(table, "mail/send, 1 recipient, during address-list sends",
                      emu.request(other, "mail/send", **mail(other, to="busy@example.com")),
                      note="another account's list tasks run meanwhile")
    finally:
        stop.set()
        worker.join(600)


def run_webhooks(emu: Emulator, table: Table, count: int, urls: int) -> None:
    """`count` deliver callbacks spread over `urls` receivers: from the first send to the last arrival."""
    hooks = emu.account()
    receiver = Receiver(urls)
    try:
        for url in receiver.urls:
            emu.call(hooks, "webhook/add", categoryName="all", event="deliver", url=url)
        begin = time.perf_counter()
        sends = (count + 99) // 100
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda i: emu.call(hooks, "mail/send", **mail(hooks, xsmtpapi=xsmtpapi(
                min(100, count - i * 100), i * 100))), range(sends)))
        sent = time.perf_counter() - begin
        expected = count * urls
        deadline = time.monotonic() + 300
        while receiver.count() < expected and time.monotonic() < deadline:
            time.sleep(0.02)
        arrivals = receiver.all_arrivals()
    finally:
        receiver.close()
    if len(arrivals) < expected:
        raise SystemExit(f"only {len(arrivals)} of {expected} webhook callbacks arrived")
    seconds = arrivals[-1] - begin
    gaps = sorted((b - a) * 1000 for a, b in zip(arrivals, arrivals[1:])) or [0.0]
    table.add(f"webhook callbacks, {urls} URL{'s' if urls > 1 else ''}", rate=expected / seconds,
              p50=statistics.median(gaps), p95=gaps[int(0.95 * (len(gaps) - 1))],
              note=f"{expected} callbacks in {seconds:.1f} s from the first send (sends took {sent:.1f} s); "
                   "ms = gap between arrivals")


# the SMTP door ----------------------------------------------------------------------------------
def smtp_message(acct: dict, i: int) -> bytes:
    """The SMTP twin of mail(acct, to=...): the same subject and html, one recipient."""
    return (f"From: bench@{acct['domain']}\r\nTo: smtp{i}@example.com\r\nSubject: Hello %name%\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            f"<p>Hi %name%, order %order%</p>\r\n").encode()


def run_smtp(emu: Emulator, table: Table, count: int) -> None:
    """Messages/s over SMTP (1 and 8 connections, each sending its share in turn) against mail/send
    over HTTP with as many Python clients in parallel, measured one after the other in this run."""
    acct = emu.account()

    def rate(workers: int, send_share) -> float:
        begin = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(send_share, [range(w, count, workers) for w in range(workers)]))
        return count / (time.perf_counter() - begin)

    def http_share(share):
        with httpx.Client(base_url=emu.base, timeout=300) as http:
            for i in share:
                body = http.post("/apiv2/mail/send", data={**emu.auth(acct), **mail(acct, to=f"http{i}@example.com")})
                if body.json().get("statusCode") != 200:
                    raise SystemExit(f"mail/send answered {body.text[:300]}")

    def smtp_share(share):
        with smtplib.SMTP("127.0.0.1", emu.server.smtp_port, timeout=300) as server:
            server.login(acct["apiUser"], acct["apiKey"])
            for i in share:
                server.mail(f"bench@{acct['domain']}")
                server.rcpt(f"smtp{i}@example.com")
                code, reply = server.data(smtp_message(acct, i))
                if code != 250:
                    raise SystemExit(f"SMTP DATA answered {code} {reply!r}")

    for workers in SMTP_CONNECTIONS:
        http, smtp = rate(workers, http_share), rate(workers, smtp_share)
        clients = "1 connection" if workers == 1 else f"{workers} connections"
        table.add(f"SMTP messages/s, {clients} / mail/send", value=smtp, unit="/s", ratio=smtp / http,
                  note=f"mail/send over HTTP, {workers} client{'s' if workers > 1 else ''}: {http:.1f}/s; "
                       f"{count} messages each")


# the outbox and the UI at many mails --------------------------------------------------------------
MAILS_PER_ADDRESS = 20


def build_mails(path: str, count: int) -> str:
    """A database holding `count` mails of one account, built with bulk SQL (no API sends)."""
    sys.path.insert(0, str(ROOT))
    from sendcloud_emulator.domain.accounts import create_account
    from sendcloud_emulator.store.db import Store

    url = f"sqlite:///{path}"
    store = Store(url)
    store.create_schema()
    with store.session(write=True) as session:
        account = create_account(store, session, {"userName": "bench_big"})
        account_id = session.exec(__import__("sqlalchemy").text(
            "SELECT id FROM account WHERE user_name = 'bench_big'")).one()[0]
    store.engine.dispose()
    # every recipient has MAILS_PER_ADDRESS mails at any size, so that the outbox lookup answers the
    # same 20 items at 1k and at 1M mails and the comparison shows how the lookup scales
    addresses = max(1, count // MAILS_PER_ADDRESS)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute(
        """WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
        INSERT INTO mail (account_id, email_id, message_id, api_user, recipient, recipient_key, recipient_domain,
                          from_address, from_name, "to", cc, bcc, reply_to, subject, html, headers, label_id,
                          variables, attachments, status, sub_stat, request_time, status_time, position, xsmtpapi)
        SELECT ?, 'm' || i || '_0$user' || (i % ?) || '@example.com', 'm' || i, ?,
               'user' || (i % ?) || '@example.com', 'user' || (i % ?) || '@example.com', 'example.com',
               'shop@example.com', 'Shop', '[]', '[]', '[]', '[]', 'Order ' || i || ' shipped',
               '<p>Hello user ' || i || ', your order is on its way.</p>', '{}', i % 7, '{}', '[]',
               CASE i % 5 WHEN 3 THEN 'invalid' WHEN 4 THEN 'soft_bounce' ELSE 'deliver' END, 0,
               datetime('now', '-30 days', '+' || (i * 2) || ' seconds'),
               datetime('now', '-30 days', '+' || (i * 2) || ' seconds'), 0, '{}'
        FROM n""", (count, account_id, addresses, account["apiUser"], addresses, addresses))
    db.commit()
    db.close()
    return url


def run_big(bench: Bench, table: Table, count: int) -> None:
    directory = tempfile.mkdtemp(prefix="sc-bench-")
    begin = time.perf_counter()
    url = build_mails(f"{directory}/mails.db", count)
    built = time.perf_counter() - begin
    server = emulator(url)
    try:
        note = f"{count} mails (built with bulk SQL in {built:.1f} s)"
        address = f"user{42 % max(1, count // MAILS_PER_ADDRESS)}%40example.com"  # one with mails at any size
        bench.measure(table, f"outbox ?to= at {count} mails",
                      load.Request(f"{server.base}/_emulator/mails?to={address}", expect='"total"'),
                      bench.sizes["read_seconds"], note)
        bench.measure(table, f"UI first page at {count} mails", load.Request(f"{server.base}/", expect="<table"),
                      bench.sizes["read_seconds"], note)
    finally:
        server.stop()


# output -----------------------------------------------------------------------------------------
def print_loads(table: Table, bare: float | None, moto: float | None, baseline: dict | None) -> None:
    print(f"\n{table.title}")
    print(f"{'benchmark':<52} {'req/s':>9} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'ratio':>8} "
          f"{'vs bare':>8} {'vs moto':>8}  note")
    base50 = baseline["p50"] if baseline else None
    for row in table.rows:
        rate = row.get("rps") or row.get("rate")
        print(f"{row['name']:<52} {fmt(rate, 0):>9} {fmt(row.get('p50')):>9} {fmt(row.get('p95')):>9} "
              f"{fmt(row.get('p99')):>9} {ratio(row.get('p50'), base50):>8} "
              f"{ratio(row.get('rps'), bare):>8} {ratio(row.get('rps'), moto):>8}  {row.get('note', '')}")


def print_extra(table: Table) -> None:
    print(f"\n{table.title}")
    for row in table.rows:
        shown = f"{row['ratio']:.2f}x" if "ratio" in row else ""
        print(f"{row['name']:<52} {fmt(row['value'], 1):>9} {row['unit']:<3} {shown:>8}  {row.get('note', '')}")


def targets(floors: Table, api: Table, big: Table, facts: dict, sizes: dict) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for every target of the throughput issue."""
    def get(table, name, key):
        row = table.find(name)
        return row.get(key) if row else None

    bare = get(floors, "bare FastAPI", "rps")
    moto = get(floors, "moto_server", "rps")
    send, user = get(api, "mail/send, 1 recipient", "rps"), get(api, "baseline: userinfo/get", "rps")
    p50, p99 = get(api, "mail/send, 1 recipient", "p50"), get(api, "mail/send, 1 recipient", "p99")
    busy = get(api, "mail/send, 1 recipient, during", "p50")
    list_answer = get(api, "mail/send, address list", "p50")
    members = get(api, "address list of", "rate")
    hook1, hook8 = get(api, "webhook callbacks, 1 URL", "rate"), get(api, "webhook callbacks, 8 URLs", "rate")
    statday, user50 = get(api, "statday/list, days=1", "p50"), get(api, "baseline: userinfo/get", "p50")
    small, large = sizes["small_mails"], sizes["big_mails"]
    found = []

    def check(name, value, goal, text):
        found.append((name, text if value is not None else "not measured",
                      None if value is None else value >= goal))

    check("mail/send ≥ 3× moto", send / moto if send and moto else None, 3, f"{send / moto:.2f}x" if send and moto else "")
    check("mail/send ≥ 0.2× bare FastAPI", send / bare if send and bare else None, 0.2,
          f"{send / bare:.2f}x" if send and bare else "")
    check("mail/send p99 ≤ 3× p50", 3 / (p99 / p50) if p50 and p99 else None, 1,
          f"p99/p50 = {p99 / p50:.1f}" if p50 and p99 else "")
    check("userinfo/get ≥ 0.4× bare FastAPI", user / bare if user and bare else None, 0.4,
          f"{user / bare:.2f}x" if user and bare else "")
    check("list send answer ≤ 3× a 1-recipient send", 3 / (list_answer / p50) if list_answer and p50 else None, 1,
          f"{list_answer / p50:.1f}x ({sizes['list_members']} members)" if list_answer and p50 else "")
    check("list send ≥ 10,000 members/s until done", members, 10_000, f"{members:.0f}/s" if members else "")
    check("other accounts keep their p50 during list sends (≤ 1.5×)", 1.5 / (busy / p50) if busy and p50 else None, 1,
          f"{busy / p50:.2f}x" if busy and p50 else "")
    check("webhooks ≥ 1,000/s to one receiver", hook1, 1000, f"{hook1:.0f}/s" if hook1 else "")
    check("webhooks ≥ 2,000/s across 8", hook8, 2000, f"{hook8:.0f}/s" if hook8 else "")
    check(f"statday over {sizes['stat_mails']} mails ≤ 3× userinfo/get",
          3 / (statday / user50) if statday and user50 else None, 1,
          f"{statday / user50:.1f}x" if statday and user50 else "")
    for what in ("outbox ?to=", "UI first page"):
        a, b = get(big, f"{what} at {small} mails", "p50"), get(big, f"{what} at {large} mails", "p50")
        check(f"{what} at {large} mails ≤ 1.5× at {small}", 1.5 / (b / a) if a and b else None, 1,
              f"{b / a:.2f}x ({a:.1f} → {b:.1f} ms p50)" if a and b else "")
    idle = facts.get("idle_rss")
    check("idle RSS ≤ 90 MB", 90 / idle if idle else None, 1, f"{idle:.0f} MB" if idle else "")
    after = facts.get("peak_rss_after_sends")
    check(f"RSS after {sizes['stat_mails']} sent mails ≤ 1.3× idle", 1.3 / (after / idle) if after and idle else None, 1,
          f"{after / idle:.2f}x (peak {after:.0f} MB)" if after and idle else "")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 1 s per row (about a minute)")
    parser.add_argument("--postgres", nargs="?", const=os.environ.get("SC_EMULATOR_TEST_POSTGRES_URL") or "",
                        default=None, metavar="URL",
                        help="also run the emulator rows against PostgreSQL (an EMPTY database or schema; "
                             "default URL: $SC_EMULATOR_TEST_POSTGRES_URL)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections of the load tool (default 16)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (e.g. 0.1)")
    parser.add_argument("--python-load", action="store_true", help="use the asyncio load client even if wrk exists")
    parser.add_argument("--no-moto", action="store_true", help="skip the moto_server row")
    parser.add_argument("--no-ui", action="store_true", help="skip the in-process web UI list queries")
    parser.add_argument("--only", metavar="ROW,...", type=lambda text: set(filter(None, text.split(","))),
                        help="run only these groups of rows (their sizes as without --only): "
                             + "; ".join(f"{name} = {what}" for name, what in GROUPS.items()))
    args = parser.parse_args()
    if args.only is not None and not args.only <= set(GROUPS):
        parser.error(f"--only: unknown {', '.join(sorted(args.only - set(GROUPS)))} (known: {', '.join(GROUPS)})")
    base = QUICK if args.quick else FULL
    sizes = {k: (v if k in ("seconds", "read_seconds") else max(1, int(v * args.scale))) for k, v in base.items()}
    sizes["stat_mails"] = max(100, sizes["stat_mails"] // 100 * 100)
    sizes["small_mails"] = base["small_mails"]
    sizes["big_mails"] = max(sizes["big_mails"], 2 * sizes["small_mails"])
    sizes["smtp_messages"] = max(max(SMTP_CONNECTIONS), sizes["smtp_messages"])
    if args.postgres == "":
        raise SystemExit("--postgres needs a URL or SC_EMULATOR_TEST_POSTGRES_URL")
    tool = load.tool(args.python_load)
    bench = Bench(tool, args.concurrency, sizes, args.only)
    started = time.perf_counter()
    with open("/proc/loadavg") as handle:
        loadavg = handle.read().split()[:3]
    print(f"load tool: {tool.label}, {args.concurrency} connections, {sizes['seconds']} s per row "
          f"({sizes['read_seconds']} s for reads); {os.cpu_count()} cores, load average {' '.join(loadavg)}")

    floors = Table("floors: the same load on a bare FastAPI endpoint and on moto_server")
    if bench.wants("bare"):
        run_bare(bench, floors)
    if not args.no_moto and bench.wants("moto"):
        run_moto(bench, floors, create=not args.quick)
    bare, moto = (floors.find(n) or {} for n in ("bare FastAPI", "moto_server"))
    bare_rps, moto_rps = bare.get("rps"), moto.get("rps")

    databases = [("sqlite", f"sqlite:///{tempfile.mkdtemp(prefix='sc-bench-')}/bench.db")]
    if args.postgres:
        databases.append(("postgresql", args.postgres))
    results = []
    for backend, url in databases:
        api = Table(f"HTTP API on {backend} (ratio = p50 / userinfo/get p50; vs bare/moto = req/s ratio)")
        extra = Table(f"server process on {backend}")
        facts = run_emulator(bench, api, extra, url)
        results.append((api, extra, facts))
    big = Table("outbox query and web UI first page over HTTP, SQLite (ratio = p50 / first row p50)")
    if bench.wants("big"):
        run_big(bench, big, sizes["small_mails"])
        run_big(bench, big, sizes["big_mails"])

    print_loads(floors, bare_rps, moto_rps, None)
    for api, extra, _facts in results:
        print_loads(api, bare_rps, moto_rps, api.find("baseline: userinfo/get"))
        print_extra(extra)
    if big.rows:
        print_loads(big, bare_rps, moto_rps, big.rows[0])
    print("\ntargets (SQLite run):")
    for name, measured, met in targets(floors, results[0][0], big, results[0][2], sizes):
        mark = "met" if met else ("MISSED" if met is False else "n/a")
        print(f"  {mark:<7} {name:<60} {measured}")
    if not args.no_ui and bench.wants("ui"):
        rows, baseline = ui_mail_list.run(f"sqlite:///{tempfile.mkdtemp(prefix='sc-bench-')}/ui.db",
                                          sizes["ui_mails"], repeat=5 if args.quick else 20)
        print(f"\nweb UI list queries on sqlite, {sizes['ui_mails']} mails (in-process; ratio = median / baseline median)")
        print(f"{'benchmark':<46} {'median ms':>10} {'p95 ms':>10} {'ratio':>8}  note")
        for name, median, p95, note in rows:
            print(f"{name:<46} {median:>10.2f} {p95:>10.2f} {median / baseline:>7.2f}x  {note}")
    print(f"\ndone in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
