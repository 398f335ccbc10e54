"""Clear start-up errors (issue 13 item 7): one line naming the thing and the fix, a non-zero exit,
and nothing loaded first (the port is checked before the database and the fixtures)."""

import os
import socket
import subprocess
import sys

import pytest

from sendcloud_emulator import preflight


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SC_EMULATOR_")}
    return subprocess.run([sys.executable, "-m", "sendcloud_emulator", "serve", *args], capture_output=True,
                          text=True, timeout=180, env=env, cwd=cwd)


def one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    return lines[0]


def test_a_port_in_use_is_one_line_and_nothing_is_loaded(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        fixtures = tmp_path / "fixtures.json"
        fixtures.write_text('{"accounts": [{"userName": "never_loaded"}]}')
        db = tmp_path / "new" / "emulator.db"
        line = one_line(serve("--port", str(port), "--database", f"sqlite:///{db}", "--fixtures", str(fixtures)))
    assert f"port {port}" in line and "--port" in line
    assert not db.exists() and not db.parent.exists()  # nothing was loaded, not even the schema


def test_a_database_directory_that_cannot_be_made(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    line = one_line(serve("--port", str(free_port()), "--database", f"sqlite:///{blocker}/sub/emulator.db"))
    assert str(blocker) in line and "--database" in line


def test_a_database_path_that_is_a_directory(tmp_path):
    line = one_line(serve("--port", str(free_port()), "--database", f"sqlite:///{tmp_path}"))
    assert str(tmp_path) in line and "--database" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes every file")
def test_a_database_file_that_cannot_be_written(tmp_path):
    db = tmp_path / "emulator.db"
    db.write_bytes(b"")
    db.chmod(0o444)
    line = one_line(serve("--port", str(free_port()), "--database", f"sqlite:///{db}"))
    assert str(db) in line and "cannot be written" in line


def test_an_unreachable_postgresql(tmp_path):
    port = free_port()  # nothing listens there
    line = one_line(serve("--port", str(free_port()), "--database",
                          f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"))
    assert f"127.0.0.1:{port}/test" in line and "PostgreSQL" in line and "--database" in line


@pytest.mark.parametrize(("content", "words"), [
    (None, "does not exist"), ("{not json", "not valid JSON"), ('["a"]', "`accounts` list"),
    ('{"accounts": [{"userName": "ok", "apiUser": "ab"}]}', "accounts[0]"),
])
def test_a_missing_or_invalid_fixtures_file(tmp_path, content, words):
    fixtures = tmp_path / "fixtures.json"
    if content is not None:
        fixtures.write_text(content)
    db = tmp_path / "made" / "emulator.db"
    line = one_line(serve("--port", str(free_port()), "--database", f"sqlite:///{db}",
                          "--fixtures", str(fixtures)))
    assert str(fixtures) in line and words in line and "--fixtures" in line
    assert db.parent.is_dir() and not db.exists()  # the missing directory is made; nothing is loaded


def test_a_missing_directory_that_can_be_made_is_made(tmp_path):
    db = tmp_path / "x" / "y" / "emulator.db"
    preflight.check_database(f"sqlite:///{db}")
    assert db.parent.is_dir()


def test_an_unknown_time_zone_is_one_line(tmp_path):
    env_run = subprocess.run([sys.executable, "-m", "sendcloud_emulator", "serve", "--port", str(free_port())],
                             capture_output=True, text=True, timeout=180,
                             env={**os.environ, "SC_EMULATOR_TIMEZONE": "Mars/Olympus"})
    line = one_line(env_run)
    assert "SC_EMULATOR_TIMEZONE" in line
