"""statday, stathour and invalidstat (api.md §2.10–§2.12, §4.3): numbers equal hand counts."""

import json

import pytest

from .conftest import Api
from .pg import BACKENDS, database

SIM = "sim.sendcloud.test"


def send(api: Api, to: str, **params) -> list[str]:
    answer = api.call("mail/send", **{"from": "shop@example.com", "to": to, "subject": "S", "html": "<p>x</p>",
                                      **params})
    assert answer["statusCode"] == 200, answer
    return answer["info"]["emailIdList"]


def inject(client, email_id: str, event: str, **extra) -> None:
    response = client.post("/_emulator/events", json={"emailId": email_id, "event": event, **extra})
    assert response.status_code == 201, response.text


@pytest.fixture
def scenario(api, client):
    """10 sends: 6 deliver, 2 invalid, 1 soft bounce, 1 spam; 3 opens by 2 recipients."""
    ids = {}
    for i in range(6):
        ids[f"d{i}"] = send(api, f"deliver+{i}@{SIM}", labelName="promo")[0]
    ids["i0"] = send(api, f"invalid@{SIM}", labelName="promo")[0]
    ids["i1"] = send(api, f"invalid-403@{SIM}", labelName="promo")[0]
    ids["s0"] = send(api, f"softbounce@{SIM}", labelName="promo")[0]
    ids["p0"] = send(api, f"spam@{SIM}", labelName="promo")[0]
    inject(client, ids["d0"], "open")
    inject(client, ids["d0"], "open")
    inject(client, ids["d1"], "open")
    label_id = api.call("label/list", query="promo")["info"]["dataList"][0]["labelId"]
    return ids, label_id


def test_statday_counts_scenario(api, scenario):
    _, label_id = scenario
    info = api.call("statday/list", days=1)["info"]
    assert info["count"] == 1 and info["total"] == 1
    row = info["dataList"][0]
    assert row["apiUser"] == api.api_user and row["domain"] == SIM
    assert row["labelId"] == label_id and row["labelName"] == "promo"
    assert len(row["sendDate"]) == 10
    expected = {"requestNum": 10, "deliveredNum": 7, "clickNum": 0, "openNum": 3, "bounceNum": 1,
                "spamReportedNum": 1, "unsubscribeNum": 0, "uniqueOpensNum": 2, "uniqueClicksNum": 0,
                "invalidEmailsNum": 2, "deliveredPercent": 70, "clickPercent": 0, "openPercent": 30,
                "bouncePercent": 10, "spamReportedPercent": 10, "unsubscribePercent": 0,
                "uniqueOpensPercent": 20, "uniqueClicksPercent": 0, "invalidEmailsPercent": 20}
    assert {k: row[k] for k in expected} == expected
    assert set(row) == set(expected) | {"sendDate", "apiUser", "domain", "labelId", "labelName"}


def test_statday_aggregate_shape(api, scenario):
    info = api.call("statday/list", days=1, aggregate=1)["info"]
    assert info["count"] == 1 and info["total"] == 1
    assert info["dataList"] == {
        "requestNum": "10", "deliveredNum": "7", "clickNum": "0", "openNum": "3", "bounceNum": "1",
        "spamReportedNum": "1", "unsubscribeNum": "0", "uniqueOpenNum": "2", "uniqueClickNum": "0",
        "invalidEmailNum": "2", "deliveredPercent": 70, "clickPercent": 0, "openPercent": 30, "bouncePercent": 10,
        "spamReportedPercent": 10, "unsubscribePercent": 0, "uniqueOpensPercent": 20, "uniqueClicksPercent": 0,
        "invalidEmailsPercent": 20}


def test_stathour_and_invalidstat_scenario(api, scenario):
    _, label_id = scenario
    rows = api.call("stathour/list", days=1)["info"]["dataList"]
    assert sum(r["requestNum"] for r in rows) == 10 and sum(r["openNum"] for r in rows) == 3
    assert all(0 <= r["sendHour"] <= 23 and "domain" not in r and "labelName" not in r for r in rows)
    info = api.call("invalidstat/list", days=1)["info"]
    assert info["total"] == 1
    row = info["dataList"][0]
    assert row == {"sendDate": row["sendDate"], "apiUser": api.api_user, "labelId": label_id, "labelName": "promo",
                   "domain": SIM, "sendcloudBlacklist": 0, "ubsubscribe": 0, "espUnvaliable": 1,
                   "recipientAddressError": 0, "ipOrDomainRejected": 0, "recipientNotFound": 1, "spamEmail": 0,
                   "senderOrRecipientRejected": 0, "others": 0}
    aggregate = api.call("invalidstat/list", days=1, aggregate=1)["info"]
    assert aggregate["dataList"]["recipientNotFound"] == 1 and aggregate["dataList"]["espUnvaliable"] == 1
    assert aggregate["count"] == 1


