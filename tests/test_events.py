"""The delivery pipeline (api.md §4, control-api.md "Recipient behaviour and events") over HTTP:
the mailbox simulator, suppression, injected events and what they change in the read APIs."""

import pytest

from .conftest import Api

SIM = "sim.sendcloud.test"


def send(api: Api, to: str, **params) -> list[str]:
    data = {"from": "shop@example.com", "to": to, "subject": "Hi",
            "html": '<p>Hello <a href="https://shop.example.com/o/1">order</a> '
                    '<a href="https://x.example.com/">x</a></p>',
            **params}
    answer = api.call("mail/send", **data)
    assert answer["statusCode"] == 200, answer
    return answer["info"]["emailIdList"]


def log(client, email_id: str) -> list[tuple]:
    response = client.get("/_emulator/events", params={"emailId": email_id})
    assert response.status_code == 200
    return [(e["event"], e["subStat"]) for e in response.json()["items"]]


def status_of(api: Api, email_id: str) -> dict:
    info = api.call("data/emailStatus", days=1, emailIds=email_id)["info"]
    assert info["total"] == "1" and info["voListSize"] == 1
    return info["voList"][0]


@pytest.mark.parametrize("local, expected", [
    ("deliver", [("request", None), ("deliver", None)]),
    ("someone", [("request", None), ("deliver", None)]),
    ("invalid", [("request", None), ("invalid", 406)]),
    ("invalid-403", [("request", None), ("invalid", 403)]),
    ("Invalid-409+x", [("request", None), ("invalid", 409)]),
    ("softbounce", [("request", None), ("soft_bounce", 506)]),
    ("softbounce-503+7", [("request", None), ("soft_bounce", 503)]),
    ("open", [("request", None), ("deliver", None), ("open", None)]),
    ("open+42", [("request", None), ("deliver", None), ("open", None)]),
    ("click", [("request", None), ("deliver", None), ("open", None), ("click", None)]),
    ("unsubscribe", [("request", None), ("deliver", None), ("unsubscribe", None)]),
    ("spam", [("request", None), ("deliver", None), ("report_spam", None)]),
])
def test_simulator_scripts(api, client, local, expected):
    [email_id] = send(api, f"{local}@{SIM}")
    assert log(client, email_id) == expected
    delivery = [e for e in expected if e[0] in ("request", "deliver", "invalid", "soft_bounce")][-1]
    words = {"deliver": "投递成功", "invalid": "无效邮件", "soft_bounce": "软退信"}
    row = status_of(api, email_id)
    assert row["status"] == words[delivery[0]]
    assert row["subStatus"] == (delivery[1] or 0)
    assert row["recipients"] == f"{local}@{SIM}" and row["apiUser"] == api.api_user


def test_ordinary_address_is_delivered(api, client):
    [email_id] = send(api, "ben@example.com")
    assert log(client, email_id) == [("request", None), ("deliver", None)]
    mail = client.get(f"/_emulator/mails/{email_id}").json()
    assert mail["status"] == "deliver"


def test_email_status_row(api):
    [email_id] = send(api, f"invalid@{SIM}")
    row = status_of(api, email_id)
    assert row == {"emailId": email_id, "status": "无效邮件", "subStatus": 406,
                   "subStatusDesc": "recipient address does not exist", "apiUser": api.api_user,
                   "recipients": f"invalid@{SIM}", "labelId": 0, "requestTime": row["requestTime"],
                   "modifiedTime": row["modifiedTime"], "sendLog": "recipient address does not exist"}
    [ok] = send(api, "ben@example.com")
    row = status_of(api, ok)
    assert row["sendLog"] == "successfully delivered" and row["subStatusDesc"] == ""
    assert len(row["requestTime"]) == 19 and row["modifiedTime"] >= row["requestTime"]


def test_click_url_is_first_link_or_default(api):
    send(api, f"click@{SIM}")
    send(api, f"click+2@{SIM}", html="<p>no links</p>")
    items = api.call("openandclick/list", days=1, trackType=2)["info"]["dataList"]
    assert [i["url"] for i in items] == ["http://example.com/", "https://shop.example.com/o/1"]  # newest first


