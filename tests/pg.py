"""Test databases: a SQLite file, or a fresh PostgreSQL schema when SC_EMULATOR_TEST_POSTGRES_URL is set.

Each PostgreSQL database handed out is a new schema (search_path set in the URL), dropped at the
end, so parallel runs and xdist workers never see each other's tables.
"""

import os
import subprocess
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from . import live

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
def servers(url: str, count: int, env: dict | None = None, workers: int = 1, timeout: float = 120):
    """`count` emulator servers on one database (each `workers` processes on one port); yields their base URLs."""
    environment = {**os.environ, "SC_EMULATOR_WEBHOOK_PROBE": "false", **(env or {})}
    started = []
    try:
        for _ in range(count):
            started.append(live.start(url, environment, workers=workers, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE))
        for process, base in started:
            live.wait_ready(process, base, f"{base} did not start", timeout)
        yield [base for _, base in started]
    finally:
        for process, _ in started:
            live.stop(process)
