"""Demo data that looks real: documented outcome shares for any seed, mails built from coherent
scenarios (label, template, subject, HTML and text agree, in the locale's language), address lists
whose members' names match their vars, every credential printed, a progress bar on long runs."""

import json
import re
from collections import Counter
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sendcloud_emulator import demo
from sendcloud_emulator import demo_content as content
from sendcloud_emulator.app import create_app
from sendcloud_emulator.cli import PROGRESS_FROM, app
from sendcloud_emulator.domain.accounts import ApiUser
from sendcloud_emulator.domain.addresslist import AddressList, AddressMember
from sendcloud_emulator.domain.label import Label
from sendcloud_emulator.domain.outbox import Mail
from sendcloud_emulator.settings import Settings
from sendcloud_emulator.store.db import Store
from sqlmodel import select

NOW = datetime.fromisoformat("2026-11-20T12:00:00+08:00")
CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%[a-z_]+%")


def generated(tmp_path, seed: int, mails: int, locale: str = "zh_CN", **options) -> Store:
    store = Store(f"sqlite:///{tmp_path / f'demo_{seed}_{mails}_{locale}.db'}")
    store.create_schema()
    demo.generate(store, seed=seed, mails=mails, locale=locale, now=NOW, **options)
    return store


@pytest.mark.parametrize("seed,mails", [(1, 100), (7, 137), (42, 500), (2026, 250), (99, 1000)])
def test_outcome_shares_are_the_documented_ones(tmp_path, seed, mails):
    store = generated(tmp_path, seed, mails)
    with store.session() as session:
        statuses = Counter(session.exec(Mail.__table__.select().with_only_columns(Mail.status)).scalars())
    assert sum(statuses.values()) == mails
    shares = {status: 100 * statuses[status] / mails for status in ("deliver", "invalid", "soft_bounce")}
    # docs/fixtures.md: about 90 % delivered, 5 % invalid, 5 % soft bounces (within 2 points)
    assert abs(shares["deliver"] - 90) <= 2, shares
    assert abs(shares["invalid"] - 5) <= 2, shares
    assert abs(shares["soft_bounce"] - 5) <= 2, shares
    assert statuses["invalid"] > 0 and statuses["soft_bounce"] > 0


@pytest.mark.parametrize("locale,lang", [("zh_CN", "zh"), ("en_US", "en")])
def test_every_mail_follows_one_scenario(tmp_path, locale, lang):
    store = generated(tmp_path, 5, 300, locale)
    by_label = {s.label[lang]: s for s in content.SCENARIOS}
    crowd = {p["email"]: p for p in demo.people(5, locale, 300)}
    seen = Counter()
    with store.session() as session:
        labels = {row.id: row.name for row in session.exec(select(Label)).all()}
        kinds = {row.name: row.email_type for row in session.exec(select(ApiUser)).all()}
        for mail in session.exec(select(Mail)).all():
            scenario = by_label[labels[mail.label_id]]  # every mail has its scenario's label
            seen[scenario.key] += 1
            values = json.loads(mail.variables)
            assert mail.subject == content.render(scenario.subject[lang], values)
            assert mail.html == content.render(content.html(scenario, lang), values)
            assert mail.plain == content.render(content.plain(scenario, lang), values)
            for text in (mail.subject, mail.html, mail.plain):
                assert not PLACEHOLDER.search(text), text
                assert bool(CJK.search(text)) == (lang == "zh" or bool(CJK.search(values["company"]))), text
            # Sent as its template when that template is approved, else as plain content.
            expected = scenario.key if scenario.stat == 1 else None
            assert mail.template_invoke_name == expected
            assert kinds[mail.api_user] == (1 if scenario.batch else 0)
            assert mail.from_name == values["company"]
            # The mail greets its recipient by the recipient's own name.
            person = crowd[mail.recipient]
            assert values["name"] == person["name"] and f"{person['name']}" in mail.plain
            if scenario.key in ("order_confirmation", "order_shipped"):
                assert values["order"] in mail.subject and values["address"] == person["address"]
    assert set(seen) == {s.key for s in content.SCENARIOS}  # 300 mails show every scenario


