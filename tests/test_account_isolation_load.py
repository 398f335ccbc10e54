"""One account never stalls another (issue 13 item 4), over a real server.

Account A has a 3 s fault rule with 45 requests waiting on it and 3 webhook probes in flight to a
receiver that holds them; account B's latency (a read and a write) is compared with B's own idle
latency measured in the same test. Each side is summed up by its lower quartile: a stall holds every
request of B up (the fault and the probes stay in flight the whole time), while a burst of load
from other processes on the machine only slows some of them. Before, the fault slept in worker threads (40 of them) and the
probe ran inside the write transaction, so B waited seconds.
"""

import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from . import live
from .conftest import wait_until
from .receiver import Receiver

A_REQUESTS = 45
PROBES = 3
FACTOR = 20  # generous: a loaded machine slows B a little; a stall is hundreds of times slower


@pytest.fixture
def probing_server(tmp_path):
    env = {**os.environ, "SC_EMULATOR_WEBHOOK_PROBE": "true", "SC_EMULATOR_LOG_LEVEL": "warning"}
    process, base = live.start(f"sqlite:///{tmp_path / 'emulator.db'}", env)
    try:
        live.wait_ready(process, base)
        yield base
    finally:
        live.stop(process)


def _timed(http: httpx.Client, path: str, data: dict) -> float:
    started = time.perf_counter()
    answer = http.post(path, data=data).json()
    elapsed = time.perf_counter() - started
    assert answer["statusCode"] == 200, answer
    return elapsed


def _b_latency(http: httpx.Client, creds: dict, rounds: int, tag: str) -> tuple[float, float]:
    """B's lower-quartile read and write latencies over `rounds` requests of each."""
    reads = [_timed(http, "/apiv2/userinfo/get", creds) for _ in range(rounds)]
    writes = [_timed(http, "/apiv2/label/add", {**creds, "labelName": f"{tag}{i}"}) for i in range(rounds)]
    return statistics.quantiles(reads, n=4)[0], statistics.quantiles(writes, n=4)[0]


def test_one_accounts_faults_and_probes_never_stall_another(probing_server):
    base = probing_server
    gate = threading.Event()
    receiver = Receiver(gate=gate)
    with httpx.Client(base_url=base, timeout=60) as http:
        a = http.post("/_emulator/accounts", json={"userName": "slow_a"}).json()
        b = http.post("/_emulator/accounts", json={"userName": "quick_b"}).json()
        a_creds = {"apiUser": a["apiUser"], "apiKey": a["apiKey"]}
        b_creds = {"apiUser": b["apiUser"], "apiKey": b["apiKey"]}
        _b_latency(http, b_creds, 5, "warm")  # connections, caches
        idle_read, idle_write = _b_latency(http, b_creds, 15, "idle")

        rule = {"rules": [{"apiUser": a["apiUser"], "latencyMs": 3000, "module": "userinfo"}]}
        assert http.put("/_emulator/faults", json=rule).status_code == 200

        stop = threading.Event()

        def a_slow(_):  # keeps one request waiting on the fault until B is measured
            codes = set()
            with httpx.Client(base_url=base, timeout=60) as own:
                while not stop.is_set():
                    codes.add(own.post("/apiv2/userinfo/get", data=a_creds).json()["statusCode"])
            return codes

        def a_probe(i):  # keeps one probe in flight until B is measured (each held up to its 3 s)
            codes, n = set(), 0
            with httpx.Client(base_url=base, timeout=60) as own:
                while not stop.is_set():
                    n += 1
                    codes.add(own.post("/apiv2/webhook/add", data={**a_creds, "categoryName": "all", "event": "deliver",
                                                                   "url": f"{receiver.url}{i}x{n}"}).json()["statusCode"])
            return codes

        with ThreadPoolExecutor(max_workers=A_REQUESTS + PROBES) as pool:
            slow = [pool.submit(a_slow, i) for i in range(A_REQUESTS)]
            probes = [pool.submit(a_probe, i) for i in range(PROBES)]
            try:
                wait_until(lambda: len(receiver.requests) >= PROBES, "the probes did not arrive")
                wait_until(lambda: http.get("/_emulator/faults").json()["rules"][0]["fired"] >= A_REQUESTS // 2,
                            "A's requests did not reach the fault")
                loaded_read, loaded_write = _b_latency(http, b_creds, 15, "loaded")
                still_waiting = sum(not f.done() for f in slow + probes)
            finally:
                stop.set()
                gate.set()
            assert set().union(*(f.result() for f in slow)) == {200}
            # a probe held past its 3 s answers 40707: it was in flight all the same
            assert set().union(*(f.result() for f in probes)) <= {200, 40707}
    receiver.server.shutdown()
    assert still_waiting > 0  # B was measured while A's work was in flight
    assert loaded_read <= FACTOR * idle_read, (idle_read, loaded_read)
    assert loaded_write <= FACTOR * idle_write, (idle_write, loaded_write)
