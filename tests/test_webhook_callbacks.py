"""Real webhook callbacks (api.md §5): fields, signatures, retries, persistence; received on 127.0.0.1."""

import hashlib
import hmac
import json
import threading
import time

import pytest
from fastapi.testclient import TestClient

from sendcloud_emulator.app import create_app
from sendcloud_emulator.domain.webhook import sign

from .conftest import Api, make_settings, new_account
from .receiver import Receiver, closed_port_url

SIM = "sim.sendcloud.test"
ALL_EVENTS = "request,deliver,open,click,unsubscribe,report_spam,invalid,soft_bounce"
COMMON = {"event", "timestamp", "token", "signature", "apiUser", "category", "labelId", "maillistTaskId",
          "mail_list_task_id", "userHeaders", "message"}
TRACKING = {"ip", "explorerName", "explorerVer", "oSName", "oSVer"}


def send(api: Api, to: str, batch: bool = False, **params) -> list[str]:
    data = {"from": "shop@example.com", "to": to, "subject": "S",
            "html": '<a href="https://shop.example.com/o/1">o</a>', **params}
    answer = api.call("mail/send", batch=batch, **data)
    assert answer["statusCode"] == 200, answer
    return answer["info"]["emailIdList"]


def verified(form: dict, app_key: str) -> bool:
    expected = hmac.new(app_key.encode(), (form["timestamp"] + form["token"]).encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, form["signature"])


def hook(api: Api, url: str, events: str = "deliver", category: str = "all") -> None:
    """webhook/add: the account's callbacks of these events (and this category) go to `url`."""
    assert api.code("webhook/add", categoryName=category, event=events, url=url) == 200


def deliveries(client, **filters) -> list[dict]:
    response = client.get("/_emulator/webhook-deliveries", params=filters)
    assert response.status_code == 200
    return response.json()["items"]


def wait_deliveries(client, count: int, timeout: float = 30.0, **filters) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = deliveries(client, **filters)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    return deliveries(client, **filters)


def test_signature_worked_example():
    # §5: appKey k8Zq2Rw5Tn4Yp1Vx, timestamp 1732589723456 and this token give this signature
    token = "Qm3Xr9Lw2Tz7Kp4Vb8Nc1Hd6Js5Fg0Ya3Ue7Wi2Ro9Pt4Sl1Dk"
    assert sign("k8Zq2Rw5Tn4Yp1Vx", "1732589723456", token) == \
        "999f3204ff5061a7f7151758b5d265bee0ac145666ade3e25c36dd1a1b364506"


def test_end_to_end_click(client):
    """webhook/add, send to click@sim, receive request, deliver, open and click with valid signatures."""
    api = Api(client, new_account(client, appKey="k8Zq2Rw5Tn4Yp1Vx"))
    with Receiver() as receiver:
        hook(api, receiver.url, "request,deliver,open,click")
        [email_id] = send(api, f"click@{SIM}", headers=json.dumps({"SC-Custom-Order": "42", "X-Other": "1"}))
        forms = receiver.wait_for(lambda r: len(r.callbacks()) >= 4 and r.callbacks())
        assert [f["event"] for f in forms] == ["request", "deliver", "open", "click"]
        for form in forms:
            assert verified(form, "k8Zq2Rw5Tn4Yp1Vx"), form
            assert len(form["timestamp"]) == 13 and form["timestamp"].isdigit()
            assert len(form["token"]) == 50 and form["token"].isalnum()
            assert form["apiUser"] == form["category"] == api.api_user
            assert form["labelId"] == "0" and form["maillistTaskId"] == "" and form["mail_list_task_id"] == ""
            assert json.loads(form["userHeaders"]) == {"SC-Custom-Order": "42"}
        request, deliver, opened, click = forms
        assert set(request) == COMMON | {"messageId", "recipientArray", "emailIds", "recipientSize"}
        assert request["message"] == "successfully request"
        assert json.loads(request["recipientArray"]) == [f"click@{SIM}"]
        assert json.loads(request["emailIds"]) == [email_id] and request["recipientSize"] == "1"
        assert email_id.startswith(request["messageId"])
        assert set(deliver) == COMMON | {"emailId", "recipient"}
        assert deliver["message"] == "Successfully delivered" and deliver["emailId"] == email_id
        assert deliver["recipient"] == f"click@{SIM}"
        assert set(opened) == COMMON | {"emailId", "recipient"} | TRACKING and opened["message"] == "open email"
        assert (opened["ip"], opened["explorerName"], opened["explorerVer"], opened["oSName"], opened["oSVer"]) \
            == ("203.0.113.10", "Chrome", "120.0", "Windows", "10")
        assert set(click) == COMMON | {"emailId", "recipient", "url"} | TRACKING
        assert click["url"] == "https://shop.example.com/o/1" and click["message"] == "click email"
        request_headers = [r["headers"] for r in receiver.requests]
        assert all(h["Content-Type"] == "application/x-www-form-urlencoded; charset=utf-8" for h in request_headers)
        attempts = wait_deliveries(client, 4, account=api.account["userName"])
        assert {a["event"] for a in attempts} == {"request", "deliver", "open", "click"}
        assert all(a["statusCode"] == 200 and a["attempt"] == 1 and a["error"] is None and a["status"] == "delivered"
                   and a["nextAttemptAt"] is None for a in attempts)
        assert attempts[0]["url"] == receiver.url and "+08:00" in attempts[0]["sentAt"]
        assert {a["payload"]["token"] for a in attempts} == {f["token"] for f in forms}


