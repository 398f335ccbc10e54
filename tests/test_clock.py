"""The per-account clock (control-api.md "Clock (per account)") and the one rule for stored times."""

import re
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import sendcloud_emulator
from sendcloud_emulator.domain.clock import UTCDateTime, fmt, iso, parse_iso

PACKAGE = Path(sendcloud_emulator.__file__).parent
# Reads of the wall clock. time.monotonic (timeouts, waits) is no time of account data.
SYSTEM_CLOCK = re.compile(r"datetime\.now\(|datetime\.utcnow\(|date\.today\(|time\.time\(|utcnow\(|"
                          r"func\.now\(|CURRENT_TIMESTAMP|localtime\(|gmtime\(")


def test_only_the_clock_module_reads_the_system_clock():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SYSTEM_CLOCK.search(line):
                found.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert [f for f in found if not f.startswith("domain/clock.py:")] == []
    assert any("datetime.now(UTC)" in f for f in found)  # the one read is there (the pattern works)


def test_every_stored_time_is_a_utc_column():
    from sqlalchemy import DateTime
    from sqlmodel import SQLModel

    import sendcloud_emulator.domain  # noqa: F401 (registers every table)
    times = [(t.name, c.name, type(c.type).__name__) for t in SQLModel.metadata.sorted_tables for c in t.columns
             if isinstance(c.type, (DateTime, UTCDateTime))]
    assert len(times) > 20
    assert [entry for entry in times if entry[2] != "UTCDateTime"] == []


def test_a_naive_stored_time_is_utc_and_shown_in_the_zone():
    from zoneinfo import ZoneInfo

    column = UTCDateTime()
    shanghai = ZoneInfo("Asia/Shanghai")
    stored = column.process_bind_param(datetime(2026, 11, 26, 10, 15, 24, tzinfo=shanghai), None)
    assert stored == datetime(2026, 11, 26, 2, 15, 24) and stored.tzinfo is None
    assert column.process_bind_param(datetime(2026, 11, 26, 2, 15, 24), None) == stored  # naive means UTC
    back = column.process_result_value(stored, None)
    assert back == datetime(2026, 11, 26, 2, 15, 24, tzinfo=UTC) and back.tzinfo is UTC
    assert fmt(back, shanghai) == "2026-11-26 10:15:24" and fmt(None, shanghai) == ""
    assert iso(back, shanghai) == "2026-11-26T10:15:24+08:00" and iso(None, shanghai) is None
    assert parse_iso("2026-11-26T10:15:24", shanghai) == back  # no offset: the emulator's zone
    assert parse_iso("2026-11-26T02:15:24Z", shanghai) == back
    assert parse_iso("2026-11-26T03:15:24+01:00", shanghai) == back
    assert parse_iso("2026-11-26T03:15:24+01:00", shanghai).tzinfo is UTC
    assert back.astimezone(timezone(timedelta(hours=-5))).hour == 21


# the control API ---------------------------------------------------------------------------------
import threading  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from sqlmodel import select  # noqa: E402

from sendcloud_emulator.app import create_app  # noqa: E402
from sendcloud_emulator.domain.webhook import WebhookDelivery  # noqa: E402

from sendcloud_emulator.settings import Settings  # noqa: E402

from .conftest import Api, make_settings, new_account  # noqa: E402
from .pg import BACKENDS, database, servers  # noqa: E402
from .receiver import Receiver  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
SIM = "sim.sendcloud.test"


@pytest.fixture(scope="module", params=BACKENDS)
def app_client(request, tmp_path_factory):
    """An emulator with SendCloud's real webhook schedule (retry scale 1): only the clock makes retries due.
    On SQLite and, when configured, PostgreSQL (the due query compares each account's clock in SQL)."""
    with database(request.param, tmp_path_factory.mktemp("clock")) as url:
        settings = Settings(database_url=url, webhook_probe=False, webhook_retry_scale=1.0)
        with TestClient(create_app(settings)) as client:
            yield client