def test_filters_and_windows(api, scenario):
    send(api, "ann@example.com", batch=True)
    assert api.call("statday/list", days=1)["info"]["total"] == 2
    assert api.call("statday/list", days=1, domainList=SIM.upper())["info"]["total"] == 1
    assert api.call("statday/list", days=1, domainList="example.com")["info"]["dataList"][0]["requestNum"] == 1
    assert api.call("statday/list", days=1, apiUserList=api.account["batchApiUser"])["info"]["total"] == 1
    assert api.call("statday/list", days=1, labelIdList="0")["info"]["dataList"][0]["domain"] == "example.com"
    assert api.call("stathour/list", days=1, labelIdList="0")["info"]["dataList"][0]["requestNum"] == 1
    assert api.call("invalidstat/list", days=1, domainList="example.com")["info"]["total"] == 0
    assert api.call("statday/list", startDate="2020-01-01", endDate="2020-01-31")["info"]["total"] == 0
    # rows are ordered by date, then apiUser
    users = [r["apiUser"] for r in api.call("statday/list", days=92)["info"]["dataList"]]
    assert users == sorted(users)


def test_percent_truncation(api, client):
    """The contract's example: 48 requests, 28 delivered, 20 invalid, 3 opens by 2 recipients."""
    ids = send(api, ";".join([f"deliver+{i}@{SIM}" for i in range(28)] +
                             [f"invalid-404+{i}@{SIM}" for i in range(20)]))
    inject(client, ids[0], "open")
    inject(client, ids[0], "open")
    inject(client, ids[1], "open")
    row = api.call("statday/list", days=1)["info"]["dataList"][0]
    assert row["requestNum"] == 48 and row["deliveredNum"] == 28 and row["invalidEmailsNum"] == 20
    assert row["deliveredPercent"] == 58.33 and row["invalidEmailsPercent"] == 41.66
    assert row["openPercent"] == 6.25 and row["uniqueOpensPercent"] == 4.16
    assert row["clickPercent"] == 0
    # numbers are emitted without trailing zeros: 0 and whole numbers as integers
    raw = api.client.post("/apiv2/statday/list", data={**api.creds(), "days": 1}).text
    assert '"deliveredPercent":58.33' in raw.replace(" ", "") and '"clickPercent":0,' in raw.replace(" ", "")
    assert json.loads(raw)["info"]["dataList"][0]["invalidEmailsPercent"] == 41.66
    assert api.call("invalidstat/list", days=1)["info"]["dataList"][0]["recipientAddressError"] == 20


def test_stats_follow_injected_events(api, client):
    [email_id] = send(api, "ben@example.com")
    inject(client, email_id, "click", url="https://x.example.com/")
    inject(client, email_id, "click")
    inject(client, email_id, "unsubscribe")
    inject(client, email_id, "soft_bounce", subStat=509)
    row = api.call("statday/list", days=1)["info"]["dataList"][0]
    assert (row["clickNum"], row["uniqueClicksNum"], row["unsubscribeNum"], row["bounceNum"], row["deliveredNum"]) \
        == (2, 1, 1, 1, 1)
    assert row["clickPercent"] == 200 and row["uniqueClicksPercent"] == 100


def test_other_account_sees_nothing(api, other_api, scenario):
    assert other_api.call("statday/list", days=1)["info"]["total"] == 0
    assert other_api.call("invalidstat/list", days=1)["info"]["total"] == 0
    assert other_api.call("data/emailStatus", days=1)["info"]["total"] == "0"
    assert other_api.call("openandclick/list", days=1)["info"]["total"] == 0
    assert other_api.call("bounce/list", days=1)["info"]["total"] == 0
    assert other_api.call("spamreported/list", days=1)["info"]["total"] == 0