@pytest.mark.parametrize("local, event, extra", [
    ("invalid", "invalid", {"subStat": "406", "subStatDesc": "recipient address does not exist",
                            "message": "recipient address does not exist"}),
    ("invalid-408", "invalid", {"subStat": "408", "subStatDesc": "sender or recipient rejected"}),
    ("softbounce", "soft_bounce", {"subStat": "506", "subStatDesc": "mailbox does not exist",
                                   "message": "mailbox does not exist"}),
    ("unsubscribe", "unsubscribe", {"message": "unsubscribe email", "ip": "203.0.113.10"}),
    ("spam", "report_spam", {"message": "report spam"}),
    ("open", "open", {"message": "open email", "explorerName": "Chrome"}),
])
def test_fields_per_event(client, local, event, extra):
    account = new_account(client)
    api = Api(client, account)
    with Receiver() as receiver:
        hook(api, receiver.url, event, category=api.api_user)
        [email_id] = send(api, f"{local}@{SIM}", labelName="lbl")
        label_id = api.call("label/list", query="lbl")["info"]["dataList"][0]["labelId"]
        [form] = receiver.wait_for(lambda r: r.callbacks())
        assert verified(form, account["appKey"])
        assert form["event"] == event and form["emailId"] == email_id and form["recipient"] == f"{local}@{SIM}"
        assert form["labelId"] == str(label_id) and form["userHeaders"] == "{}"
        for key, value in extra.items():
            assert form[key] == value, key
        expected = COMMON | {"emailId", "recipient"}
        if event in ("invalid", "soft_bounce"):
            expected |= {"subStat", "subStatDesc"}
        if event in ("open", "unsubscribe"):
            expected |= TRACKING
        assert set(form) == expected


def test_injected_event_with_client_details(client):
    account = new_account(client)
    api = Api(client, account)
    with Receiver() as receiver:
        hook(api, receiver.url, "click")
        [email_id] = send(api, "ben@example.com")
        ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7; rv:121.0) Gecko/20100101 Firefox/121.0"
        response = client.post("/_emulator/events", json={"emailId": email_id, "event": "click", "ip": "198.51.100.7",
                                                          "userAgent": ua, "url": "https://a.example.com/p"})
        assert response.status_code == 201
        [form] = receiver.wait_for(lambda r: r.callbacks())
        assert form["url"] == "https://a.example.com/p" and form["ip"] == "198.51.100.7"
        assert form["explorerName"] == "Firefox" and form["explorerVer"] == "121.0"
        assert form["oSName"] == "Mac OS X" and form["oSVer"].startswith("10.15")
        assert verified(form, account["appKey"])


def test_request_lists_every_recipient_once(client):
    api = Api(client, new_account(client))
    api.call("unsubscribe/add", email="ann@example.com")
    with Receiver() as receiver:
        hook(api, receiver.url, "request,invalid")
        ids = send(api, "ben@example.com;ann@example.com;joe@example.com")
        # one URL gets its callbacks in event order, so once `invalid` (queued last) is in, a second
        # `request` would be in too
        forms = receiver.wait_for(lambda r: any(f["event"] == "invalid" for f in r.forms()) and r.callbacks())
        assert [f["event"] for f in forms] == ["request", "invalid"]
        assert json.loads(forms[0]["recipientArray"]) == ["ben@example.com", "ann@example.com", "joe@example.com"]
        assert json.loads(forms[0]["emailIds"]) == ids and forms[0]["recipientSize"] == "3"
        assert forms[1]["emailId"] == ids[1] and forms[1]["subStat"] == "402"
        assert forms[1]["message"] == "recipient has unsubscribed"


