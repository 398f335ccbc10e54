"""Shared fixtures: one emulator per test worker (TestClient over HTTP), a fresh account per test."""

import os
import threading
import time
import uuid
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from sendcloud_emulator.app import create_app
from sendcloud_emulator.settings import Settings

# Every request of the suite (and of the servers it starts) checks each parameter read and each answer
# code against the action's declaration, and a drift fails the request (statusCode 501) instead of
# being logged once: the declarations stay what the actions read.
os.environ.setdefault("SC_EMULATOR_STRICT_DECLARATIONS", "1")


class Api:
    """A thin SendCloud client for tests: `api.call("label/add", labelName="x")` → the envelope."""

    def __init__(self, client: TestClient, account: dict):
        self.client = client
        self.account = account
        self.api_user = account["apiUser"]
        self.api_key = account["apiKey"]

    def creds(self, batch: bool = False) -> dict:
        if batch:
            return {"apiUser": self.account["batchApiUser"], "apiKey": self.account["batchApiKey"]}
        return {"apiUser": self.api_user, "apiKey": self.api_key}

    def call(self, path: str, *, method: str = "POST", batch: bool = False, files=None, **params) -> dict:
        data = {**self.creds(batch), **{k: v for k, v in params.items() if v is not None}}
        if method == "GET":
            response = self.client.get(f"/apiv2/{path}", params=data)
        else:
            response = self.client.post(f"/apiv2/{path}", data=data, files=files)
        assert response.status_code == 200, response.text
        return response.json()

    def code(self, path: str, **params) -> int:
        return self.call(path, **params)["statusCode"]


def make_settings(tmp_path_factory, **overrides) -> Settings:
    db = tmp_path_factory.mktemp("db") / "emulator.db"
    # SMTP off unless a test asks for it: tests/test_smtp.py starts its own listeners on free ports.
    values = {"database_url": f"sqlite:///{db}", "webhook_probe": False, "webhook_retry_scale": 0.001,
              "smtp_port": 0}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    return make_settings(tmp_path_factory)


@pytest.fixture(scope="session")
def client(settings) -> TestClient:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def new_account(client: TestClient, **fields) -> dict:
    fields.setdefault("userName", f"t_{uuid.uuid4().hex[:12]}")
    response = client.post("/_emulator/accounts", json=fields)
    assert response.status_code == 201, response.text
    return response.json()


def wait_until(condition, what: str, seconds: float = 30, every: float = 0.02):
    """Polls `condition` until it returns something true (returned) and fails with `what` after
    `seconds`. The pause is the polling interval; the order of events comes from the condition."""
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(every)
    return found


def on_first_empty_look(monkeypatch, to: str, then) -> None:
    """Calls `then()` once, when the server first looks for mail to `to` and finds none: a long poll
    (`wait=`) for that address is then holding its request. A marker on the in-process server's own
    look, so a test lines threads up without sleeping."""
    from sendcloud_emulator.control import mails as control_mails

    look, once = control_mails._look, threading.Lock()

    def marked(request, *args):
        found = look(request, *args)
        if request.query_params.get("to") == to and not found["items"] and once.acquire(blocking=False):
            then()
        return found

    monkeypatch.setattr(control_mails, "_look", marked)


def put_faults(client, *rules, expect: int = 200) -> dict:
    """PUT /_emulator/faults with these rules (control-api.md "Faults"); returns the shown rules."""
    response = client.put("/_emulator/faults", json={"rules": list(rules)})
    assert response.status_code == expect, response.text
    return response.json()


def clear_faults(client) -> None:
    assert client.delete("/_emulator/faults").status_code == 204


@contextmanager
def fault_rules(client, *rules):
    """The rules are active inside the block and cleared when it ends, whatever happens inside (the
    emulator is shared by every test of a worker)."""
    shown = put_faults(client, *rules)
    try:
        yield shown
    finally:
        clear_faults(client)


@pytest.fixture
def faults(client):
    """`faults(rule, ...)` replaces the active rules (as often as the test likes); they are cleared
    when the test ends."""
    yield lambda *rules, expect=200: put_faults(client, *rules, expect=expect)
    clear_faults(client)


@pytest.fixture
def account(client) -> dict:
    return new_account(client)


@pytest.fixture
def api(client, account) -> Api:
    return Api(client, account)


@pytest.fixture
def other_api(client) -> Api:
    """A second, unrelated account (isolation tests)."""
    return Api(client, new_account(client))


@pytest.fixture(scope="module")
def guarded(tmp_path_factory) -> TestClient:
    """An emulator of the module's own with SC_EMULATOR_ADMIN_TOKEN=s3cret: the control API and the UI
    want the token."""
    with TestClient(create_app(make_settings(tmp_path_factory, admin_token="s3cret"))) as guarded_client:
        yield guarded_client


@pytest.fixture(scope="session")
def en_client(tmp_path_factory) -> TestClient:
    """A second emulator with SC_EMULATOR_LANG=en (English messages and words)."""
    with TestClient(create_app(make_settings(tmp_path_factory, lang="en"))) as test_client:
        yield test_client


@pytest.fixture
def en_api(en_client) -> Api:
    return Api(en_client, new_account(en_client))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A real uvicorn server on a loopback port (concurrency tests, real connections), started the
    plugin's way (in-process). Yields its base URL, e.g. `http://127.0.0.1:54321`."""
    from sendcloud_emulator.pytest_plugin import EmulatorServer

    with EmulatorServer(make_settings(tmp_path_factory)) as server:
        yield server.url
