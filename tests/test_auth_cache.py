"""The authentication cache (domain/accounts.py Authenticator): a caller is read once, then kept while
the authentication version is unchanged; every change of an account or API_USER, by any route and
in any process on the same database, is seen by the very next request (docs/api.md §1.2: 40005)."""

import json
import re
import subprocess
import sys
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text

from sendcloud_emulator.app import create_app

from . import pg
from .conftest import Api, make_settings, new_account


@pytest.fixture(params=pg.BACKENDS)
def url(request, tmp_path):
    with pg.database(request.param, tmp_path) as found:
        yield found


@pytest.fixture
def two(url, tmp_path_factory):
    """Two emulators (each with its own Store and cache) on one database: two processes' view of it."""
    with TestClient(create_app(make_settings(tmp_path_factory, database_url=url))) as first, \
            TestClient(create_app(make_settings(tmp_path_factory, database_url=url))) as second:
        yield first, second


def mail(api: Api, **extra) -> dict:
    return {"from": f"x@{api.account['domain']}", "to": "one@example.com", "subject": "s", "html": "<p>h</p>", **extra}


def warm(*apis: Api) -> None:
    """Each emulator has authenticated (and so keeps) the caller."""
    for api in apis:
        assert api.code("userinfo/get") == 200
        assert api.code("mail/send", **mail(api)) == 200


def test_a_kept_caller_is_not_read_again(client):
    api = Api(client, new_account(client))
    warm(api)
    engine = client.app.state.store.engine
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.lower())

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert api.code("userinfo/get") == 200
        assert api.code("mail/send", **mail(api)) == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen, "the requests ran no statement"
    # the version and the clock only: no read of the caller's API_USER or account row
    assert not [s for s in seen if re.search(r"\b(from|join)\s+(apiuser|account)\b", s)], seen


def test_deleted_account_is_refused_at_once_by_every_process(two):
    first, second = two
    account = new_account(first)
    a, b = Api(first, account), Api(second, account)
    warm(a, b)
    assert second.delete(f"/_emulator/accounts/{account['userName']}").status_code == 204
    for api in (a, b):
        assert api.code("userinfo/get") == 40005
        assert api.code("mail/send", **mail(api)) == 40005
        assert api.code("mail/send", batch=True, **mail(api)) == 40005


def test_account_changes_apply_at_once_in_every_process(two):
    first, second = two
    account = new_account(first)
    a, b = Api(first, account), Api(second, account)
    warm(a, b)
    changed = second.patch(f"/_emulator/accounts/{account['userName']}", json={"quota": 2})
    assert changed.status_code == 200
    assert a.call("userinfo/get")["info"]["quota"] == 2
    assert a.code("mail/send", **mail(a)) == 40904  # 2 sent today already
    assert second.patch(f"/_emulator/accounts/{account['userName']}",
                        json={"quota": 100, "rateLimitPerMinute": 1}).status_code == 200
    assert a.code("userinfo/get") == 200
    assert a.code("userinfo/get") == 50001
    assert b.call("userinfo/get")["info"]["quota"] == 100


def test_changed_or_deleted_key_is_refused_at_once(two, url):
    """Whatever changes an API_USER row (here plain SQL from a third connection) moves the version."""
    first, second = two
    account = new_account(first)
    a, b = Api(first, account), Api(second, account)
    warm(a, b)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE apiuser SET api_key = 'changedKey000001' WHERE name = :name"),
                               {"name": account["apiUser"]})
        for api in (a, b):
            assert api.code("userinfo/get") == 40005
            api.api_key = "changedKey000001"
            assert api.code("mail/send", **mail(api)) == 200
            assert api.code("mail/send", batch=True, **mail(api)) == 200  # the other API_USER is untouched
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM apiuser WHERE name = :name"), {"name": account["batchApiUser"]})
        for api in (a, b):
            assert api.code("mail/send", batch=True, **mail(api)) == 40005
            assert api.code("mail/send", **mail(api)) == 200
    finally:
        engine.dispose()


def test_full_reset_refuses_kept_callers(two):
    first, second = two
    account = new_account(first)
    a, b = Api(first, account), Api(second, account)
    warm(a, b)
    assert second.post("/_emulator/reset").status_code == 204
    assert a.code("userinfo/get") == 40005
    assert b.code("mail/send", **mail(b)) == 40005
    demo = Api(first, {"apiUser": "demo_trigger", "apiKey": "demoTriggerKey01", "domain": "demo.sendcloud.org"})
    assert demo.code("userinfo/get") == 200


def test_v2_apiuser_add_is_usable_at_once_in_the_other_process(two):
    first, second = two
    account = new_account(first)
    a, b = Api(first, account), Api(second, account)
    warm(a, b)
    name = f"au_{uuid.uuid4().hex[:10]}"
    added = a.call("apiuser/add", name=name, emailType="0", domainName=account["domain"])
    assert added["statusCode"] == 200, added
    other = Api(second, {**account, "apiUser": name, "apiKey": added["info"]["data"]["nameKey"]})
    assert other.code("userinfo/get") == 200
    assert b.code("userinfo/get") == 200


def test_cli_reset_in_another_process_changes_keys_at_once(tmp_path, tmp_path_factory):
    """`sendcloud-emulator reset --fixtures` run as its own process against a serving database."""
    settings = make_settings(tmp_path_factory)
    with TestClient(create_app(settings)) as client:
        demo = Api(client, {"apiUser": "demo_trigger", "apiKey": "demoTriggerKey01", "domain": "demo.sendcloud.org"})
        warm(demo)
        spec = {"accounts": [{"userName": "demo", "apiUser": "demo_trigger", "apiKey": "otherTriggerKey1",
                              "batchApiUser": "demo_batch", "batchApiKey": "otherBatchKey001",
                              "domain": "demo.sendcloud.org"}]}
        path = tmp_path / "fixtures.json"
        path.write_text(json.dumps(spec))
        done = subprocess.run([sys.executable, "-m", "sendcloud_emulator", "reset", "--fixtures", str(path),
                               "--database", settings.database_url], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert demo.code("userinfo/get") == 40005
        demo.api_key = "otherTriggerKey1"
        assert demo.code("mail/send", **mail(demo)) == 200