def test_suppressed_recipients_get_invalid(api, client):
    api.call("unsubscribe/add", email="Ann@Example.com")
    [bounced] = send(api, f"invalid@{SIM}")
    [spammer] = send(api, f"spam@{SIM}")
    ids = send(api, f"ann@example.com;INVALID@{SIM};spam@{SIM};ben@example.com")
    assert [log(client, i) for i in ids] == [
        [("request", None), ("invalid", 402)],
        [("request", None), ("invalid", 401)],
        [("request", None), ("invalid", 401)],
        [("request", None), ("deliver", None)],
    ]
    rows = {r["emailId"]: r for r in api.call("data/emailStatus", days=1)["info"]["voList"]}
    assert rows[ids[0]]["status"] == "无效邮件" and rows[ids[0]]["subStatus"] == 402
    assert rows[ids[0]]["sendLog"] == "recipient has unsubscribed"
    assert rows[ids[1]]["subStatus"] == 401
    assert rows[ids[1]]["subStatusDesc"] == "recipient is on the SendCloud blacklist (bounce/spam list)"
    # a suppressed address is not bounced again, and invalid 401/402 add nothing to the lists
    assert api.call("bounce/list", days=1)["info"]["total"] == 1
    assert log(client, bounced)[-1] == ("invalid", 406) and log(client, spammer)[-1] == ("report_spam", None)
    # once removed from the lists, the addresses are delivered again
    assert api.call("bounce/delete", email=f"invalid@{SIM}")["info"] == {"count": 1}
    assert api.call("unsubscribe/delete", email="ann@example.com")["info"] == {"count": 1}
    again = send(api, f"ann@example.com;invalid@{SIM}")
    assert log(client, again[0])[-1] == ("deliver", None)
    assert log(client, again[1])[-1] == ("invalid", 406)


def test_suppression_is_per_account(api, other_api, client):
    send(api, f"invalid@{SIM}")
    [theirs] = send(other_api, f"invalid@{SIM}")
    assert log(client, theirs)[-1] == ("invalid", 406)
    other_api.call("unsubscribe/add", email="ben@example.com")
    [mine] = send(api, "ben@example.com")
    assert log(client, mine)[-1] == ("deliver", None)


def test_lists_derive_from_events(api):
    send(api, f"invalid+1@{SIM};unsubscribe+1@{SIM};spam+1@{SIM};softbounce@{SIM};invalid-405@{SIM}",
         labelName="spring")
    label_id = api.call("label/list", query="spring")["info"]["dataList"][0]["labelId"]
    bounces = api.call("bounce/list", days=1)["info"]
    assert bounces["total"] == 1
    entry = bounces["dataList"][0]
    assert entry["email"] == f"invalid+1@{SIM}" and entry["reason"] == "recipient address does not exist"
    assert entry["domain"] == SIM and len(entry["bounceTime"]) == 19
    assert api.call("bounce/count", days=1)["info"] == {"count": 1}
    assert api.call("bounce/list", email=f"INVALID+1@{SIM}")["info"]["total"] == 1
    unsubscribed = api.call("unsubscribe/list", days=1)["info"]["dataList"]
    assert len(unsubscribed) == 1
    assert unsubscribed[0]["email"] == f"unsubscribe+1@{SIM}" and unsubscribed[0]["labelId"] == label_id
    assert unsubscribed[0]["apiUser"] == api.api_user
    assert api.call("unsubscribe/list", days=1, labelIdList=str(label_id))["info"]["total"] == 1
    assert api.call("unsubscribe/list", days=1, labelIdList="0")["info"]["total"] == 0
    spam = api.call("spamreported/list", days=1)["info"]["dataList"]
    assert spam == [{"receiver": f"spam+1@{SIM}", "reason": "reported as spam by recipient",
                     "spamReportedTime": spam[0]["spamReportedTime"], "domain": SIM}]
    assert api.call("spamreported/list", email=f"nobody@{SIM}")["info"]["total"] == 0
    # the window selects by the entry's time
    assert api.call("bounce/list", startDate="2020-01-01", endDate="2020-01-02")["info"]["total"] == 0
    assert api.call("bounce/delete", days=1)["info"] == {"count": 1}
    assert api.call("bounce/count", days=1)["info"] == {"count": 0}


# injected events --------------------------------------------------------------------------------
def inject(client, **body):
    return client.post("/_emulator/events", json=body)


def test_inject_defaults_and_status(api, client):
    [email_id] = send(api, "ben@example.com")
    response = inject(client, emailId=email_id, event="soft_bounce")
    assert response.status_code == 201
    event = response.json()
    assert event["emailId"] == email_id and event["event"] == "soft_bounce" and event["subStat"] == 506
    assert "+" in event["createdAt"] or event["createdAt"].endswith("Z") or event["createdAt"][-6] in "+-"
    row = status_of(api, email_id)
    assert row["status"] == "软退信" and row["subStatus"] == 506 and row["sendLog"] == "mailbox does not exist"
    assert inject(client, emailId=email_id, event="invalid").json()["subStat"] == 406
    assert status_of(api, email_id)["subStatus"] == 406
    assert api.call("bounce/list", email="ben@example.com")["info"]["total"] == 1
    # opens, clicks, unsubscribes and spam reports leave the delivery status alone
    inject(client, emailId=email_id, event="open")
    inject(client, emailId=email_id, event="report_spam")
    assert status_of(api, email_id)["status"] == "无效邮件"
    assert inject(client, emailId=email_id, event="deliver").status_code == 201
    assert status_of(api, email_id)["status"] == "投递成功"
    assert client.get(f"/_emulator/mails/{email_id}").json()["status"] == "deliver"
    assert [e[0] for e in log(client, email_id)] == ["request", "deliver", "soft_bounce", "invalid", "open",
                                                     "report_spam", "deliver"]
    assert api.call("spamreported/list", days=1)["info"]["total"] == 1