def clock_of(client, user: str) -> dict:
    response = client.get(f"/_emulator/accounts/{user}/clock")
    assert response.status_code == 200, response.text
    return response.json()


def set_clock(client, user: str, **body) -> dict:
    response = client.put(f"/_emulator/accounts/{user}/clock", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def reading(view: dict) -> datetime:
    return datetime.fromisoformat(view["now"])


def send(api: Api, to: str, **params) -> dict:
    return api.call("mail/send", **{"from": "shop@example.com", "to": to, "subject": "S", "html": "<p>x</p>",
                                    **params})


def test_clock_routes_follow_the_contract(client):
    user = new_account(client)["userName"]
    before = datetime.now(UTC)
    view = clock_of(client, user)
    assert view["offsetSeconds"] == 0 and view["frozen"] is False
    assert view["now"].endswith("+08:00")  # the emulator's zone (Asia/Shanghai)
    assert before - timedelta(seconds=1) <= reading(view) <= datetime.now(UTC) + timedelta(seconds=1)

    view = set_clock(client, user, advanceSeconds=3600)
    assert view["offsetSeconds"] == 3600 and view["frozen"] is False
    view = set_clock(client, user, frozen=True)
    assert view["frozen"] is True
    assert clock_of(client, user)["now"] == view["now"]  # it stands still
    frozen_at = reading(view)
    view = set_clock(client, user, advanceSeconds=90.5)
    assert view["frozen"] is True
    assert timedelta(seconds=90) <= reading(view) - frozen_at <= timedelta(seconds=91)  # shown to the second

    target = datetime(2031, 2, 3, 4, 5, 6, tzinfo=SHANGHAI)
    view = set_clock(client, user, now="2031-02-03T04:05:06")  # no offset: the emulator's zone
    assert view["now"] == "2031-02-03T04:05:06+08:00" and view["frozen"] is True
    view = set_clock(client, user, now="2031-02-02T22:05:07Z", frozen=False)  # combinable
    assert view["frozen"] is False and reading(view) >= target + timedelta(seconds=1)
    assert view["offsetSeconds"] > 4 * 365 * 86400

    for body in ({"now": "2031-02-03T04:05:06+08:00"},  # earlier than the account's time: never backwards
                 {"advanceSeconds": 0}, {"advanceSeconds": -5}, {}, {"now": "yesterday"},
                 {"advanceSeconds": 5, "now": "2040-01-01T00:00:00Z"}, {"advanceSeconds": 1e12},
                 {"frozen": "maybe"}, {"now": "9999-12-31T23:00:00-05:00"}, {"now": "9999-12-31T00:00:00+08:00"},
                 {"advanceSeconds": "NaN"}):
        response = client.put(f"/_emulator/accounts/{user}/clock", json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["detail"]
    assert client.get("/_emulator/accounts/nobody_here/clock").status_code == 404
    assert client.put("/_emulator/accounts/nobody_here/clock", json={"frozen": True}).status_code == 404
    assert client.delete("/_emulator/accounts/nobody_here/clock").status_code == 404

    assert client.delete(f"/_emulator/accounts/{user}/clock").status_code == 204
    view = clock_of(client, user)
    assert view["offsetSeconds"] == 0 and view["frozen"] is False
    assert abs(reading(view) - datetime.now(UTC)) < timedelta(seconds=5)
    # the same reader serves the outbox's `since`: a time past the representable range is 400, not a 500
    assert client.get("/_emulator/mails", params={"since": "9999-12-31T23:00:00-05:00"}).status_code == 400
    paths = client.get("/openapi.json").json()["paths"]
    assert {"get", "put", "delete"} <= set(paths["/_emulator/accounts/{user_name}/clock"])


def test_reset_of_the_account_resets_its_clock(client):
    user = new_account(client)["userName"]
    set_clock(client, user, advanceSeconds=86400 * 3, frozen=True)
    assert client.post("/_emulator/reset", params={"account": user}).status_code == 204
    view = clock_of(client, user)
    assert view == {"now": view["now"], "offsetSeconds": 0, "frozen": False}
    assert abs(reading(view) - datetime.now(UTC)) < timedelta(seconds=5)


def test_everything_the_account_records_reads_its_clock(client):
    account = new_account(client)
    api = Api(client, account)
    user = account["userName"]
    set_clock(client, user, now="2030-05-06T07:08:09+08:00", frozen=True)
    reply = send(api, f"open@{SIM}")
    assert reply["statusCode"] == 200
    epoch_ms = int(datetime(2030, 5, 6, 7, 8, 9, tzinfo=SHANGHAI).timestamp() * 1000)
    assert reply["info"]["emailIdList"][0].startswith(f"{epoch_ms}_")  # the id's epoch part
    [mail] = client.get("/_emulator/mails", params={"account": user}).json()["items"]
    assert mail["createdAt"] == "2030-05-06T07:08:09+08:00"
    events = client.get("/_emulator/events", params={"account": user}).json()["items"]
    assert [(e["event"], e["createdAt"]) for e in events] == [
        ("request", "2030-05-06T07:08:09+08:00"), ("deliver", "2030-05-06T07:08:09+08:00"),
        ("open", "2030-05-06T07:08:09+08:00")]
    set_clock(client, user, advanceSeconds=60)
    injected = client.post("/_emulator/events", json={"emailId": mail["emailId"], "event": "click"})
    assert injected.status_code == 201 and injected.json()["createdAt"] == "2030-05-06T07:09:09+08:00"
    label = api.call("label/add", labelName="travel")["info"]["data"]
    assert label["gmtCreated"] == "2030-05-06 07:09:09"
    status = api.call("data/emailStatus", days=1)["info"]["voList"]
    assert [(s["requestTime"], s["modifiedTime"]) for s in status] == [("2030-05-06 07:08:09", "2030-05-06 07:08:09")]
    assert api.call("data/emailStatus", startDate="2030-05-06", endDate="2030-05-06")["info"]["total"] == "1"
    info = api.call("userinfo/get")["info"]
    assert info["todayUsedQuota"] == 1


def test_a_mail_sent_at_the_stroke_of_local_midnight_is_in_that_day(client):
    # a whole-second reading: the stored time must compare with the day's bound as written, not drop out
    account = new_account(client)
    api = Api(client, account)
    set_clock(client, account["userName"], now="2030-05-07T00:00:00+08:00", frozen=True)
    assert send(api, f"a@{SIM};b@{SIM}")["statusCode"] == 200
    assert api.call("data/emailStatus", startDate="2030-05-07", endDate="2030-05-07")["info"]["total"] == "2"
    assert api.call("data/emailStatus", startDate="2030-05-06", endDate="2030-05-06")["info"]["total"] == "0"
    status = api.call("data/emailStatus", days=1)["info"]["voList"]
    assert [s["requestTime"] for s in status] == ["2030-05-07 00:00:00"] * 2


# what time travel makes testable -------------------------------------------------------------------
@pytest.fixture(scope="module", params=["Asia/Shanghai", "America/New_York"])
def zoned_client(request, tmp_path_factory):
    with TestClient(create_app(make_settings(tmp_path_factory, timezone=request.param))) as client:
        yield client, ZoneInfo(request.param)


def test_quota_used_up_today_is_available_again_after_local_midnight(zoned_client):
    client, zone = zoned_client
    account = new_account(client, quota=2)
    api, user = Api(client, account), account["userName"]
    set_clock(client, user, frozen=True)
    assert send(api, "a@example.com;b@example.com")["statusCode"] == 200
    assert send(api, "c@example.com")["statusCode"] == 40904
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 2

    now = reading(clock_of(client, user)).astimezone(zone)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    to_midnight = (midnight - now).total_seconds()
    if to_midnight > 2:  # one second before the local midnight: still today
        view = set_clock(client, user, advanceSeconds=to_midnight - 1)
        assert reading(view).astimezone(zone).date() == now.date()
        assert send(api, "c@example.com")["statusCode"] == 40904
    view = set_clock(client, user, now=midnight.isoformat())  # the account's local day changes
    assert reading(view).astimezone(zone) == midnight
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 0
    assert send(api, "c@example.com;d@example.com")["statusCode"] == 200
    assert send(api, "e@example.com")["statusCode"] == 40904
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 2


def test_a_send_request_id_is_remembered_for_one_hour(client):
    account = new_account(client)
    api, user = Api(client, account), account["userName"]
    set_clock(client, user, frozen=True)
    assert send(api, "a@example.com", sendRequestId="order-42")["statusCode"] == 200
    set_clock(client, user, advanceSeconds=59 * 60)
    assert send(api, "a@example.com", sendRequestId="order-42")["statusCode"] == 40000
    set_clock(client, user, advanceSeconds=2 * 60)  # 61 minutes after the accepted request
    assert send(api, "a@example.com", sendRequestId="order-42")["statusCode"] == 200
    assert send(api, "a@example.com", sendRequestId="order-42")["statusCode"] == 40000  # remembered anew
    assert len(client.get("/_emulator/mails", params={"account": user}).json()["items"]) == 2


def attempts_of(client, user: str, count: int) -> list[dict]:
    """The account's callback attempts once there are `count` of them (the worker is woken by each clock change)."""
    deadline = time.monotonic() + 30
    while True:
        found = client.get("/_emulator/webhook-deliveries", params={"account": user}).json()["items"]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def test_every_webhook_retry_comes_in_order_as_the_clock_advances(app_client):
    client = app_client
    account = new_account(client)
    api, user = Api(client, account), account["userName"]
    with Receiver(default=503) as receiver:
        assert api.call("webhook/add", categoryName="all", event="deliver,open", url=receiver.url)["statusCode"] == 200
        start = reading(set_clock(client, user, frozen=True))
        [email_id] = send(api, "ben@example.com")["info"]["emailIdList"]
        found = attempts_of(client, user, 1)
        assert [(a["attempt"], a["status"]) for a in found] == [(1, "retrying")]
        for number, minutes in enumerate((1, 2, 4, 8, 16), start=2):
            last = found[-1]
            due = datetime.fromisoformat(last["nextAttemptAt"])
            assert due - datetime.fromisoformat(last["sentAt"]) == timedelta(minutes=minutes)
            assert len(attempts_of(client, user, 0)) == number - 1  # not due until the clock gets there
            set_clock(client, user, advanceSeconds=minutes * 60)
            found = attempts_of(client, user, number)
            assert [a["attempt"] for a in found] == list(range(1, number + 1))
            assert datetime.fromisoformat(found[-1]["sentAt"]) == due  # sent at the account's time it fell due
        assert [a["status"] for a in found] == ["retrying"] * 5 + ["failed"]
        assert found[-1]["nextAttemptAt"] is None
        assert datetime.fromisoformat(found[-1]["sentAt"]) - start.replace(microsecond=0) < timedelta(minutes=32)
        # A day later there is still no seventh attempt: a later callback to the same URL is the marker.
        receiver.default = 200
        set_clock(client, user, advanceSeconds=86400)
        assert client.post("/_emulator/events", json={"emailId": email_id, "event": "open"}).status_code == 201
        found = attempts_of(client, user, 7)
        assert [(a["event"], a["attempt"], a["status"]) for a in found[6:]] == [("open", 1, "delivered")]
        assert len([f for f in receiver.forms() if f["event"] == "deliver"]) == 6
        [timestamp] = {f["timestamp"] for f in receiver.forms() if f["event"] == "deliver"}  # one payload
        assert int(timestamp) // 1000 == int(start.timestamp())  # the account's time of the event


def test_advancing_makes_every_pending_retry_due_at_once(app_client):
    client = app_client
    account = new_account(client)
    api, user = Api(client, account), account["userName"]
    with Receiver(statuses=[503, 503, 503]) as receiver:
        api.call("webhook/add", categoryName="all", event="deliver", url=receiver.url)
        set_clock(client, user, frozen=True)
        for to in ("a@example.com", "b@example.com", "c@example.com"):
            send(api, to)
        assert [a["attempt"] for a in attempts_of(client, user, 3)] == [1, 1, 1]
        set_clock(client, user, advanceSeconds=16 * 60)
        found = attempts_of(client, user, 6)
        assert [(a["attempt"], a["status"]) for a in found[3:]] == [(2, "delivered")] * 3


def test_back_to_real_time_keeps_the_wait_a_retry_had_left(app_client):
    client = app_client
    account = new_account(client)
    api, user = Api(client, account), account["userName"]
    with Receiver(default=503) as receiver:
        api.call("webhook/add", categoryName="all", event="deliver", url=receiver.url)
        set_clock(client, user, advanceSeconds=30 * 86400)
        send(api, "ben@example.com")
        [first] = attempts_of(client, user, 1)
        assert client.delete(f"/_emulator/accounts/{user}/clock").status_code == 204
        with client.app.state.store.session() as session:
            [pending] = session.exec(select(WebhookDelivery).where(WebhookDelivery.url == receiver.url)).all()
        left = pending.next_attempt_at - datetime.now(UTC)
        assert timedelta(seconds=0) < left <= timedelta(minutes=1)  # not 30 days away
        assert first["attempt"] == 1


def test_statistics_group_mails_of_three_days_sent_at_three_clock_readings(client):
    account = new_account(client)
    api, user = Api(client, account), account["userName"]
    day = reading(clock_of(client, user)).astimezone(SHANGHAI).date() + timedelta(days=10)
    plan = [(day, "10:30:00", 1), (day + timedelta(days=1), "23:59:30", 2), (day + timedelta(days=2), "00:00:10", 3)]
    for when, clock_time, count in plan:
        set_clock(client, user, now=f"{when.isoformat()}T{clock_time}", frozen=True)
        to = ";".join(f"r{i}@{SIM}" if i else f"invalid+{when.day}@{SIM}" for i in range(count))
        assert send(api, to)["statusCode"] == 200
    first, last = plan[0][0].isoformat(), plan[-1][0].isoformat()
    rows = api.call("statday/list", startDate=first, endDate=last)["info"]["dataList"]
    assert [(r["sendDate"], r["requestNum"], r["deliveredNum"], r["invalidEmailsNum"]) for r in rows] == [
        (first, 1, 0, 1), ((day + timedelta(days=1)).isoformat(), 2, 1, 1), (last, 3, 2, 1)]
    hours = api.call("stathour/list", startDate=first, endDate=last)["info"]["dataList"]
    assert [(h["sendDate"], h["sendHour"], h["requestNum"]) for h in hours] == [
        (first, 10, 1), ((day + timedelta(days=1)).isoformat(), 23, 2), (last, 0, 3)]
    # `days` counts back from the account's day, not the real one
    assert [r["sendDate"] for r in api.call("statday/list", days=1)["info"]["dataList"]] == [last]
    assert [r["sendDate"] for r in api.call("statday/list", days=2)["info"]["dataList"]] == \
        [(day + timedelta(days=1)).isoformat(), last]
    assert len(api.call("statday/list", days=3)["info"]["dataList"]) == 3
    invalid = api.call("invalidstat/list", days=3)["info"]["dataList"]
    assert [(r["sendDate"], r["recipientNotFound"]) for r in invalid] == [
        (first, 1), ((day + timedelta(days=1)).isoformat(), 1), (last, 1)]


def test_the_rate_limit_window_slides_with_the_clock(client):
    account = new_account(client, rateLimitPerMinute=3)
    api, user = Api(client, account), account["userName"]
    set_clock(client, user, frozen=True)
    assert [api.code("userinfo/get") for _ in range(4)] == [200, 200, 200, 50001]
    set_clock(client, user, advanceSeconds=59)
    assert api.code("userinfo/get") == 50001  # still inside the minute
    assert api.code("userinfo/get") == 50001
    set_clock(client, user, advanceSeconds=1)  # the three requests are a minute old now
    assert [api.code("userinfo/get") for _ in range(4)] == [200, 200, 200, 50001]
    set_clock(client, user, advanceSeconds=30)
    assert api.code("userinfo/get") == 50001
    # back to real time (the clock jumps back 90 s): hits that now lie ahead do not block the account
    assert client.delete(f"/_emulator/accounts/{user}/clock").status_code == 204
    assert api.code("userinfo/get") == 200


def test_parallel_accounts_keep_real_time_while_one_travels(client):
    traveller = new_account(client)
    others = [new_account(client) for _ in range(3)]
    stop = threading.Event()

    def travel():
        moves = 0
        while not stop.is_set() and moves < 200:
            set_clock(client, traveller["userName"], advanceSeconds=86400)
            moves += 1
        return moves

    def stay(account) -> list[tuple[datetime, datetime, dict]]:
        api, seen = Api(client, account), []
        for i in range(5):
            before = datetime.now(UTC)
            reply = send(api, f"p{i}@example.com", sendRequestId=f"same-{i}")
            assert reply["statusCode"] == 200, reply
            after = datetime.now(UTC)
            [mail] = client.get("/_emulator/mails", params={"account": account["userName"], "limit": 1}).json()["items"]
            seen.append((before, after, mail))
        return seen

    with ThreadPoolExecutor(max_workers=4) as pool:
        moving = pool.submit(travel)
        results = list(pool.map(stay, others))
        stop.set()
        moves = moving.result()
    assert moves >= 1
    for account, seen in zip(others, results, strict=True):
        view = clock_of(client, account["userName"])
        assert view["offsetSeconds"] == 0 and view["frozen"] is False
        for before, after, mail in seen:
            created = datetime.fromisoformat(mail["createdAt"])
            assert before.replace(microsecond=0) <= created <= after  # real time, to the second
        assert Api(client, account).call("userinfo/get")["info"]["todayUsedQuota"] == 5
    travelled = reading(clock_of(client, traveller["userName"])) - datetime.now(UTC)
    assert travelled >= timedelta(days=moves) - timedelta(minutes=1)


def test_every_server_process_reads_the_same_account_clock(tmp_path):
    import httpx

    with database("sqlite", tmp_path) as url, servers(url, 2) as (one, two):
        account = httpx.post(f"{one}/_emulator/accounts", json={"quota": 1}, timeout=60).json()
        user = account["userName"]
        moved = httpx.put(f"{one}/_emulator/accounts/{user}/clock", json={"advanceSeconds": 86400, "frozen": True},
                          timeout=60).json()
        seen = httpx.get(f"{two}/_emulator/accounts/{user}/clock", timeout=60).json()
        assert (seen["now"], seen["frozen"]) == (moved["now"], True)
        data = {"apiUser": account["apiUser"], "apiKey": account["apiKey"], "from": "a@example.com",
                "to": "b@example.com", "subject": "S", "html": "<p>x</p>"}
        assert httpx.post(f"{two}/apiv2/mail/send", data=data, timeout=60).json()["statusCode"] == 200
        assert httpx.post(f"{one}/apiv2/mail/send", data=data, timeout=60).json()["statusCode"] == 40904
        [mail] = httpx.get(f"{one}/_emulator/mails", params={"account": user}, timeout=60).json()["items"]
        assert mail["createdAt"] == moved["now"]
