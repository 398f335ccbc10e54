"""statday, stathour and invalidstat (api.md §2.10–§2.12, §4.3): numbers equal hand counts."""

import json

import pytest

from .conftest import Api

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

    from emulator.app import create_app

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