def test_inject_with_values(api, client):
    [email_id] = send(api, "ben@example.com")
    assert inject(client, emailId=email_id, event="invalid", subStat=404).json()["subStat"] == 404
    assert api.call("bounce/list", days=1)["info"]["total"] == 0  # only 406 bounces
    click = inject(client, emailId=email_id, event="click", url="https://a.example.com/x").json()
    assert click["url"] == "https://a.example.com/x"
    items = api.call("openandclick/list", email="ben@example.com")["info"]["dataList"]
    assert items[0]["url"] == "https://a.example.com/x" and items[0]["trackType"] == 2
    inject(client, emailId=email_id, event="unsubscribe")
    assert api.call("unsubscribe/list", email="ben@example.com")["info"]["total"] == 1
    [later] = send(api, "ben@example.com")
    assert log(client, later)[-1] == ("invalid", 402)


@pytest.mark.parametrize("body, expected", [
    ({"emailId": "no-such-id$x@y.com", "event": "open"}, 404),
    ({"emailId": None, "event": "open"}, 400),
    ({"event": "request"}, 400),
    ({"event": "route"}, 400),
    ({"event": "invalid", "subStat": 506}, 400),
    ({"event": "soft_bounce", "subStat": 406}, 400),
    ({"event": "open", "subStat": 406}, 400),
    ({"event": "open", "url": "https://x.example.com/"}, 400),
])
def test_inject_errors(api, client, body, expected):
    [email_id] = send(api, "ben@example.com")
    body = {"emailId": email_id, **body}
    body = {k: v for k, v in body.items() if v is not None}
    assert inject(client, **body).status_code == expected
    assert log(client, email_id) == [("request", None), ("deliver", None)]


def test_event_log_filters(api, other_api, client, account):
    ids = send(api, f"open@{SIM};ben@example.com")
    send(other_api, f"open@{SIM}")
    items = client.get("/_emulator/events", params={"account": account["userName"]}).json()
    assert items["total"] == 5 and [i["event"] for i in items["items"]][:2] == ["request", "request"]
    opens = client.get("/_emulator/events", params={"account": account["userName"], "event": "open"}).json()
    assert opens["total"] == 1 and opens["items"][0]["emailId"] == ids[0]
    assert client.get("/_emulator/events", params={"account": "nobody-at-all"}).json() == {"total": 0, "items": []}


def test_openandclick_list(api, client):
    ids = send(api, f"click@{SIM};ben@example.com", labelName="oc")
    label_id = api.call("label/list", query="oc")["info"]["dataList"][0]["labelId"]
    inject(client, emailId=ids[1], event="open")
    info = api.call("openandclick/list", days=1)["info"]
    assert info["total"] == 3 and info["count"] == 3
    first = info["dataList"][0]
    assert first == {"trackType": 1, "apiUser": api.api_user, "email": "ben@example.com", "url": "",
                     "currTime": first["currTime"]}
    assert api.call("openandclick/list", days=1, trackType=1)["info"]["total"] == 2
    assert api.call("openandclick/list", days=1, trackType=2)["info"]["total"] == 1
    assert api.call("openandclick/list", days=1, trackType=7)["info"]["total"] == 3
    assert api.call("openandclick/list", days=1, labelId=label_id)["info"]["total"] == 3
    assert api.call("openandclick/list", days=1, labelId=0)["info"]["total"] == 0
    assert api.call("openandclick/list", days=1, apiUserList="someone_else")["info"]["total"] == 0
    assert api.call("openandclick/list", email=f"click@{SIM}")["info"]["total"] == 2
    page = api.call("openandclick/list", days=1, start=2, limit=5)["info"]
    assert page["count"] == 1 and page["total"] == 3
    assert api.call("openandclick/list", startDate="2020-01-01", endDate="2020-01-01")["info"]["total"] == 0


