"""Two server processes sharing one database (api.md §1.11 Atomicity): one sendRequestId wins once
across both, and the outbox long-poll of one process sees a mail the other accepted."""

import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from . import live


def _start(db: str) -> tuple:
    env = {**os.environ, "SC_EMULATOR_WEBHOOK_PROBE": "false", "SC_EMULATOR_LOG_LEVEL": "warning"}
    return live.start(db, env)


def _ready(process, base: str) -> None:
    live.wait_ready(process, base, "an emulator process did not start")


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    db = f"sqlite:///{tmp_path_factory.mktemp('shared') / 'emulator.db'}"
    first = _start(db)
    _ready(*first)  # the first creates the schema; the second then starts on it
    second = _start(db)
    try:
        _ready(*second)
        yield first[1], second[1]
    finally:
        for process, _ in (first, second):
            live.stop(process)


def _account(base: str) -> dict:
    created = httpx.post(f"{base}/_emulator/accounts", json={"userName": f"proc_{uuid.uuid4().hex[:10]}"})
    assert created.status_code == 201, created.text
    return created.json()


def test_send_request_id_once_across_processes(two_servers):
    account = _account(two_servers[0])
    data = {"apiUser": account["apiUser"], "apiKey": account["apiKey"], "from": "s@example.com",
            "to": "race@example.com", "subject": "s", "html": "h", "sendRequestId": "one-id"}
    barrier = threading.Barrier(20)

    def send(i: int) -> int:
        with httpx.Client(base_url=two_servers[i % 2], timeout=120) as http:
            barrier.wait()
            response = http.post("/apiv2/mail/send", data=data)
            assert response.status_code == 200
            return response.json()["statusCode"]

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(send, range(20)))
    assert sorted(codes) == [200] + [40000] * 19, codes
    listed = httpx.get(f"{two_servers[1]}/_emulator/mails", params={"account": account["userName"]}).json()
    assert listed["total"] == 1


def test_wait_in_one_process_sees_a_send_in_the_other(two_servers):
    account = _account(two_servers[0])
    target = f"late-{uuid.uuid4().hex[:8]}@example.com"

    def later():
        time.sleep(1.0)
        httpx.post(f"{two_servers[1]}/apiv2/mail/send",
                   data={"apiUser": account["apiUser"], "apiKey": account["apiKey"], "from": "s@example.com",
                         "to": target, "subject": "from the other process", "html": "h"}, timeout=60)

    worker = threading.Thread(target=later)
    worker.start()
    response = httpx.get(f"{two_servers[0]}/_emulator/mails", params={"to": target, "wait": 15}, timeout=60)
    worker.join()
    assert [m["subject"] for m in response.json()["items"]] == ["from the other process"]