def test_deleted_label_name_is_null_and_hour_keys(api):
    send(api, "ann@example.com", labelName="gone-soon")
    label = api.call("label/list", query="gone-soon")["info"]["dataList"][0]
    assert api.call("statday/list", days=1)["info"]["dataList"][0]["labelName"] == "gone-soon"
    api.call("label/delete", labelId=label["labelId"])
    row = api.call("statday/list", days=1)["info"]["dataList"][0]
    assert row["labelId"] == label["labelId"] and row["labelName"] is None
    hour = api.call("stathour/list", days=1)["info"]["dataList"][0]
    assert set(hour) == {"sendDate", "sendHour", "apiUser", "labelId", "requestNum", "deliveredNum", "clickNum",
                         "openNum", "bounceNum", "spamReportedNum", "unsubscribeNum", "uniqueOpensNum",
                         "uniqueClicksNum", "invalidEmailsNum", "deliveredPercent", "clickPercent", "openPercent",
                         "bouncePercent", "spamReportedPercent", "unsubscribePercent", "uniqueOpensPercent",
                         "uniqueClicksPercent", "invalidEmailsPercent"}
    assert hour["labelId"] == label["labelId"] and hour["deliveredPercent"] == 100


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_dates_and_windows_in_the_emulator_zone(tmp_path_factory, zone):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from fastapi.testclient import TestClient

    from sendcloud_emulator.app import create_app

    from .conftest import make_settings, new_account

    with TestClient(create_app(make_settings(tmp_path_factory, timezone=zone))) as client:
        api = Api(client, new_account(client))
        [email_id] = send(api, "ann@example.com")
        today = datetime.now(ZoneInfo(zone)).date()
        row = api.call("statday/list", days=1)["info"]["dataList"][0]
        assert row["sendDate"] == today.isoformat()
        hour = api.call("stathour/list", days=1)["info"]["dataList"][0]
        now = datetime.now(ZoneInfo(zone))
        assert hour["sendHour"] in (now.hour, (now - timedelta(minutes=1)).hour)
        status = api.call("data/emailStatus", days=1)["info"]["voList"][0]
        assert status["emailId"] == email_id and status["requestTime"].startswith(today.isoformat())
        tomorrow = (today + timedelta(days=1)).isoformat()
        assert api.call("statday/list", startDate=tomorrow, endDate=tomorrow)["info"]["total"] == 0
        assert api.call("statday/list", startDate=today.isoformat(), endDate=tomorrow)["info"]["total"] == 1


@pytest.fixture(params=BACKENDS)
def kolkata_client(request, tmp_path):
    """A server in Asia/Kolkata (UTC+05:30) on SQLite and, when configured, PostgreSQL."""
    from fastapi.testclient import TestClient

    from sendcloud_emulator.app import create_app
    from sendcloud_emulator.settings import Settings

    with database(request.param, tmp_path) as url:
        settings = Settings(database_url=url, webhook_probe=False, webhook_retry_scale=0.001, timezone="Asia/Kolkata")
        with TestClient(create_app(settings)) as client:
            yield client, url


def test_counts_around_a_local_midnight_equal_hand_counts(kolkata_client):
    """Mails whose request times straddle a midnight of the emulator's zone (a half-hour offset, so one UTC
    hour holds both local days) are counted in the local day and hour they were requested in."""
    from datetime import UTC, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import create_engine, update
    from sqlmodel import Session

    from sendcloud_emulator.domain.outbox import Mail, MailEvent

    from .conftest import new_account

    client, url = kolkata_client
    api = Api(client, new_account(client))
    zone = ZoneInfo("Asia/Kolkata")
    day = datetime.now(zone).date() - timedelta(days=2)
    midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)  # 18:30 UTC
    plan = [  # (recipient, request time relative to the local midnight)
        (f"deliver+a@{SIM}", -timedelta(minutes=1)),          # day 23:59
        (f"invalid-404+b@{SIM}", -timedelta(seconds=1)),      # day 23:59:59
        (f"deliver+c@{SIM}", timedelta(0)),                   # day+1 00:00
        (f"invalid-403+d@{SIM}", timedelta(minutes=15)),      # day+1 00:15
        (f"deliver+e@{SIM}", timedelta(minutes=59, seconds=59)),  # day+1 00:59:59
        (f"deliver+f@{SIM}", timedelta(hours=1)),             # day+1 01:00
    ]
    ids = send(api, ";".join(to for to, _ in plan))
    inject(client, ids[0], "open")
    inject(client, ids[0], "open")
    inject(client, ids[2], "click")
    inject(client, ids[5], "open")
    engine = create_engine(url)
    with Session(engine) as session:
        for email_id, (_, offset) in zip(ids, plan, strict=True):
            moment = midnight + offset
            session.exec(update(Mail).where(Mail.email_id == email_id).values(request_time=moment))
            session.exec(update(MailEvent).where(MailEvent.email_id == email_id).values(created_at=moment))
        session.commit()
    engine.dispose()
    first, second = day.isoformat(), (day + timedelta(days=1)).isoformat()
    window = {"startDate": first, "endDate": second}

    rows = api.call("statday/list", **window)["info"]["dataList"]
    assert [(r["sendDate"], r["requestNum"], r["deliveredNum"], r["invalidEmailsNum"], r["openNum"],
             r["uniqueOpensNum"], r["clickNum"]) for r in rows] == [(first, 2, 1, 1, 2, 1, 0),
                                                                   (second, 4, 3, 1, 1, 1, 1)]
    assert rows[0]["deliveredPercent"] == 50 and rows[1]["deliveredPercent"] == 75
    assert rows[1]["uniqueOpensPercent"] == 25 and rows[1]["clickPercent"] == 25

    hours = api.call("stathour/list", **window)["info"]["dataList"]
    assert [(h["sendDate"], h["sendHour"], h["requestNum"], h["deliveredNum"], h["invalidEmailsNum"])
            for h in hours] == [(first, 23, 2, 1, 1), (second, 0, 3, 2, 1), (second, 1, 1, 1, 0)]

    invalid = api.call("invalidstat/list", **window)["info"]["dataList"]
    assert [(r["sendDate"], r["recipientAddressError"], r["espUnvaliable"]) for r in invalid] \
        == [(first, 1, 0), (second, 0, 1)]
    only_second = api.call("statday/list", startDate=second, endDate=second)["info"]["dataList"]
    assert [(r["sendDate"], r["requestNum"]) for r in only_second] == [(second, 4)]