def test_address_list_task_id(client):
    account = new_account(client)
    api = Api(client, account)
    api.call("addresslist/add", address="cb@maillist.sendcloud.org", name="cb")
    api.call("addressmember/add", address="cb@maillist.sendcloud.org", members="a@example.com;b@example.com")
    with Receiver() as receiver:
        hook(api, receiver.url, "request,deliver", category=account["batchApiUser"])
        answer = api.call("mail/send", batch=True, **{"from": "shop@example.com", "to": "cb@maillist.sendcloud.org",
                                                      "subject": "S", "html": "<p>x</p>", "useAddressList": "true"})
        assert answer["statusCode"] == 40821
        [task_id] = answer["info"]["maillistTaskId"]
        forms = receiver.wait_for(lambda r: len(r.callbacks()) >= 3 and r.callbacks())
        assert sorted(f["event"] for f in forms) == ["deliver", "deliver", "request"]
        assert all(f["maillistTaskId"] == f["mail_list_task_id"] == str(task_id) for f in forms)
        assert all(f["apiUser"] == account["batchApiUser"] for f in forms)
        request = next(f for f in forms if f["event"] == "request")
        assert sorted(json.loads(request["recipientArray"])) == ["a@example.com", "b@example.com"]


def test_category_event_filter_and_distinct_urls(client):
    # No sleeps: one URL gets its callbacks in the order they were queued, so a callback known to
    # come last (`open` of the same send; a later send's `deliver`) proves nothing else is on its way.
    account = new_account(client)
    api = Api(client, account)
    with Receiver() as shared, Receiver() as batch_only:
        hook(api, shared.url)
        hook(api, shared.url, "deliver,open", category=api.api_user)
        hook(api, batch_only.url, "deliver", category=account["batchApiUser"])
        send(api, f"open@{SIM}")
        forms = shared.wait_for(lambda r: any(f["event"] == "open" for f in r.forms()) and r.callbacks())
        assert [f["event"] for f in forms] == ["deliver", "open"]  # one POST per URL and event
        send(api, "ann@example.com", batch=True)
        batch_only.wait_for(lambda r: any(f.get("recipient") == "ann@example.com" for f in r.forms()))
        [batch_form] = batch_only.callbacks()  # nothing from the trigger API_USER's send before it
        assert batch_form["apiUser"] == account["batchApiUser"] and batch_form["recipient"] == "ann@example.com"
        # after webhook/delete nothing more arrives: a configuration added afterwards is the marker
        api.call("webhook/delete", categoryName="all", url=shared.url)
        api.call("webhook/delete", categoryName=api.api_user, url=shared.url)
        before = len(shared.callbacks())
        send(api, f"open@{SIM}")
        hook(api, shared.url)
        send(api, "marker@example.com")
        shared.wait_for(lambda r: any(f.get("recipient") == "marker@example.com" for f in r.forms()))
        assert [f["recipient"] for f in shared.callbacks()[before:]] == ["marker@example.com"]


def test_fails_twice_then_succeeds_three_attempts(client):
    account = new_account(client)
    api = Api(client, account)
    with Receiver(statuses=[500, 404]) as receiver:
        hook(api, receiver.url)
        [email_id] = send(api, "ben@example.com")
        attempts = wait_deliveries(client, 3, account=account["userName"])
        assert [(a["attempt"], a["statusCode"], a["status"]) for a in attempts] == [
            (1, 500, "retrying"), (2, 404, "retrying"), (3, 200, "delivered")]
        assert attempts[0]["error"] and attempts[0]["nextAttemptAt"] is not None
        assert attempts[2]["nextAttemptAt"] is None
        assert len(receiver.forms()) == 3
        # the same payload every time: same timestamp, token and signature
        assert len({(f["timestamp"], f["token"], f["signature"]) for f in receiver.forms()}) == 1
        assert all(a["emailId"] == email_id for a in attempts)
        assert [a["attempt"] for a in deliveries(client, account=account["userName"], status="delivered")] == [3]
        assert len(deliveries(client, account=account["userName"], status="500")) == 1


def test_gives_up_after_six_attempts(client):
    account = new_account(client)
    api = Api(client, account)
    with Receiver(default=503) as receiver:
        hook(api, receiver.url)
        send(api, "ben@example.com")
        attempts = wait_deliveries(client, 6, account=account["userName"])
        assert [a["attempt"] for a in attempts] == [1, 2, 3, 4, 5, 6]
        assert [a["status"] for a in attempts] == ["retrying"] * 5 + ["failed"]
        assert len(receiver.forms()) == 6


def test_unreachable_and_slow_receivers_fail(client):
    account = new_account(client)
    api = Api(client, account)
    dead = closed_port_url()
    with Receiver(delays=[3.4]) as slow:
        hook(api, dead)
        hook(api, slow.url, "deliver", category=api.api_user)
        send(api, "ben@example.com")
        refused = wait_deliveries(client, 1, account=account["userName"], url=dead)[0]
        assert refused["statusCode"] is None and refused["error"] and refused["status"] == "retrying"
        timed_out = wait_deliveries(client, 1, account=account["userName"], url=slow.url)[0]
        assert timed_out["statusCode"] is None and "3 s" in timed_out["error"]
        second = wait_deliveries(client, 2, account=account["userName"], url=slow.url)[1]
        assert second["statusCode"] == 200 and second["attempt"] == 2