@pytest.mark.parametrize("locale,lang", [("zh_CN", "zh"), ("en_US", "en")])
def test_configuration_is_coherent(locale, lang):
    data = demo.config(11, 2, locale)
    crowd = {p["email"]: p for p in demo.people(11, locale, demo.PEOPLE)}
    for account in data["accounts"]:
        assert account["labels"] == [s.label[lang] for s in content.SCENARIOS]
        templates = {t["invokeName"]: t for t in account["templates"]}
        assert set(templates) == {s.key for s in content.SCENARIOS}
        assert {t["templateStat"] for t in templates.values()} == {1, 0, -1, -2}
        for scenario in content.SCENARIOS:
            entry = templates[scenario.key]
            assert entry["name"] == scenario.label[lang] and entry["subject"] == scenario.subject[lang]
            assert entry["templateType"] == (1 if scenario.batch else 0)
        assert [lst["name"] for lst in account["addressLists"]] == [n[lang] for _a, n, _d, _l in content.ADDRESS_LISTS]
        for lst in account["addressLists"]:
            assert lst["desc"] and 15 <= len(lst["members"]) <= 40
            for member in lst["members"]:
                assert member["name"] == member["vars"]["name"] == crowd[member["member"]]["name"]
                assert member["vars"]["city"] == crowd[member["member"]]["city"]
                assert member["vars"]["level"] in content.LEVELS[lang]
            if lang == "zh":
                assert CJK.search(lst["name"]) and all(CJK.search(m["name"]) for m in lst["members"])
            else:
                assert not CJK.search(lst["name"]) and not any(CJK.search(m["name"]) for m in lst["members"])


def test_stored_members_keep_their_names(tmp_path):
    store = generated(tmp_path, 3, 0, "en_US")
    with store.session() as session:
        members = session.exec(select(AddressMember)).all()
        assert len(session.exec(select(AddressList)).all()) == 4 and members
        for member in members:
            assert json.loads(member.vars)["name"] == member.name


def test_same_seed_same_mails_other_seed_other_mails(tmp_path):
    def mails(store):
        with store.session() as session:
            return [(m.email_id, m.subject, m.status, m.variables) for m in session.exec(select(Mail).order_by(Mail.id))]

    runs = []
    for folder, seed in (("a", 8), ("b", 8), ("c", 9)):
        (tmp_path / folder).mkdir()
        runs.append(mails(generated(tmp_path / folder, seed, 120)))
    first, second, other = runs
    assert first == second and first != other


def test_generate_reports_progress(tmp_path):
    calls: list[int] = []
    generated(tmp_path, 4, 150, progress=calls.append)
    assert sum(calls) == 150 and len(calls) > 10  # one call per send


def test_demo_command_prints_every_credential_and_a_progress_bar_on_long_runs(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(app, ["demo", "--seed", "6", "--mails", str(PROGRESS_FROM), "--now", NOW.isoformat(),
                                      "--database", url])
    assert result.exit_code == 0, result.output
    assert result.stderr.lstrip().startswith("mails")  # the bar's label (drawn in full on a terminal)
    with TestClient(create_app(Settings(database_url=url, webhook_probe=False))) as client:
        for name in ("demo1", "demo2"):
            view = client.get(f"/_emulator/accounts/{name}").json()
            for key in ("apiKey", "batchApiKey", "appKey"):
                assert f"{key}={view[key]}" in result.stdout
            assert len(view["apiUsers"]) == 4
            for user in view["apiUsers"]:
                assert re.search(rf"[aA]piUser={user['name']} (batchA|a)piKey={user['apiKey']}", result.stdout), user
    assert f"{PROGRESS_FROM} mails" in result.stdout
    short = CliRunner().invoke(app, ["demo", "--seed", "6", "--mails", "10", "--now", NOW.isoformat(),
                                     "--database", f"sqlite:///{tmp_path / 'short.db'}"])
    assert short.exit_code == 0 and "mails\n" not in short.stderr and short.stderr.strip() == ""
