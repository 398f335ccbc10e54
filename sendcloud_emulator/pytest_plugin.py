"""pytest plugin of sendcloud-emulator (entry point `pytest11`: loaded wherever the package is installed).

Fixtures (prefixed, so they never collide with a project's own `client`, `account`, `api`, …):

- `sendcloud_emulator` (session): the emulator. By default it is started in-process (uvicorn in a
  thread, `EmulatorServer`, also usable on its own) on a free loopback port with a temporary SQLite
  database. With `--sendcloud-emulator-url`
  or `SC_EMULATOR_URL` set, the running emulator at that URL is used instead (a Docker service in CI).
- `sendcloud_account` (per test): a fresh, isolated account on it (deleted afterwards) with its
  credentials and a small client for the control API: `mails(...)`, `wait_for(...)`, `events(...)`,
  `reset()`, its clock (`clock()`, `advance(seconds=…)`, `travel_to(...)`, `freeze()`, `unfreeze()`,
  `real_time()`), and `call(path, **params)` for the SendCloud API itself.

Nothing heavy is imported until a fixture is used.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("sendcloud-emulator")
    group.addoption("--sendcloud-emulator-url", default=None,
                    help="Use the running emulator at this base URL (env SC_EMULATOR_URL) instead of "
                         "starting one in-process.")


class Emulator:
    """A running emulator: `url` (base), `api_url` (…/apiv2), `control` (an httpx client on /_emulator),
    and its SMTP door: `smtp_host`, `smtp_port` (None when SMTP is off)."""

    def __init__(self, url: str, admin_token: str | None = None):
        import httpx

        self.url = url.rstrip("/")
        self.api_url = f"{self.url}/apiv2"
        headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        self.control = httpx.Client(base_url=f"{self.url}/_emulator", headers=headers, timeout=40)
        self.http = httpx.Client(base_url=self.api_url, timeout=40)

    @property
    def smtp_host(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def smtp_port(self) -> int | None:
        """The plain SMTP port (STARTTLS offered) that the emulator reports in its health check."""
        if not hasattr(self, "_smtp_port"):
            response = self.control.get("/health")
            response.raise_for_status()
            self._smtp_port = (response.json().get("smtp") or {}).get("port")
        return self._smtp_port

    def create_account(self, **fields) -> SendCloudAccount:
        fields.setdefault("userName", f"pytest_{uuid.uuid4().hex[:12]}")
        response = self.control.post("/accounts", json=fields)
        response.raise_for_status()
        return SendCloudAccount(self, response.json())

    def delete_account(self, user_name: str) -> None:
        self.control.delete(f"/accounts/{user_name}")

    def faults(self, *rules: dict) -> list[dict]:
        """Replace the fault rules (docs/control-api.md); no rules clears them."""
        response = self.control.put("/faults", json={"rules": list(rules)})
        response.raise_for_status()
        return response.json()["rules"]

    def close(self) -> None:
        self.control.close()
        self.http.close()


@dataclass
class SendCloudAccount:
    """One account: credentials plus helpers scoped to it."""

    emulator: Emulator
    data: dict = field(repr=False)

    @property
    def user_name(self) -> str:
        return self.data["userName"]

    @property
    def api_user(self) -> str:
        return self.data["apiUser"]

    @property
    def api_key(self) -> str:
        return self.data["apiKey"]

    @property
    def batch_api_user(self) -> str:
        return self.data["batchApiUser"]

    @property
    def batch_api_key(self) -> str:
        return self.data["batchApiKey"]

    @property
    def app_key(self) -> str:
        return self.data["appKey"]

    @property
    def domain(self) -> str:
        return self.data["domain"]

    @property
    def api_url(self) -> str:
        return self.emulator.api_url

    def call(self, path: str, *, batch: bool = False, files=None, **params) -> dict:
        """POST /apiv2/<path> as this account's trigger (or batch) API_USER; returns the envelope."""
        creds = ({"apiUser": self.batch_api_user, "apiKey": self.batch_api_key} if batch
                 else {"apiUser": self.api_user, "apiKey": self.api_key})
        response = self.emulator.http.post(f"/{path}", data={**creds, **params}, files=files)
        return response.json()

    def mails(self, **filters) -> list[dict]:
        """This account's sent mails (GET /_emulator/mails), newest first; filters as in docs/control-api.md."""
        response = self.emulator.control.get("/mails", params={**_params(filters), "account": self.user_name})
        response.raise_for_status()
        return response.json()["items"]

    def wait_for(self, timeout: float = 10, **filters) -> dict:
        """The newest mail matching `filters`, waiting up to `timeout` seconds for it to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            left = max(0.0, deadline - time.monotonic())
            params = {**_params(filters), "account": self.user_name, "wait": f"{min(left, 30):.2f}"}
            response = self.emulator.control.get("/mails", params=params)
            response.raise_for_status()
            items = response.json()["items"]
            if items:
                return items[0]
            if time.monotonic() >= deadline:
                raise AssertionError(f"no mail matching {filters} within {timeout}s")

    def wait_for_tasks(self, reply, timeout: float = 10) -> list[dict]:
        """Wait until the address-list tasks of a send are complete (mail/taskinfo says 请求完毕), so
        every member's mail exists. `reply`: the 40821 envelope of a list send (or its task ids).
        → the tasks as GET /_emulator/tasks/{id} shows them."""
        if isinstance(reply, dict):
            ids = reply.get("info", {}).get("maillistTaskId", [])
        else:
            ids = list(reply)
        deadline = time.monotonic() + timeout
        found = []
        for task_id in ids:
            while True:
                left = max(0.0, deadline - time.monotonic())
                response = self.emulator.control.get(f"/tasks/{task_id}", params={"wait": f"{min(left, 30):.2f}"})
                response.raise_for_status()
                task = response.json()
                if task["status"] == "completed":
                    found.append(task)
                    break
                if time.monotonic() >= deadline:
                    raise AssertionError(f"address-list task {task_id} not complete within {timeout}s "
                                         f"({task['done']} of {task['memberCount']} members)")
        return found

    def mail(self, email_id: str) -> dict:
        """The full mail (html, plain, headers, attachments, events)."""
        response = self.emulator.control.get(f"/mails/{email_id}")
        response.raise_for_status()
        return response.json()

    def events(self, **filters) -> list[dict]:
        """This account's event log (GET /_emulator/events), oldest first: `events(emailId=...)`."""
        response = self.emulator.control.get("/events", params={**_params(filters), "account": self.user_name})
        response.raise_for_status()
        return response.json()["items"]

    def reset(self) -> None:
        """Wipe this account's traffic (mails, events, statistics, suppression lists, today's quota) and
        set its clock back to real time."""
        self.emulator.control.post("/reset", params={"account": self.user_name}).raise_for_status()

    # the account's clock (docs/control-api.md "Clock (per account)"): only this account travels in time
    def clock(self) -> dict:
        """`{"now": ISO time, "offsetSeconds": n, "frozen": bool}`."""
        response = self.emulator.control.get(f"/accounts/{self.user_name}/clock")
        response.raise_for_status()
        return response.json()

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0) -> dict:
        """Move the account's clock forward (quota day, sendRequestId hour, webhook retries, statistics)."""
        return self._set_clock(advanceSeconds=seconds + 60 * minutes + 3600 * hours + 86400 * days)

    def travel_to(self, when) -> dict:
        """Jump to a time (a datetime, or ISO text; no offset = the emulator's zone); never backwards."""
        return self._set_clock(now=when if isinstance(when, str) else when.isoformat())

    def freeze(self) -> dict:
        """Stop the account's clock at its current reading (`advance` still moves it)."""
        return self._set_clock(frozen=True)

    def unfreeze(self) -> dict:
        """Let the clock run again from its current reading."""
        return self._set_clock(frozen=False)

    def real_time(self) -> None:
        """Back to real time, unfrozen."""
        self.emulator.control.delete(f"/accounts/{self.user_name}/clock").raise_for_status()

    def _set_clock(self, **body) -> dict:
        response = self.emulator.control.put(f"/accounts/{self.user_name}/clock", json=body)
        if response.status_code == 400:
            raise ValueError(response.json().get("detail"))
        response.raise_for_status()
        return response.json()


