"""Server logs users can use: start-up lines that say where everything is, no health-check or UI
polling noise at INFO, and JSON lines with `--log-format json` or its env twin."""

import json
import logging
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from sendcloud_emulator import __version__, logs
from tests import live


def _free_port() -> int:
    # `serve --port` is what is tested here, so the port is chosen then closed (the process tests of
    # tests/live.py hand over a bound socket instead; a clash would fail loudly at start-up).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(tmp_path, *args: str, env_extra: dict | None = None) -> tuple[list[str], str]:
    """A real `serve` process: start it, poll its health, make one API call, stop it → (lines, base URL)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SC_EMULATOR_")}
    env.update(env_extra or {})
    out = tmp_path / "server.log"
    with out.open("w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "sendcloud_emulator", "serve", "--port", str(port),
                                    "--database", f"sqlite:///{tmp_path}/db.sqlite", "--smtp-port", "0", *args],
                                   env=env, stdout=sink, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            live.wait_ready(process, base)
            for _ in range(3):
                assert httpx.get(f"{base}/_emulator/health", timeout=10).status_code == 200
            for stream in ("/ui/mails/stream", "/ui/mails/no-such-mail/stream"):  # open, read the first line, leave
                with httpx.stream("GET", f"{base}{stream}", timeout=10) as events:
                    assert next(events.iter_lines()).startswith("retry: ")
            reply = httpx.post(f"{base}/apiv2/userinfo/get", data={"apiUser": "demo_trigger",
                                                                  "apiKey": "demoTriggerKey01"}, timeout=10)
            assert reply.json()["statusCode"] == 200
        finally:
            live.stop(process)
    return out.read_text(encoding="utf-8").splitlines(), base


def test_text_logs_name_everything_and_skip_polling(tmp_path):
    lines, base = _serve(tmp_path)
    text = "\n".join(lines)
    assert f"sendcloud-emulator {__version__}" in text
    assert f"database: sqlite:///{tmp_path}/db.sqlite" in text
    assert f"HTTP API: {base}/apiv2 (docs {base}/docs)" in text
    assert f"web UI: {base}/" in text
    assert '"POST /apiv2/userinfo/get HTTP/1.1" 200' in text  # the user's requests are logged
    assert "/_emulator/health" not in text and "/ui/mails/" not in text


@pytest.mark.parametrize("how", ["option", "env"])
def test_json_logs_are_one_object_per_line(tmp_path, how):
    args, env = (("--log-format", "json"), None) if how == "option" else ((), {"SC_EMULATOR_LOG_FORMAT": "json"})
    lines, base = _serve(tmp_path, *args, env_extra=env)
    entries = [json.loads(line) for line in lines if line.strip()]
    messages = [e["message"] for e in entries]
    assert f"web UI: {base}/" in messages and f"sendcloud-emulator {__version__}" in messages
    access = [e for e in entries if e["logger"] == "uvicorn.access"]
    assert [(e["method"], e["path"], e["status"]) for e in access] == [("POST", "/apiv2/userinfo/get", 200)]
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)


def test_polling_is_logged_at_debug():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", "/_emulator/health", "1.1", 200), None)
    quiet = logs.QuietPolling()
    logger = logging.getLogger("uvicorn.access")
    old = logger.level
    try:
        logger.setLevel(logging.INFO)
        assert quiet.filter(record) is False
        logger.setLevel(logging.DEBUG)
        assert quiet.filter(record) is True and record.levelname == "DEBUG"
    finally:
        logger.setLevel(old)


def test_startup_lines_hide_the_database_password_and_name_other_doors():
    lines = logs.startup_lines("1.2.3", "postgresql+psycopg://app:secret@db:5432/sc", "0.0.0.0", 8000,
                               [("SMTP", "smtp://127.0.0.1:2525")])
    assert lines == ["sendcloud-emulator 1.2.3", "database: postgresql+psycopg://app:***@db:5432/sc",
                     "HTTP API: http://127.0.0.1:8000/apiv2 (docs http://127.0.0.1:8000/docs)",
                     "SMTP: smtp://127.0.0.1:2525", "web UI: http://127.0.0.1:8000/"]


def test_startup_lines_show_an_address_a_user_can_open():
    assert logs.shown_host("0.0.0.0") == "127.0.0.1" and logs.shown_host("::") == "[::1]"
    assert logs.shown_host("::1") == "[::1]" and logs.shown_host("localhost") == "localhost"
    assert logs.startup_lines("1", "sqlite:///x.db", "::", 8000, [])[-1] == "web UI: http://[::1]:8000/"


def _lines_until(process: subprocess.Popen, out, last: str, timeout: float = 120) -> list[str]:
    """The log lines of `process` up to the first that starts with `last` (the start-up lines end so)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        lines = out.read_text(encoding="utf-8").splitlines()
        if any(line.split(":", 1)[-1].strip().startswith(last) for line in lines):
            return lines
        time.sleep(0.1)
    raise AssertionError(f"no {last!r} line: {out.read_text(encoding='utf-8')}")


@pytest.mark.parametrize("smtp", ["off", "on"])
def test_port_0_start_up_lines_name_the_port_really_bound(tmp_path, smtp):
    """`serve --port 0` takes a free port; the start-up lines name it (not 0), and it serves there.
    `--smtp-port 0` turns SMTP off (no SMTP line); a given SMTP port is named as health shows it."""
    smtp_port = live.free_port() if smtp == "on" else 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("SC_EMULATOR_")}
    out = tmp_path / "server.log"
    with out.open("w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "sendcloud_emulator", "serve", "--port", "0",
                                    "--database", f"sqlite:///{tmp_path}/db.sqlite", "--smtp-port", str(smtp_port)],
                                   env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            lines = _lines_until(process, out, "web UI")
            [ui] = [line.split("web UI: ", 1)[1] for line in lines if "web UI: " in line]
            [api] = [line.split("HTTP API: ", 1)[1] for line in lines if "HTTP API: " in line]
            base = ui.rstrip("/")
            host, port = base.removeprefix("http://").rsplit(":", 1)
            assert host == "127.0.0.1" and int(port) > 0
            assert api == f"{base}/apiv2 (docs {base}/docs)"
            health = httpx.get(f"{base}/_emulator/health", timeout=10).json()
            smtp_lines = [line.split("SMTP: ", 1)[1] for line in lines if "SMTP: " in line]
            if smtp == "off":
                assert smtp_lines == [] and health["smtp"] == {"port": None, "smtps": None}
            else:
                assert smtp_lines == [f"smtp://127.0.0.1:{smtp_port}"] and health["smtp"]["port"] == smtp_port
            assert httpx.get(f"{base}/docs", timeout=10).status_code == 200
        finally:
            live.stop(process)