@pytest.fixture(params=BACKENDS)
def zone_client(request, tmp_path):
    """A factory of servers in a given zone, on SQLite and, when configured, PostgreSQL."""
    from contextlib import ExitStack

    from fastapi.testclient import TestClient

    from sendcloud_emulator.app import create_app
    from sendcloud_emulator.settings import Settings

    with ExitStack() as stack:
        def start(zone: str):
            url = stack.enter_context(database(request.param, tmp_path))
            settings = Settings(database_url=url, webhook_probe=False, webhook_retry_scale=0.001, timezone=zone)
            return stack.enter_context(TestClient(create_app(settings))), url
        yield start


def move_requests(url: str, moves: dict) -> None:
    """Set each mail's request time (and its events' times) to the given aware moment."""
    from sqlalchemy import create_engine, update
    from sqlmodel import Session

    from sendcloud_emulator.domain.outbox import Mail, MailEvent

    engine = create_engine(url)
    with Session(engine) as session:
        for email_id, moment in moves.items():
            session.exec(update(Mail).where(Mail.email_id == email_id).values(request_time=moment))
            session.exec(update(MailEvent).where(MailEvent.email_id == email_id).values(created_at=moment))
        session.commit()
    engine.dispose()


def test_whole_hour_zone_counts_around_a_local_midnight_equal_hand_counts(zone_client):
    """In a zone of whole-hour offsets the counters are summed per hour: mails around a local midnight and
    an hour boundary still land in the local day and hour they were requested in, and data/emailStatus's
    total (read from the same counters) equals the mails its page lists."""
    from datetime import UTC, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from .conftest import new_account

    client, url = zone_client("Asia/Shanghai")
    api = Api(client, new_account(client))
    zone = ZoneInfo("Asia/Shanghai")
    day = datetime.now(zone).date() - timedelta(days=3)
    midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)  # 16:00 UTC
    plan = [(f"deliver+a@{SIM}", -timedelta(minutes=1), "x"), (f"invalid-404+b@{SIM}", -timedelta(seconds=1), "x"),
            (f"deliver+c@{SIM}", timedelta(0), "y"), (f"invalid-403+d@{SIM}", timedelta(minutes=15), "x"),
            (f"deliver+e@{SIM}", timedelta(minutes=59, seconds=59), "y"), (f"deliver+f@{SIM}", timedelta(hours=1), "x")]
    ids = [send(api, to, labelName=name)[0] for to, _, name in plan]
    other = send(api, f"deliver+g@{SIM}", batch=True)[0]
    inject(client, ids[0], "open")
    inject(client, ids[2], "click")
    move_requests(url, {email_id: midnight + offset for email_id, (_, offset, _) in zip(ids, plan, strict=True)}
                  | {other: midnight + timedelta(minutes=30)})
    first, second = day.isoformat(), (day + timedelta(days=1)).isoformat()
    window = {"startDate": first, "endDate": second}
    labels = {r["labelName"]: r["labelId"] for r in api.call("label/list")["info"]["dataList"]}

    rows = api.call("statday/list", **window)["info"]["dataList"]
    assert [(r["sendDate"], r["apiUser"], r["labelName"], r["requestNum"], r["deliveredNum"], r["invalidEmailsNum"],
             r["openNum"], r["clickNum"]) for r in rows] == [
        (first, api.api_user, "x", 2, 1, 1, 1, 0), (second, api.account["batchApiUser"], None, 1, 1, 0, 0, 0),
        (second, api.api_user, "x", 2, 1, 1, 0, 0), (second, api.api_user, "y", 2, 2, 0, 0, 1)]
    hours = api.call("stathour/list", **window, apiUserList=api.api_user)["info"]["dataList"]
    assert [(h["sendDate"], h["sendHour"], h["labelId"], h["requestNum"]) for h in hours] == [
        (first, 23, labels["x"], 2), (second, 0, labels["x"], 1), (second, 0, labels["y"], 2),
        (second, 1, labels["x"], 1)]
    invalid = api.call("invalidstat/list", **window)["info"]["dataList"]
    assert [(r["sendDate"], r["recipientAddressError"], r["espUnvaliable"]) for r in invalid] \
        == [(first, 1, 0), (second, 0, 1)]
    assert api.call("statday/list", **window, labelIdList=str(labels["y"]), aggregate=1)["info"]["dataList"][
        "requestNum"] == "2"
    assert api.call("statday/list", **window, domainList="x\x00y.com")["info"]["total"] == 0

    def status(**params) -> tuple[str, list[str]]:
        info = api.call("data/emailStatus", **params)["info"]
        return info["total"], [r["emailId"] for r in info["voList"]]

    assert status(startDate=first, endDate=first) == ("2", [ids[1], ids[0]])
    assert status(startDate=second, endDate=second) == ("5", [ids[5], ids[4], other, ids[3], ids[2]])
    assert status(**window, labelId=labels["y"]) == ("2", [ids[4], ids[2]])
    assert status(**window, apiUserList=api.account["batchApiUser"]) == ("1", [other])
    assert status(**window, apiUserList=f"{api.api_user};nobody", labelId=labels["x"], start=1, limit=2) \
        == ("4", [ids[3], ids[1]])
    assert status(**window, start=7) == ("7", [])
    assert status(**window, limit=0) == ("7", [])
    client.delete(f"/_emulator/mails/{ids[0]}")
    assert status(startDate=first, endDate=first) == ("1", [ids[1]])
    assert api.call("statday/list", startDate=first, endDate=first)["info"]["dataList"][0]["requestNum"] == 1