def _params(filters: dict) -> dict:
    # `from` is a Python keyword: accept from_=... too.
    return {("from" if k == "from_" else k): v for k, v in filters.items() if v is not None}


def _free_port() -> int:
    """A loopback port free now (the SMTP listener binds its own sockets)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EmulatorServer:
    """The emulator under uvicorn in a daemon thread, on a loopback port: the one way to run it in-process.

    The port is chosen by binding once and serving that very socket, so no other process can take it
    between choosing and listening. `settings` defaults to `Settings()` (the environment); host and
    port are set to the bound socket's, and SMTP (unless its port is 0) listens on a free port
    (`smtp_port`). Use as `with EmulatorServer(settings) as server: server.url`.
    """

    def __init__(self, settings=None):
        import uvicorn

        from .app import SHUTDOWN_GRACE, create_app
        from .settings import Settings

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        settings = settings or Settings()
        self.smtp_port = _free_port() if settings.smtp_port else 0
        self.settings = settings.model_copy(update={"host": "127.0.0.1", "port": self.port,
                                                    "smtp_port": self.smtp_port, "smtps_port": 0})
        config = uvicorn.Config(create_app(self.settings), log_level="warning", lifespan="on",
                                timeout_graceful_shutdown=SHUTDOWN_GRACE)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="sendcloud-emulator", daemon=True)

    def start(self, timeout: float = 60) -> str:
        """Start serving; returns the base URL once uvicorn has started (RuntimeError if it did not)."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the in-process sendcloud-emulator did not start")
            time.sleep(0.02)
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

    def __enter__(self) -> "EmulatorServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture(scope="session")
def sendcloud_emulator(request, tmp_path_factory):
    """The emulator for this test session (in-process, or the one at --sendcloud-emulator-url / SC_EMULATOR_URL)."""
    url = request.config.getoption("--sendcloud-emulator-url") or os.environ.get("SC_EMULATOR_URL")
    server = None
    if not url:
        from .settings import Settings

        database = tmp_path_factory.mktemp("sendcloud-emulator") / "emulator.db"
        server = EmulatorServer(Settings(database_url=f"sqlite:///{database}"))
        url = server.start()
    emulator = Emulator(url, admin_token=os.environ.get("SC_EMULATOR_ADMIN_TOKEN"))
    try:
        yield emulator
    finally:
        emulator.close()
        if server is not None:
            server.stop()


@pytest.fixture
def sendcloud_account(sendcloud_emulator):
    """A fresh account (test domain, trigger and batch API_USER) for one test; deleted afterwards."""
    account = sendcloud_emulator.create_account()
    yield account
    sendcloud_emulator.delete_account(account.user_name)
