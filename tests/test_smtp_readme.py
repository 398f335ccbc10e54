"""README "Sending over SMTP": its Django settings and its smtplib snippet, run as they are against a
real `serve` process with the default account (what a staging app does: change host and port only)."""

import os
import subprocess
import sys

import httpx
import pytest

from . import live
from .readme import snippet

DJANGO_APP = """
import json

import django

django.setup()
from django.core.mail import EmailMultiAlternatives

message = EmailMultiAlternatives("Welcome %name%", "Hi %name%", to=["carl@example.com"], cc=["dora@example.com"],
                                 headers={"X-SC-Request-Id": "signup-1"})
message.attach_alternative("<p>Hi %name%</p>", "text/html")
message.extra_headers["X-SMTPAPI"] = json.dumps({"sub": {"%name%": ["Carl"]}})
assert message.send() == 1
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("smtp-readme") / "emulator.db"
    smtp_port = live.free_port()
    env = {**os.environ, "SC_EMULATOR_WEBHOOK_PROBE": "false", "SC_EMULATOR_LOG_LEVEL": "warning"}
    process, base = live.start(f"sqlite:///{db}", env, smtp_port=smtp_port)
    try:
        live.wait_ready(process, base)
        yield base, smtp_port
    finally:
        live.stop(process)


def run(tmp_path, name: str, code: str, smtp_port: int, **env) -> None:
    (tmp_path / name).write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, name], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SC_EMULATOR_SMTP_PORT": str(smtp_port), **env})
    assert done.returncode == 0, done.stdout + done.stderr


def mails(base: str, to: str) -> list[dict]:
    return httpx.get(f"{base}/_emulator/mails", params={"to": to}, timeout=60).json()["items"]


def test_readme_smtplib_snippet(server, tmp_path):
    base, smtp_port = server
    run(tmp_path, "send.py", snippet("smtp-smtplib"), smtp_port)
    [ben], [ann] = mails(base, "ben@example.com"), mails(base, "ann@example.com")
    assert (ben["subject"], ann["subject"]) == ("Your code, Ben", "Your code, Ann")
    assert ben["messageId"] == ann["messageId"] and ann["emailId"] == f"{ann['messageId']}1$ann@example.com"
    assert (ann["source"], ann["apiUser"], ann["account"], ann["from"]) == ("smtp", "demo_trigger", "demo",
                                                                         "support@example.com")
    full = httpx.get(f"{base}/_emulator/mails/{ann['emailId']}", timeout=60).json()
    assert full["html"] == "<p>Hi Ann, your code is 5678</p>"


def test_readme_django_settings_send_through_the_smtp_door(server, tmp_path):
    base, smtp_port = server
    (tmp_path / "settings.py").write_text(snippet("smtp-django"), encoding="utf-8")
    run(tmp_path, "app.py", DJANGO_APP, smtp_port, DJANGO_SETTINGS_MODULE="settings")
    [carl] = mails(base, "carl@example.com")
    assert (carl["source"], carl["subject"], carl["from"], carl["fromName"]) == ("smtp", "Welcome Carl",
                                                                               "support@example.com", "Support")
    [dora] = mails(base, "dora@example.com")
    assert dora["subject"] == "Welcome Carl"  # no xsmtpapi `to`: sub[0] serves every RCPT address
    full = httpx.get(f"{base}/_emulator/mails/{carl['emailId']}", timeout=60).json()
    assert (full["plain"], full["html"], full["cc"]) == ("Hi Carl", "<p>Hi Carl</p>", ["dora@example.com"])
    # The same request id again is a duplicate request: Django raises the 554.
    with pytest.raises(AssertionError) as failed:
        run(tmp_path, "app.py", DJANGO_APP, smtp_port, DJANGO_SETTINGS_MODULE="settings")
    assert "SMTPDataError: (554, b'5.7.1 duplicate request')" in str(failed.value)
