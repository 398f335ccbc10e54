"""Standing robustness tests (issue 13 item 8).

- Property: hostile values for every parameter of every /apiv2 action (any Unicode, lone
  surrogates, control and line-break characters, huge and padded integers, JSON fragments; UTF-8
  or UTF-7 bodies) always answer HTTP 200 with the envelope and a code the action declares; never
  5xx, never 501.
- Crash: SIGKILL the server during parallel sends; after a restart every acknowledged emailId is
  there.
"""

import os
import signal
import string
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote_from_bytes

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendcloud_emulator.routes import ACTIONS

from . import live

HOSTILE = ["", " ", "\x00", "\ud800", "a\udfffb", "\r\nBcc: x@example.com", "\u2028", "\x85", "\x0b",
           "9" * 5000, "0" * 5000 + "1", "-1", "2147483648", "1e309", "NaN", "１２", "null", "{}", "[]",
           '{"to":["\\ud800"]}', '{"X-A":"\\udc00"}', '{"%a%":["x\\r\\ny"]}', "%", "%00", ";;;", "名" * 300,
           "<script>alert(1)</script>", "a@b", "x@example.com", "Ann <a@example.com>", "http://127.0.0.1:1/x",
           "all", "true", "0", "1", "2026-02-30", "2026-01-01 25:00:00", "\ufeff", "\u202e"]
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40),
                   st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=12),
                   st.integers(min_value=-(10**30), max_value=10**30).map(str),
                   st.text(alphabet=string.digits, min_size=4290, max_size=4310))


def _declared(entry) -> tuple[str, ...]:
    return tuple(getattr(entry.handler, "params", ()))


REQUESTS = st.sampled_from(ACTIONS).flatmap(
    lambda entry: st.tuples(st.just(entry),
                            st.dictionaries(st.sampled_from(_declared(entry) or ("x",)), VALUES, max_size=6),
                            st.sampled_from(["utf-8", "utf-7"]),
                            st.sampled_from(entry.methods)))


def _encode(text: str, charset: str) -> str:
    data = text.encode("utf-7") if charset == "utf-7" else text.encode("utf-8", "surrogatepass")
    return quote_from_bytes(data)


@settings(max_examples=80, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(request=REQUESTS)
def test_hostile_values_in_every_parameter_answer_a_declared_code(api, request):
    entry, params, charset, method = request
    fields = [("apiUser", api.api_user), ("apiKey", api.api_key), *params.items()]
    body = "&".join(f"{_encode(k, charset)}={_encode(v, charset)}" for k, v in fields)
    path = f"/apiv2/{entry.module}/{entry.action}"
    if method == "GET":
        response = api.client.get(f"{path}?{body}")
    else:
        response = api.client.post(path, content=body.encode("ascii"),
                                   headers={"content-type": f"application/x-www-form-urlencoded; charset={charset}"})
    assert response.status_code == 200, (entry.module, entry.action, params, response.text[:300])
    answer = response.json()
    assert set(answer) == {"result", "statusCode", "message", "info"}, answer
    code = answer["statusCode"]
    assert code != 501, (entry.module, entry.action, params, charset)
    assert code in entry.handler.declaration.codes, (entry.module, entry.action, params, code)
    assert answer["result"] is (code in (200, 40821))


# a crash loses nothing that was acknowledged --------------------------------------------------------
SENDERS = 8
ACKS_BEFORE_KILL = 40


def test_sigkill_during_parallel_sends_keeps_every_acknowledged_mail(tmp_path):
    db = f"sqlite:///{tmp_path / 'emulator.db'}"
    env = {**os.environ, "SC_EMULATOR_WEBHOOK_PROBE": "false", "SC_EMULATOR_LOG_LEVEL": "warning"}
    process, base = live.start(db, env)
    acknowledged: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()
    stop = threading.Event()
    try:
        live.wait_ready(process, base)
        account = httpx.post(f"{base}/_emulator/accounts", json={"userName": "crash"}, timeout=60).json()
        data = {"apiUser": account["apiUser"], "apiKey": account["apiKey"], "from": "s@example.com",
                "subject": "kept", "html": "<p>x</p>"}

        def sender(worker: int) -> None:
            with httpx.Client(base_url=base, timeout=30) as http:
                number = 0
                while not stop.is_set():
                    number += 1
                    try:
                        answer = http.post("/apiv2/mail/send",
                                           data={**data, "to": f"w{worker}n{number}@example.com"}).json()
                    except (httpx.HTTPError, ValueError):
                        return  # the server is gone
                    if answer.get("statusCode") == 200:
                        with lock:
                            acknowledged.extend(answer["info"]["emailIdList"])
                            if len(acknowledged) >= ACKS_BEFORE_KILL:
                                enough.set()

        with ThreadPoolExecutor(max_workers=SENDERS) as pool:
            for worker in range(SENDERS):
                pool.submit(sender, worker)
            assert enough.wait(180), "the sends were not acknowledged"
            os.kill(process.pid, signal.SIGKILL)  # while the other senders are mid-request
            process.wait(timeout=60)
            stop.set()
        with lock:
            kept = list(acknowledged)
    finally:
        stop.set()
        if process.poll() is None:
            process.kill()
    assert len(kept) >= ACKS_BEFORE_KILL
    restarted, base = live.start(db, env)
    try:
        live.wait_ready(restarted, base)
        with httpx.Client(base_url=base, timeout=60) as http:
            missing = [eid for eid in kept if http.get(f"/_emulator/mails/{eid}").status_code != 200]
            stored = http.get("/_emulator/mails", params={"account": "crash", "limit": 500}).json()["total"]
    finally:
        live.stop(restarted)
    assert missing == [], f"{len(missing)} of {len(kept)} acknowledged mails are lost"
    assert stored >= len(kept)
