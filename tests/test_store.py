"""The store on SQLite and (SC_EMULATOR_TEST_POSTGRES_URL) PostgreSQL: sequences, caps and
uniqueness under races, also across two server processes sharing one database."""

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlmodel import SQLModel

from sendcloud_emulator.app import create_app
from sendcloud_emulator.settings import Settings
from sendcloud_emulator.store.db import Store

from .conftest import Api
from .pg import BACKENDS, POSTGRES_URL, database, servers


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    with database(request.param, tmp_path) as value:
        yield value


def test_health_names_the_database_and_the_default_account_loads(url):
    with TestClient(create_app(Settings(database_url=url, webhook_probe=False))) as client:
        assert client.get("/_emulator/health").json()["database"] == url.split(":")[0].split("+")[0]
        demo = client.get("/_emulator/accounts/demo").json()
        assert Api(client, demo).code("userinfo/get") == 200
        # A full reset wipes and reloads the fixtures on this backend too.
        client.post("/_emulator/accounts", json={"userName": "to_be_wiped"})
        assert client.post("/_emulator/reset").status_code == 204
        assert [a["userName"] for a in client.get("/_emulator/accounts").json()] == ["demo"]


def test_next_id_never_repeats_under_threads(url):
    store = Store(url)
    store.create_schema()
    seen, lock = [], threading.Lock()

    def take(_):
        for _ in range(20):
            with store.session(write=True) as session:
                value = store.next_id(session, "race", first=1)
            with lock:
                seen.append(value)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(take, range(8)))
    assert sorted(seen) == list(range(1, 161))
    store.engine.dispose()


def test_schema_creation_is_idempotent(url):
    """Creating the schema again keeps every table and every row (a restart on an existing database)."""
    tables = list(SQLModel.metadata.tables)
    rows = []
    for _ in range(2):
        store = Store(url)
        store.create_schema()
        with store.session(write=True) as session:
            rows.append(store.next_id(session, "idempotent", first=1))
        assert set(tables) <= set(inspect(store.engine).get_table_names())
        store.engine.dispose()
    assert rows == [1, 2]  # the first run's counter row survived the second create_schema


def test_a_restart_replaces_the_event_index_of_an_older_database(url):
    """A database made before ix_mailevent_account_event_time holds ix_mailevent_account_id; starting on
    it creates the new index and drops the one it replaced, keeping the rows."""
    store = Store(url)
    store.create_schema()
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_mailevent_account_event_time")
        connection.exec_driver_sql("CREATE INDEX ix_mailevent_account_id ON mailevent (account_id)")
    store.engine.dispose()
    store = Store(url)
    store.create_schema()
    names = {index["name"] for index in inspect(store.engine).get_indexes("mailevent")}
    assert "ix_mailevent_account_event_time" in names and "ix_mailevent_account_id" not in names
    store.engine.dispose()


HTTP = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=40))  # one client: no per-request set-up


def _post(base: str, path: str, data: dict) -> dict:
    response = HTTP.post(f"{base}/apiv2/{path}", data=data)
    assert response.status_code == 200, response.text
    return response.json()


def test_two_server_processes_keep_caps_and_sequences(url):
    with servers(url, 2) as bases:
        _race(bases)


@pytest.mark.skipif(not POSTGRES_URL, reason="serve --workers needs PostgreSQL (SC_EMULATOR_TEST_POSTGRES_URL)")
@pytest.mark.parametrize("workers", [2, 4])
def test_serve_workers_keep_caps_and_sequences(tmp_path, workers):
    """The same races against `serve --workers N` (one port, N processes on one PostgreSQL database)."""
    with database("postgresql", tmp_path) as pg_url:
        with servers(pg_url, 1, workers=workers, timeout=600) as bases:
            _race(bases * 2)


def test_serve_workers_on_sqlite_is_refused_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sendcloud_emulator", "serve", "--workers", "2", "--database",
                           f"sqlite:///{tmp_path / 'one.db'}"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "PostgreSQL" in done.stderr and "SQLite" in done.stderr


def _race(bases: list[str]) -> None:
    """Caps, uniqueness and emulator-wide ids under parallel requests spread over `bases` (two entries)."""
    # Both processes loaded the same fixtures at the same moment: one demo account.
    assert [a["userName"] for a in HTTP.get(f"{bases[0]}/_emulator/accounts").json()] == ["demo"]
    accounts = [HTTP.post(f"{bases[i % 2]}/_emulator/accounts", json={"userName": f"race_{i}"}).json()
                for i in range(2)]
    first, second = ({"apiUser": a["apiUser"], "apiKey": a["apiKey"]} for a in accounts)

    def call(job):
        index, path, creds, extra = job
        return _post(bases[index % 2], path, {**creds, **extra})["statusCode"], job

    jobs = [(i, "domain/add", first, {"name": f"d{i}.example.com"}) for i in range(60)]
    jobs += [(i, "template/add", first, {"invokeName": f"t{i}", "name": "n", "subject": "s", "html": "<p>h</p>",
                                        "templateType": "0"}) for i in range(60)]
    jobs += [(i, "label/add", first if i % 2 else second, {"labelName": f"l{i}"}) for i in range(60)]
    jobs += [(i, "label/add", second, {"labelName": "same"}) for i in range(10)]
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(call, jobs))

    def codes(path, creds=None, **match):
        return sorted(code for code, (_, p, c, e) in results
                      if p == path and (creds is None or c is creds) and all(e.get(k) == v for k, v in match.items()))

    assert codes("domain/add") == [200] * 5 + [41012] * 55
    assert codes("template/add") == [200] * 50 + [40219] * 10
    assert codes("label/add", second, labelName="same") == [200] + [40113] * 9
    assert codes("label/add").count(200) == 61

    # Both processes see the same state.
    for base in bases:
        assert _post(base, "domain/list", first)["info"]["total"] == 6  # 5 + the test domain
        assert _post(base, "template/list", first)["info"]["total"] == 50
    ids = []
    for creds in (first, second):
        labels = _post(bases[0], "label/list", creds)["info"]["dataList"]
        ids += [label["labelId"] for label in labels]
    assert len(ids) == 61 and len(set(ids)) == 61  # emulator-wide ids never repeat


def test_cli_seed_demo_and_reset_work_on_this_backend(url):
    from typer.testing import CliRunner

    from sendcloud_emulator.cli import app

    runner = CliRunner()
    for args in (["seed", "fixtures/demo.json"], ["demo", "--mails", "20", "--now", "2026-11-20T12:00:00+08:00"],
                 ["reset", "--account", "demo1"]):
        result = runner.invoke(app, [*args, "--database", url], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    with TestClient(create_app(Settings(database_url=url, webhook_probe=False))) as client:
        demo2 = Api(client, client.get("/_emulator/accounts/demo2").json())
        demo1 = Api(client, client.get("/_emulator/accounts/demo1").json())
        window = {"startDate": "2026-10-21", "endDate": "2026-11-20", "aggregate": "1"}
        requests = [int(a.call("statday/list", **window)["info"]["dataList"]["requestNum"]) for a in (demo1, demo2)]
        assert requests[0] == 0 and requests[1] > 0  # demo1's traffic was reset, demo2's is there
        assert demo1.call("template/list")["info"]["total"] == 8  # configuration stays