def test_counts_across_a_daylight_saving_change(zone_client):
    """Offsets of whole hours on both sides of a change (New York, 2026-03-08 02:00 EST → 03:00 EDT):
    each mail is counted in its local day and hour."""
    from datetime import UTC, datetime

    from .conftest import new_account

    client, url = zone_client("America/New_York")
    api = Api(client, new_account(client))
    ids = send(api, "a@example.com;b@example.com;c@example.com;d@example.com")
    times = [datetime(2026, 3, 8, 4, 30, tzinfo=UTC), datetime(2026, 3, 8, 6, 59, tzinfo=UTC),  # 03-07 23:30, 01:59 EST
             datetime(2026, 3, 8, 7, 0, tzinfo=UTC), datetime(2026, 3, 9, 3, 59, tzinfo=UTC)]  # 03:00, 23:59 EDT
    move_requests(url, dict(zip(ids, times, strict=True)))
    window = {"startDate": "2026-03-07", "endDate": "2026-03-09"}
    days = api.call("statday/list", **window)["info"]["dataList"]
    assert [(r["sendDate"], r["requestNum"]) for r in days] == [("2026-03-07", 1), ("2026-03-08", 3)]
    hours = api.call("stathour/list", **window)["info"]["dataList"]
    assert [(h["sendDate"], h["sendHour"], h["requestNum"]) for h in hours] == [
        ("2026-03-07", 23, 1), ("2026-03-08", 1, 1), ("2026-03-08", 3, 1), ("2026-03-08", 23, 1)]
    assert api.call("data/emailStatus", startDate="2026-03-08", endDate="2026-03-08")["info"]["total"] == "3"