def test_send_is_not_blocked_by_a_stuck_receiver(client):
    api = Api(client, new_account(client))
    gate = threading.Event()
    with Receiver(gate=gate) as receiver:
        hook(api, receiver.url, "request")
        send(api, "ben@example.com")
        # the receiver has the callback but has not answered: the send answered anyway
        assert receiver.wait_for(lambda r: r.requests)
        assert api.call("mail/send", **{"from": "a@example.com", "to": "c@example.com", "subject": "x",
                                        "html": "y"})["statusCode"] == 200
        gate.set()


def test_pending_retries_survive_a_restart(tmp_path_factory):
    # Real retry times (the first retry a minute later): only the account's clock makes it due, so
    # neither server can reach it by itself, however slow the machine.
    settings = make_settings(tmp_path_factory, webhook_retry_scale=1)
    with Receiver(statuses=[500]) as receiver:
        with TestClient(create_app(settings)) as first:
            account = new_account(first)
            api = Api(first, account)
            hook(api, receiver.url)
            send(api, "ben@example.com")
            assert wait_deliveries(first, 1)[0]["status"] == "retrying"
        assert len(receiver.forms()) == 1
        with TestClient(create_app(settings)) as second:
            assert [(a["attempt"], a["status"]) for a in deliveries(second)] == [(1, "retrying")]
            clock = second.put(f"/_emulator/accounts/{account['userName']}/clock", json={"advanceSeconds": 60})
            assert clock.status_code == 200, clock.text
            attempts = wait_deliveries(second, 2, timeout=20)
            assert [(a["attempt"], a["statusCode"]) for a in attempts] == [(1, 500), (2, 200)]
        assert len(receiver.forms()) == 2


def test_reset_of_account_drops_pending(client):
    account = new_account(client)
    api = Api(client, account)
    with Receiver(default=500) as receiver:
        hook(api, receiver.url)
        send(api, "ben@example.com")
        wait_deliveries(client, 1, account=account["userName"])
        assert client.post("/_emulator/reset", params={"account": account["userName"]}).status_code == 204
        assert deliveries(client, account=account["userName"]) == []
        count = len(receiver.forms())
        assert api.call("webhook/list")["info"]["total"] == 1  # configuration stays
        # a later send to the same URL is the marker: one URL gets its callbacks in queue order
        [marker] = send(api, "marker@example.com")
        receiver.wait_for(lambda r: any(f.get("recipient") == "marker@example.com" for f in r.forms()))
        old = [f for f in receiver.forms() if f.get("recipient") == "ben@example.com"]
        assert len(old) <= count + 1  # at most one attempt was already in flight
        assert all(a["emailId"] == marker for a in deliveries(client, account=account["userName"]))


def test_one_url_gets_callbacks_in_event_order(client):
    api = Api(client, new_account(client))
    with Receiver() as receiver:
        hook(api, receiver.url, "request,deliver,open")
        ids = send(api, ";".join(f"open+{i}@{SIM}" for i in range(30)))
        forms = receiver.wait_for(lambda r: len(r.callbacks()) >= 61 and r.callbacks(), timeout=60)
        expected = [("request", "")] + [(event, email_id) for email_id in ids for event in ("deliver", "open")]
        assert [(f["event"], f.get("emailId", "")) for f in forms] == expected


def test_callback_cut_off_by_a_shutdown_is_sent_after_restart(tmp_path_factory):
    settings = make_settings(tmp_path_factory)
    gate = threading.Event()
    with Receiver(gate=gate) as receiver:
        with TestClient(create_app(settings)) as first:
            api = Api(first, new_account(first))
            hook(api, receiver.url)
            send(api, "ben@example.com")
            assert receiver.wait_for(lambda r: r.requests)  # the attempt is under way, unanswered
        gate.set()  # the first server has stopped mid-attempt
        with TestClient(create_app(settings)) as second:
            attempts = wait_deliveries(second, 1, timeout=15)
            assert [(a["attempt"], a["statusCode"]) for a in attempts] == [(1, 200)]
        forms = receiver.forms()
        assert len(forms) == 2 and forms[0]["token"] == forms[1]["token"]


def test_deleting_an_account_removes_its_callbacks(client):
    account = new_account(client)
    api = Api(client, account)
    with Receiver(statuses=[500]) as receiver:
        hook(api, receiver.url)
        api.call("unsubscribe/add", email="ann@example.com")
        send(api, f"invalid@{SIM};spam@{SIM}")
        wait_deliveries(client, 2, account=account["userName"])
        assert client.delete(f"/_emulator/accounts/{account['userName']}").status_code == 204
        assert deliveries(client, account=account["userName"]) == []
        assert client.get("/_emulator/events", params={"account": account["userName"]}).json()["total"] == 0
