"""The `sendcloud-emulator` command: options and env twins, seed, demo, reset, accounts create."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import SQLModel
from typer.testing import CliRunner

from sendcloud_emulator import __version__, fixtures
from sendcloud_emulator.app import create_app
from sendcloud_emulator.cli import app
from sendcloud_emulator.domain import accounts
from sendcloud_emulator.settings import Settings
from sendcloud_emulator.store.db import Store

from .conftest import Api

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def run(*args, env=None):
    result = runner.invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)
    return result


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def dump(url: str) -> dict:
    """Every row of every table, in primary-key order."""
    store = Store(url)
    out = {}
    with store.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            order = ", ".join(c.name for c in table.primary_key.columns)
            rows = connection.execute(text(f"SELECT * FROM {table.name} ORDER BY {order}")).mappings().all()
            out[table.name] = [dict(r) for r in rows]
    store.engine.dispose()
    return out


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.strip() == __version__


def test_every_option_has_an_env_twin_shown_in_help():
    command = typer.main.get_command(app)
    checked = 0

    def walk(group, path: list[str]):
        nonlocal checked
        for name, sub in group.commands.items():
            if hasattr(sub, "commands"):
                walk(sub, path + [name])
                continue
            help_text = run(*path, name, "--help", env={"COLUMNS": "400", "TERMINAL_WIDTH": "400"}).output
            for param in sub.params:
                if param.name == "help":
                    continue
                assert param.envvar, f"{' '.join(path + [name])} {param.name} has no env twin"
                assert param.envvar in help_text, (name, param.envvar)
                if getattr(param, "help", None):  # shown whole (rich markup must not eat "[...]" parts)
                    assert " ".join(param.help.split()) in " ".join(help_text.split()), (name, param.help)
                checked += 1

    walk(command, [])
    assert checked >= 25


def test_command_descriptions_are_not_broken_mid_sentence():
    """A docstring line break inside a paragraph is kept by the help renderer: each sentence is shown whole."""
    output = run("reset", "--help", env={"COLUMNS": "400", "TERMINAL_WIDTH": "400"}).output
    assert "reset those through its control API." in output


def test_help_lists_the_commands():
    output = run("--help").output
    for name in ("serve", "seed", "demo", "reset", "accounts", "health"):
        assert name in output
    assert "create" in run("accounts", "--help").output


def test_accounts_create_prints_credentials_and_json(db):
    result = run("accounts", "create", "--user-name", "cli_user", "--api-key", "cliKey0000000001",
                 "--quota", "5", "--database", db)
    assert result.exit_code == 0, result.output
    assert "apiUser: cli_user_trigger" in result.output and "apiKey: cliKey0000000001" in result.output
    result = run("accounts", "create", "--json", "--template-review", "manual", env={"SC_EMULATOR_DATABASE_URL": db,
                                                                                   "SC_EMULATOR_ACCOUNT_USER_NAME": "env_user"})
    assert result.exit_code == 0, result.output
    view = json.loads(result.output)
    assert view["userName"] == "env_user" and view["templateReview"] == "manual" and len(view["apiKey"]) == 16
    # The accounts work against a server on the same database.
    with TestClient(create_app(Settings(database_url=db, webhook_probe=False))) as client:
        api = Api(client, view)
        assert api.code("userinfo/get") == 200
        info = Api(client, {"apiUser": "cli_user_trigger", "apiKey": "cliKey0000000001"}).call("userinfo/get")
        assert info["info"]["quota"] == 5
    clash = run("accounts", "create", "--user-name", "cli_user", "--database", db)
    assert clash.exit_code == 1 and "already exists" in clash.output


def test_accounts_create_refuses_a_bad_review_mode(db):
    result = run("accounts", "create", "--template-review", "sometimes", "--database", db)
    assert result.exit_code == 2


@pytest.mark.parametrize("args, field", [
    (["--user-name", "bad name!"], "userName"),
    (["--api-user", "ab"], "apiUser"),
    (["--batch-api-user", "bad-name"], "batchApiUser"),
    (["--api-key", "has space"], "apiKey"),
    (["--app-key", "x" * 65], "appKey"),
    (["--domain", "not a domain"], "domain"),
])
def test_accounts_create_applies_the_control_api_rules(db, args, field):
    result = run("accounts", "create", *args, "--database", db)
    assert result.exit_code == 1 and field in result.output, result.output
    assert dump(db)["account"] == []  # nothing was created


def test_accounts_create_takes_keys_the_control_api_takes(db):
    result = run("accounts", "create", "--json", "--api-key", "dummy-key-1", "--batch-api-key", "test_key",
                 "--app-key", "a!b~c", "--database", db)
    assert result.exit_code == 0, result.output
    view = json.loads(result.output)
    assert (view["apiKey"], view["batchApiKey"], view["appKey"]) == ("dummy-key-1", "test_key", "a!b~c")


@pytest.mark.parametrize("account, field", [
    ({"apiUser": "ab"}, "apiUser"),
    ({"userName": "bad name!"}, "userName"),
    ({"apiKey": "has space"}, "apiKey"),
    ({"quota": -1}, "quota"),
    ({"apiUsers": [{"name": "ab", "domain": "fx.sendcloud.org"}]}, "apiUsers"),
    ({"apiUsers": [{"name": "fx_extra", "apiKey": "a b", "domain": "fx.sendcloud.org"}]}, "apiKey"),
])
def test_fixtures_apply_the_control_api_rules(db, account, field):
    store = Store(db)
    store.create_schema()
    spec = {"userName": "fx_user", "domain": "fx.sendcloud.org", **account}
    with pytest.raises(accounts.AccountInvalid, match=field):
        fixtures.load(store, {"accounts": [spec]})
    store.engine.dispose()
    assert dump(db)["account"] == []  # nothing of the refused account was kept


def test_seed_loads_the_demo_fixtures(db):
    result = run("seed", ROOT / "fixtures" / "demo.json", "--database", db)
    assert result.exit_code == 0, result.output
    data = json.loads((ROOT / "fixtures" / "demo.json").read_text(encoding="utf-8"))
    first = data["accounts"][0]
    assert f"{first['userName']}: apiUser={first['apiUser']} apiKey={first['apiKey']}" in result.output
    with TestClient(create_app(Settings(database_url=db, webhook_probe=False))) as client:
        api = Api(client, first)
        assert api.call("label/list")["info"]["total"] == len(first["labels"])
        stats = {t["templateStat"] for t in api.call("template/list")["info"]["dataList"]}
        assert {1, 0, -1, -2} <= stats
        lists = api.call("addresslist/list")["info"]["dataList"]
        assert len(lists) == len(first["addressLists"])
        members = api.call("addressmember/list", address=first["addressLists"][0]["address"])["info"]
        assert members["total"] == len(first["addressLists"][0]["members"])
        domains = api.call("domain/list")["info"]["dataList"]
        assert {d["name"] for d in domains} >= {d["name"] for d in first["domains"]}
        users = {u["name"] for u in api.call("apiuser/list")["info"]["dataList"]}
        assert {u["name"] for u in first["apiUsers"]} <= users
        extra = first["apiUsers"][0]
        assert Api(client, {"apiUser": extra["name"], "apiKey": extra["apiKey"]}).code("userinfo/get") == 200
    # Seeding again leaves the accounts as they are.
    before = dump(db)
    assert run("seed", ROOT / "fixtures" / "demo.json", "--database", db).exit_code == 0
    assert dump(db) == before


def test_demo_fixtures_file_is_the_generators_configuration():
    from sendcloud_emulator.demo import config

    assert json.loads((ROOT / "fixtures" / "demo.json").read_text(encoding="utf-8")) == \
        json.loads(json.dumps(config(42, 2, "zh_CN"), ensure_ascii=False))


def test_packaged_default_fixtures_match_the_repository_copy():
    packaged = ROOT / "sendcloud_emulator" / "fixtures" / "default.json"
    assert packaged.read_bytes() == (ROOT / "fixtures" / "default.json").read_bytes()


NOW = "2026-11-20T12:00:00+08:00"


def test_demo_same_seed_gives_identical_data(tmp_path):
    urls = [f"sqlite:///{tmp_path / f'demo{i}.db'}" for i in range(3)]
    for url, seed in zip(urls, (7, 7, 8)):
        result = run("demo", "--seed", seed, "--mails", 80, "--locale", "zh_CN", "--now", NOW, "--database", url)
        assert result.exit_code == 0, result.output
        assert "80 mails" in result.output
    first, second, other = (dump(u) for u in urls)
    assert first["mail"] and first["mailevent"] and first["template"] and first["addressmember"]
    assert first == second  # nothing ignored: ids, keys, names, times, events
    assert first["mail"] != other["mail"]


def test_demo_without_now_differs_only_in_times(tmp_path):
    urls = [f"sqlite:///{tmp_path / f'free{i}.db'}" for i in range(2)]
    for url in urls:
        assert run("demo", "--seed", 3, "--mails", 20, "--database", url).exit_code == 0
    first, second = (dump(u) for u in urls)

    def timeless(data):
        # Documented in docs/fixtures.md: times (and the epoch-ms prefix of messageIds) follow the clock.
        out = {}
        for table, rows in data.items():
            out[table] = [{k: v for k, v in row.items()
                           if not (k.endswith("_at") or k.endswith("_time") or k in ("day", "message_id", "email_id",
                                                                                    "used"))}
                          for row in rows]
        return out

    assert timeless(first) == timeless(second)


def test_demo_traffic_looks_real(tmp_path):
    url = f"sqlite:///{tmp_path / 'real.db'}"
    now = datetime.fromisoformat(NOW)
    assert run("demo", "--seed", 42, "--mails", 200, "--locale", "en_US", "--now", NOW, "--database", url).exit_code == 0
    data = dump(url)
    mails, events = data["mail"], data["mailevent"]
    assert len(mails) == 200
    kinds = {e["event"] for e in events}
    assert {"request", "deliver", "invalid", "soft_bounce", "open", "click"} <= kinds
    statuses = [m["status"] for m in mails]
    assert statuses.count("deliver") > 0.75 * len(mails)
    times = [datetime.fromisoformat(str(m["request_time"])).replace(tzinfo=UTC) for m in mails]
    days = {t.date() for t in times}
    assert len(days) >= 20  # spread over the last 30 days
    assert all(now.astimezone(UTC) - t <= __import__("datetime").timedelta(days=30) for t in times)
    assert {m["template_invoke_name"] for m in mails} - {None}
    assert {m["label_id"] for m in mails} - {0}
    # Every mail has its request event and the ids follow §1.10.
    assert all("$" in m["email_id"] and m["message_id"].endswith(".sc-10_0_0_1-inbound") for m in mails)
    assert len({m["email_id"] for m in mails}) == len(mails)
    with TestClient(create_app(Settings(database_url=url, webhook_probe=False))) as client:
        total, status_words = 0, set()
        for name in ("demo1", "demo2"):
            api = Api(client, client.get(f"/_emulator/accounts/{name}").json())
            window = {"startDate": "2026-10-21", "endDate": "2026-11-20"}
            stats = api.call("statday/list", **window, aggregate="1")["info"]["dataList"]
            total += int(stats["requestNum"])
            assert 0 < int(stats["deliveredNum"]) < int(stats["requestNum"])
            assert int(stats["openNum"]) > 0 and int(stats["invalidEmailNum"]) > 0
            rows = api.call("statday/list", **window)["info"]["dataList"]
            assert len({r["sendDate"] for r in rows}) >= 15 and len({r["apiUser"] for r in rows}) >= 2
            status = api.call("data/emailStatus", startDate="2026-10-22", endDate="2026-11-20", limit="100")["info"]
            status_words |= {row["status"] for row in status["voList"]}
            assert int(status["total"]) > 50
            assert api.call("bounce/count", **window)["info"]["count"] >= 1
        assert total == 200
        assert {"delivered", "invalid"} <= status_words or {"投递成功", "无效邮件"} <= status_words


def test_reset_wipes_and_reloads_the_fixtures(db):
    assert run("accounts", "create", "--user-name", "gone_user", "--database", db).exit_code == 0
    result = run("reset", "--database", db)
    assert result.exit_code == 0, result.output
    rows = dump(db)["account"]
    assert [r["user_name"] for r in rows] == ["demo"]


def test_reset_of_one_account_keeps_its_configuration(db):
    assert run("demo", "--seed", 1, "--mails", 30, "--now", NOW, "--database", db).exit_code == 0
    before = dump(db)
    result = run("reset", "--account", "demo1", "--database", db)
    assert result.exit_code == 0, result.output
    after = dump(db)
    ids = {r["id"] for r in before["account"] if r["user_name"] == "demo1"}
    assert not [m for m in after["mail"] if m["account_id"] in ids]
    assert [m for m in after["mail"] if m["account_id"] not in ids]
    assert after["template"] == before["template"] and after["label"] == before["label"]
    assert run("reset", "--account", "nobody", "--database", db).exit_code == 1


def test_accounts_clock_moves_one_accounts_clock(db):
    import json

    assert run("accounts", "create", "--user-name", "traveller", "--database", db).exit_code == 0
    assert run("accounts", "create", "--user-name", "stayer", "--database", db).exit_code == 0
    result = run("accounts", "clock", "traveller", "--advance", 3600, "--database", db)
    assert result.exit_code == 0, result.output
    view = json.loads(result.output)
    assert view["offsetSeconds"] == 3600 and view["frozen"] is False and view["now"].endswith("+08:00")
    frozen = json.loads(run("accounts", "clock", "traveller", "--freeze", "--database", db).output)
    assert frozen["frozen"] is True
    assert json.loads(run("accounts", "clock", "traveller", "--database", db).output)["now"] == frozen["now"]
    moved = json.loads(run("accounts", "clock", "traveller", "--to", "2040-01-02T03:04:05", "--database", db).output)
    assert moved == {"now": "2040-01-02T03:04:05+08:00", "offsetSeconds": moved["offsetSeconds"], "frozen": True}
    refused = run("accounts", "clock", "traveller", "--to", "2039-01-01T00:00:00+08:00", "--database", db)
    assert refused.exit_code == 1 and "never runs backwards" in refused.output
    assert json.loads(run("accounts", "clock", "stayer", "--database", db).output)["offsetSeconds"] == 0
    assert str(dump(db)["accountclock"][0]["frozen_at"]).startswith("2040-01-01 19:04:05")  # stored as UTC
    back = json.loads(run("accounts", "clock", "traveller", "--real-time", "--database", db).output)
    assert back["offsetSeconds"] == 0 and back["frozen"] is False
    assert dump(db)["accountclock"] == []
    assert run("accounts", "clock", "nobody", "--database", db).exit_code == 1
