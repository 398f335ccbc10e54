"""What `serve` checks before it starts, in this order, each failure one line naming the thing and
the fix: the port (before anything is loaded), the database (a SQLite path that cannot be made or
written, an unreachable PostgreSQL), the fixtures file (missing or invalid). A missing directory
that can be made is made.
"""

import errno
import json
import os
import socket
from pathlib import Path


class Refused(Exception):
    """A start-up check failed; str() is the one line to print."""


def check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # the same option uvicorn binds with, so a port in TIME_WAIT is not reported as taken
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise Refused(f"port {port} on {host} is already in use: stop the other server or choose "
                          f"another port with --port (SC_EMULATOR_PORT)") from None
        if error.errno in (errno.EACCES, errno.EPERM):
            raise Refused(f"port {port} on {host} needs more privileges: choose a port above 1023 with --port "
                          "(SC_EMULATOR_PORT)") from None
        raise Refused(f"cannot listen on {host}:{port} ({error.strerror or error}): choose another address "
                      "with --host (SC_EMULATOR_HOST) or port with --port (SC_EMULATOR_PORT)") from None


def check_database(url: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
    except (ArgumentError, ValueError):
        raise Refused(f"database URL {url!r} is not a URL: fix --database (SC_EMULATOR_DATABASE_URL), "
                      "e.g. sqlite:///./data/emulator.db") from None
    if backend == "sqlite":
        _check_sqlite(parsed.database)
    elif backend == "postgresql":
        _check_postgresql(parsed)
    else:
        raise Refused(f"database {backend!r} is not supported: use sqlite:///… or postgresql+psycopg://… "
                      "with --database (SC_EMULATOR_DATABASE_URL)")


def _check_sqlite(database: str | None) -> None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    fix = "choose another path with --database (SC_EMULATOR_DATABASE_URL)"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise Refused(f"cannot create the database directory {path.parent} ({error.strerror or error}): {fix}") from None
    if path.is_dir():
        raise Refused(f"the database path {path} is a directory: {fix}")
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            raise Refused(f"the database file {path} cannot be written: fix its permissions or {fix}")
    if not os.access(path.parent, os.W_OK | os.X_OK):  # SQLite also writes its -wal and -shm files there
        raise Refused(f"the database directory {path.parent} cannot be written: fix its permissions or {fix}")


def _check_postgresql(parsed) -> None:
    import psycopg

    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"
    try:
        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, connect_timeout=5):
            pass
    except Exception as error:  # refused, unknown host, wrong password, missing database, timeout
        reason = str(error).strip().splitlines()[0].strip() if str(error).strip() else type(error).__name__
        raise Refused(f"cannot reach PostgreSQL at {where} ({reason}): start it or fix --database "
                      "(SC_EMULATOR_DATABASE_URL)") from None


def check_fixtures(path: str | None) -> None:
    if not path:
        return
    fix = "fix the file (docs/fixtures.md) or --fixtures (SC_EMULATOR_FIXTURES)"
    file = Path(path).expanduser()
    if not file.is_file():
        raise Refused(f"fixtures file {path} does not exist: {fix}")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise Refused(f"fixtures file {path} cannot be read ({error.strerror or error}): {fix}") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise Refused(f"fixtures file {path} is not valid JSON ({error}): {fix}") from None
    if not isinstance(data, dict) or not isinstance(data.get("accounts", []), list):
        raise Refused(f"fixtures file {path} is not an object with an `accounts` list: {fix}")
    from .domain import accounts

    for index, spec in enumerate(data.get("accounts", [])):
        if not isinstance(spec, dict):
            raise Refused(f"fixtures file {path}: accounts[{index}] is not an object: {fix}")
        try:
            accounts.check_spec(spec)
        except accounts.AccountInvalid as error:
            raise Refused(f"fixtures file {path}: accounts[{index}]: {error}: {fix}") from None


def run(settings) -> None:
    """Every check, in order; raises Refused with the first failure."""
    check_port(settings.host, settings.port)
    check_database(settings.database_url)
    check_fixtures(settings.fixtures)
