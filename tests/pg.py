"""Test databases: a SQLite file, or a fresh PostgreSQL schema when SC_EMULATOR_TEST_POSTGRES_URL is set.

Each PostgreSQL database handed out is a new schema (search_path set in the URL), dropped at the
end, so parallel runs and xdist workers never see each other's tables.
"""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from .live import free_port

POSTGRES_URL = os.environ.get("SC_EMULATOR_TEST_POSTGRES_URL") or None
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@contextmanager
def database(backend: str, tmp_path):
    """A database URL for `backend` that nothing else uses; removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'store-{uuid.uuid4().hex[:8]}.db'}"
        return
    schema = f"sc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@contextmanager
def servers(url: str, count: int, env: dict | None = None, args: list[str] | None = None, timeout: float = 120):
    """`count` `sendcloud-emulator serve` processes on one database (extra `args` each); yields their base URLs."""
    procs, bases = [], []
    environment = {**os.environ, "SC_EMULATOR_WEBHOOK_PROBE": "false", **(env or {})}
    try:
        for _ in range(count):
            port = free_port()
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "sendcloud_emulator", "serve", "--port", str(port), "--database", url,
                 "--log-level", "warning", *(args or [])], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            bases.append(f"http://127.0.0.1:{port}")
        for proc, base in zip(procs, bases):
            wait_healthy(base, proc, timeout)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_healthy(base: str, proc: subprocess.Popen | None = None, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode(errors='replace')}")
        try:
            if httpx.get(f"{base}/_emulator/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{base} not healthy after {timeout}s")
