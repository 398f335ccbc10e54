"""The pytest plugin (sendcloud_emulator/pytest_plugin.py): the README example, run in-process and against a
running server, and the fixtures used directly by this suite."""

import os
import subprocess
import sys
import threading
import time

import httpx
import pytest

import sendcloud_emulator.pytest_plugin as plugin

from .conftest import on_first_empty_look
from .pg import database, servers
from .readme import snippet


def run_example(tmp_path, *extra: str, **env) -> subprocess.CompletedProcess:
    (tmp_path / "test_example.py").write_text(snippet("pytest-example"), encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SC_EMULATOR_"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_example.py", *extra],
                          cwd=tmp_path, env={**clean, **env}, capture_output=True, text=True, timeout=240)


def test_readme_example_passes_with_the_in_process_emulator(tmp_path):
    # A second file checks that the helpers really fail: a mail that never comes fails its test.
    (tmp_path / "test_never.py").write_text(
        "def test_never(sendcloud_account):\n"
        "    sendcloud_account.wait_for(to='nobody@example.com', timeout=0.5)\n", encoding="utf-8")
    result = run_example(tmp_path, "test_never.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 3 passed" in result.stdout
    assert "FAILED test_never.py::test_never" in result.stdout
    assert "no mail matching {'to': 'nobody@example.com'} within 0.5s" in result.stdout


def test_readme_example_passes_against_a_running_server(tmp_path):
    with database("sqlite", tmp_path) as url, servers(url, 1, env={"SC_EMULATOR_ADMIN_TOKEN": "ci-token"}) as (base,):
        result = run_example(tmp_path, SC_EMULATOR_URL=base, SC_EMULATOR_ADMIN_TOKEN="ci-token")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "3 passed" in result.stdout
        # The accounts the tests used are gone, and the faults were cleared.
        auth = {"Authorization": "Bearer ci-token"}
        assert [a["userName"] for a in httpx.get(f"{base}/_emulator/accounts", headers=auth, timeout=60).json()] == ["demo"]
        assert httpx.get(f"{base}/_emulator/faults", headers=auth, timeout=60).json() == {"rules": []}


def test_readme_testing_time_example_passes(tmp_path):
    # A second file checks that the clock really moves only the test's own account.
    (tmp_path / "test_time.py").write_text(snippet("testing-time"), encoding="utf-8")
    (tmp_path / "test_isolated.py").write_text(
        "from datetime import datetime\n\n\n"
        "def test_other_accounts_keep_real_time(sendcloud_emulator, sendcloud_account):\n"
        "    other = sendcloud_emulator.create_account()\n"
        "    sendcloud_account.advance(seconds=7200)\n"
        "    mine, theirs = sendcloud_account.clock(), other.clock()\n"
        "    assert mine['offsetSeconds'] == 7200\n"
        "    assert {k: v for k, v in theirs.items() if k != 'now'} == {'offsetSeconds': 0, 'frozen': False}\n"
        "    ahead = datetime.fromisoformat(mine['now']) - datetime.fromisoformat(theirs['now'])\n"
        "    assert 7100 < ahead.total_seconds() <= 7200  # read one after the other: theirs a little later\n"
        "    sendcloud_account.reset()\n"
        "    assert sendcloud_account.clock()['offsetSeconds'] == 0\n"
        "    sendcloud_emulator.delete_account(other.user_name)\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SC_EMULATOR_"))}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_time.py",
                             "test_isolated.py"], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_plugin_fixture_names_are_prefixed():
    names = [name for name in dir(plugin) if hasattr(getattr(plugin, name), "_pytestfixturefunction")
             or type(getattr(plugin, name)).__name__ == "FixtureFunctionDefinition"]
    assert sorted(names) == ["sendcloud_account", "sendcloud_emulator"]


# The fixtures used directly (this suite has the plugin installed like any user's suite).
def _send(account, to: str, subject: str = "Hi") -> str:
    reply = account.call("mail/send", **{"from": "a@example.com", "to": to, "subject": subject, "html": "<p>x</p>"})
    assert reply["statusCode"] == 200, reply
    return reply["info"]["emailIdList"][0]


def test_accounts_are_isolated(sendcloud_emulator, sendcloud_account):
    other = sendcloud_emulator.create_account()
    try:
        mine = _send(sendcloud_account, "ben@example.com")
        theirs = _send(other, "ben@example.com")
        assert [m["emailId"] for m in sendcloud_account.mails(to="ben@example.com")] == [mine]
        assert [m["emailId"] for m in other.mails()] == [theirs]
        assert sendcloud_account.mail(mine)["to"]
        assert sendcloud_account.call("userinfo/get", batch=True)["statusCode"] == 200
    finally:
        sendcloud_emulator.delete_account(other.user_name)


def test_wait_for_returns_a_mail_that_arrives_later(sendcloud_account, monkeypatch):
    # The mail is sent only once wait_for's long poll has looked and found nothing.
    sender = threading.Thread(target=_send, args=(sendcloud_account, "late@example.com", "Later"))
    on_first_empty_look(monkeypatch, "late@example.com", sender.start)
    mail = sendcloud_account.wait_for(to="late@example.com", timeout=10)
    assert sender.ident is not None  # it waited for the mail (a timeout would have raised)
    sender.join()
    assert mail["subject"] == "Later"


def test_wait_for_times_out(sendcloud_account):
    started = time.monotonic()
    with pytest.raises(AssertionError, match="no mail matching"):
        sendcloud_account.wait_for(to="never@example.com", timeout=0.3)
    assert time.monotonic() - started >= 0.3


def test_reset_wipes_only_this_accounts_traffic(sendcloud_account):
    _send(sendcloud_account, "x@example.com")
    label = sendcloud_account.call("label/add", labelName="kept")["info"]["data"]["labelId"]
    sendcloud_account.reset()
    assert sendcloud_account.mails() == []
    assert sendcloud_account.call("label/get", labelId=label)["statusCode"] == 200


def test_events_of_a_mail(sendcloud_account):
    email_id = _send(sendcloud_account, "open@sim.sendcloud.test")
    events = sendcloud_account.events(emailId=email_id)
    assert [e["event"] for e in events] == ["request", "deliver", "open"]
    assert all(e["emailId"] == email_id for e in events)
    assert sendcloud_account.events(emailId="nothing") == []


def test_smtp_host_and_port_reach_the_emulators_smtp_door(sendcloud_emulator, sendcloud_account):
    import smtplib

    with smtplib.SMTP(sendcloud_emulator.smtp_host, sendcloud_emulator.smtp_port, timeout=60) as smtp:
        smtp.login(sendcloud_account.api_user, sendcloud_account.api_key)
        smtp.sendmail("a@example.com", ["smtp@example.com"], "Subject: over SMTP\r\nFrom: a@example.com\r\n\r\nhi")
    mail = sendcloud_account.wait_for(to="smtp@example.com")
    assert (mail["subject"], mail["source"]) == ("over SMTP", "smtp")