def test_email_status_filters(api, client):
    a = send(api, "ann@example.com;ben@example.com", labelName="es")
    b = send(api, "ann@example.com", batch=True)
    label_id = api.call("label/list", query="es")["info"]["dataList"][0]["labelId"]
    info = api.call("data/emailStatus", days=1)["info"]
    assert info["total"] == "3" and [r["emailId"] for r in info["voList"]] == b + a[::-1]  # newest first
    assert api.call("data/emailStatus", email="ANN@example.com")["info"]["total"] == "2"
    assert api.call("data/emailStatus", email="ann@example.com", days=1)["info"]["total"] == "2"
    assert api.call("data/emailStatus", email="ann@example.com", startDate="2020-01-01",
                    endDate="2020-01-02")["info"]["total"] == "0"
    assert api.call("data/emailStatus", days=1, labelId=label_id)["info"]["total"] == "2"
    assert api.call("data/emailStatus", days=1, labelId=0)["info"]["total"] == "1"
    assert api.call("data/emailStatus", days=1, apiUserList=api.account["batchApiUser"])["info"]["total"] == "1"
    both = api.call("data/emailStatus", days=1, emailIds=f"{a[0]};{b[0]};nope")["info"]
    assert both["total"] == "2"
    assert api.call("data/emailStatus", days=1, emailIds="")["info"]["total"] == "3"  # blank = absent
    page = api.call("data/emailStatus", days=1, start=1, limit=1)["info"]
    assert page["total"] == "3" and page["voListSize"] == 1 and page["voList"][0]["emailId"] == a[1]
    assert "dataList" not in page and "count" not in page


def test_english_status_words(tmp_path_factory):
    from fastapi.testclient import TestClient

    from sendcloud_emulator.app import create_app

    from .conftest import make_settings, new_account

    with TestClient(create_app(make_settings(tmp_path_factory, lang="en"))) as client:
        api = Api(client, new_account(client))
        ids = send(api, f"ben@example.com;invalid@{SIM};softbounce@{SIM}")
        words = {r["emailId"]: r["status"] for r in api.call("data/emailStatus", days=1)["info"]["voList"]}
        assert [words[i] for i in ids] == ["delivered", "invalid", "soft bounce"]


def test_reset_of_account_wipes_traffic_keeps_configuration(api, client, account):
    api.call("webhook/add", categoryName="all", event="deliver", url="https://hooks.example.com/x")
    api.call("unsubscribe/add", email="ann@example.com")
    send(api, f"invalid@{SIM};spam@{SIM};open@{SIM}")
    assert api.call("bounce/count", days=1)["info"]["count"] == 1
    assert client.post("/_emulator/reset", params={"account": account["userName"]}).status_code == 204
    assert api.call("bounce/list", days=1)["info"]["total"] == 0
    assert api.call("unsubscribe/list", days=1)["info"]["total"] == 0
    assert api.call("spamreported/list", days=1)["info"]["total"] == 0
    assert api.call("openandclick/list", days=1)["info"]["total"] == 0
    assert api.call("statday/list", days=1)["info"]["total"] == 0
    assert api.call("data/emailStatus", days=1)["info"]["total"] == "0"
    assert client.get("/_emulator/events", params={"account": account["userName"]}).json()["total"] == 0
    assert api.call("webhook/list")["info"]["total"] == 1
    # the lists are empty, so the same recipients are no longer suppressed
    ids = send(api, f"invalid@{SIM};ann@example.com")
    assert log(client, ids[0])[-1] == ("invalid", 406) and log(client, ids[1])[-1] == ("deliver", None)


def test_bad_input_never_breaks(api, client):
    [email_id] = send(api, "ben@example.com")
    assert inject(client, emailId="x\x00y", event="open").status_code == 404
    assert inject(client, emailId=email_id, event="click", url="https://a.example.com/\x00").status_code == 400
    assert inject(client, emailId=email_id, event="open", userAgent="ua\x00").status_code == 400
    assert client.get("/_emulator/events", params={"emailId": "a\x00b"}).json() == {"total": 0, "items": []}
    assert client.get("/_emulator/webhook-deliveries", params={"url": "a\x00b"}).json() == {"total": 0, "items": []}
    assert client.get("/_emulator/webhook-deliveries", params={"status": "99999999999999"}).json()["total"] == 0
    assert api.call("data/emailStatus", days=1, emailIds="a\x00b")["info"]["total"] == "0"
    assert api.call("statday/list", days=1, domainList="x\x00y.com")["info"]["total"] == 0
    assert api.code("webhook/add", categoryName="a\x00b", event="open", url="https://h.example.com/") == 40702
    assert api.code("webhook/add", categoryName="all", event="open", url="https://h.example.com/\x00") == 40706
    assert api.code("webhook/add", categoryName="all", event="open\x00", url="https://h.example.com/") == 40704
