"""/_emulator/mails (control-api.md "Sent mail"): filters, latest, wait, full mail, raw, files, delete."""

import email
import email.policy
import json
import threading
import time

from .conftest import Api, new_account, on_first_empty_look
from .test_mail_send import full, mails, send


def test_filters(api, client, account):
    label_id = api.call("label/add", labelName="outbox-filter")["info"]["data"]["labelId"]
    first = send(api, to="alpha@example.com", subject="Your reset code", html="<p>code 1234</p>",
                 labelId=str(label_id))["info"]["emailIdList"][0]
    second = send(api, to="Beta@Example.com", **{"from": "other@example.com"}, subject="Welcome",
                  html="", plain="welcome text")["info"]["emailIdList"][0]
    user = account["userName"]
    assert [m["emailId"] for m in mails(client, account=user)] == [second, first]  # newest first
    assert [m["emailId"] for m in mails(client, account=user, order="asc")] == [first, second]
    assert [m["emailId"] for m in mails(client, account=user, to="beta@example.com")] == [second]
    assert [m["emailId"] for m in mails(client, account=user, **{"from": "OTHER@example.com"})] == [second]
    assert [m["emailId"] for m in mails(client, account=user, subject="reset")] == [first]
    assert [m["emailId"] for m in mails(client, account=user, q="1234")] == [first]
    assert [m["emailId"] for m in mails(client, account=user, q="welcome text")] == [second]
    assert [m["emailId"] for m in mails(client, labelId=label_id)] == [first]
    message_id = full(client, first)["messageId"]
    assert [m["emailId"] for m in mails(client, messageId=message_id)] == [first]
    assert [m["emailId"] for m in mails(client, apiUser=account["apiUser"])] == [second, first]
    assert len(mails(client, account=user, status="deliver")) == 2
    assert mails(client, account=user, status="invalid") == []
    assert mails(client, account="no-such-account") == []
    page = client.get("/_emulator/mails", params={"account": user, "limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and [m["emailId"] for m in page["items"]] == [first]
    summary = mails(client, account=user, to="alpha@example.com")[0]
    for key in ("emailId", "messageId", "account", "apiUser", "from", "to", "subject", "status", "labelId",
                "createdAt"):
        assert key in summary
    assert summary["createdAt"].endswith("+08:00")


def test_since_filter(api, client, account):
    send(api)
    user = account["userName"]
    assert len(mails(client, account=user, since="2000-01-01T00:00:00")) == 1
    assert mails(client, account=user, since="2999-01-01T00:00:00+00:00") == []
    assert mails(client, account=user, since="2999-01-01T00:00:00 08:00") == []  # "+" sent unencoded
    assert len(mails(client, account=user, since="2000-01-01T00:00:00Z")) == 1
    assert client.get("/_emulator/mails", params={"since": "yesterday"}).status_code == 400


def test_bad_filter_values_are_400(client):
    assert client.get("/_emulator/mails", params={"limit": 501}).status_code == 400
    assert client.get("/_emulator/mails", params={"order": "sideways"}).status_code == 400
    assert client.get("/_emulator/mails", params={"wait": 31}).status_code == 400


def test_latest(api, client, account):
    assert client.get("/_emulator/mails/latest", params={"to": "nobody-yet@example.com"}).status_code == 404
    send(api, to="late@example.com", subject="one")
    send(api, to="late@example.com", subject="two")
    latest = client.get("/_emulator/mails/latest", params={"to": "late@example.com", "account": account["userName"]})
    assert latest.status_code == 200 and latest.json()["subject"] == "two"
    assert [e["event"] for e in latest.json()["events"]][:1] == ["request"]


class LongPoll:
    """GET /_emulator/mails?to=…&wait=30 held in a thread. Started, it returns once the server has
    looked and found nothing (a marker on the server's look, no sleep): the request is waiting."""

    def __init__(self, client, monkeypatch, to: str):
        looked = threading.Event()
        on_first_empty_look(monkeypatch, to, looked.set)
        self.result = {}
        self.thread = threading.Thread(target=lambda: self.result.update(
            response=client.get("/_emulator/mails", params={"to": to, "wait": 30})))
        self.thread.start()
        assert looked.wait(30), "the long poll never looked"
        assert self.waiting()  # it found nothing and holds its request

    def waiting(self) -> bool:
        return self.thread.is_alive()

    def answer(self) -> list[dict]:
        """The mails it answered with; well before its 30 s, or the wait did not end on the mail."""
        self.thread.join(20)
        assert not self.waiting()
        assert self.result["response"].status_code == 200
        return self.result["response"].json()["items"]


def test_wait_for_a_mail_sent_later(client, account, monkeypatch):
    api = Api(client, account)
    target = f"reset-{account['userName']}@example.com"
    poll = LongPoll(client, monkeypatch, target)
    send(api, to=target, subject="Password reset")
    assert [m["subject"] for m in poll.answer()] == ["Password reset"]


def test_wait_times_out_with_an_empty_list(client):
    started = time.monotonic()
    response = client.get("/_emulator/mails", params={"to": "never@example.com", "wait": 0.3})
    assert response.json() == {"total": 0, "items": []}
    assert time.monotonic() - started >= 0.3


def test_other_requests_served_while_waiting(client, account, monkeypatch):
    api = Api(client, account)
    release = f"release-{account['userName']}@example.com"
    poll = LongPoll(client, monkeypatch, release)
    assert send(api)["statusCode"] == 200
    assert client.get("/_emulator/health").status_code == 200
    assert poll.waiting()  # both were answered while the long poll still held its request
    send(api, to=release, subject="release")
    assert [m["subject"] for m in poll.answer()] == ["release"]


def test_full_mail_fields(api, client, account):
    email_id = send(api, to="full@example.com", cc="c@example.com", replyTo="r@example.com",
                    headers=json.dumps({"X-A": "1"}), contentSummary="sum")["info"]["emailIdList"][0]
    mail = full(client, email_id)
    for key in ("emailId", "messageId", "apiUser", "account", "from", "fromName", "to", "cc", "bcc", "replyTo",
                "subject", "html", "plain", "headers", "labelId", "templateInvokeName", "attachments", "status",
                "events", "createdAt"):
        assert key in mail
    assert mail["account"] == account["userName"] and mail["to"] == "full@example.com"
    assert mail["cc"] == ["c@example.com"] and mail["replyTo"] == ["r@example.com"]
    assert mail["headers"] == {"X-A": "1"} and mail["contentSummary"] == "sum"
    assert [e["event"] for e in mail["events"]][0] == "request"
    assert client.get("/_emulator/mails/nope$x@example.com").status_code == 404
    assert client.get("/_emulator/mails/nope$x@example.com/raw").status_code == 404


def test_raw_eml_round_trip(api, client):
    files = [("attachments", ("report.pdf", b"%PDF-1.4\x00\x01binary", "application/pdf")),
             ("attachments", ("清单.txt", "中文内容".encode(), "text/plain")),
             ("embeddedImage", ("logo.png", b"\x89PNG\r\n\x1a\nimg", "image/png"))]
    answer = send(api, **{"from": "Shop <shop@example.com>"}, to="Ann <ann@example.com>", cc="cc@example.com",
                  subject="Bestellung 订单 %n%", html="<p>hi <img src='cid:logo@x'></p>", embeddedCid="logo@x",
                  headers=json.dumps({"X-Trace": "t-1", "SC-Custom-Id": "abc"}), useNotification="true",
                  replyTo="help@example.com", files=files)
    assert answer["statusCode"] == 200
    email_id = answer["info"]["emailIdList"][0]
    response = client.get(f"/_emulator/mails/{email_id}/raw")
    assert response.status_code == 200 and response.headers["content-type"].startswith("message/rfc822")
    message = email.message_from_bytes(response.content, policy=email.policy.default)
    assert message["Subject"] == "Bestellung 订单 %n%"
    assert message["From"].addresses[0].addr_spec == "shop@example.com"
    assert message["From"].addresses[0].display_name == "Shop"
    assert message["To"].addresses[0].addr_spec == "ann@example.com"
    assert message["Cc"].addresses[0].addr_spec == "cc@example.com"
    assert message["Reply-To"].addresses[0].addr_spec == "help@example.com"
    assert message["Disposition-Notification-To"] == "shop@example.com"
    assert message["X-Trace"] == "t-1" and message["SC-Custom-Id"] == "abc"
    assert message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "multipart/mixed"
    html = message.get_body(preferencelist=("html",))
    assert html.get_content().strip() == "<p>hi <img src='cid:logo@x'></p>"
    parts = {part.get_filename(): part for part in message.iter_attachments()}
    assert parts["report.pdf"].get_content() == b"%PDF-1.4\x00\x01binary"
    assert parts["清单.txt"].get_payload(decode=True) == "中文内容".encode()
    inline = [p for p in message.walk() if p.get("Content-ID")]
    assert len(inline) == 1 and inline[0]["Content-ID"] == "<logo@x>"
    assert inline[0].get_payload(decode=True) == b"\x89PNG\r\n\x1a\nimg"
    assert "Bcc" not in message


def test_raw_plain_only_and_bcc_hidden(api, client):
    ids = send(api, to="a@example.com", bcc="hidden@example.com", html="", plain="just text")["info"]["emailIdList"]
    for email_id in ids:
        message = email.message_from_bytes(client.get(f"/_emulator/mails/{email_id}/raw").content,
                                           policy=email.policy.default)
        assert message.get_content_type() == "text/plain"
        assert message.get_content().strip() == "just text"
        assert "hidden@example.com" not in str(message["To"]) and "Bcc" not in message


def test_custom_message_id_header(api, client):
    email_id = send(api, headers=json.dumps({"Message-ID": "<mine@example.com>"}))["info"]["emailIdList"][0]
    message = email.message_from_bytes(client.get(f"/_emulator/mails/{email_id}/raw").content,
                                       policy=email.policy.default)
    assert message["Message-ID"] == "<mine@example.com>"


def test_delete_by_filter_and_by_id(client):
    account = new_account(client)
    api = Api(client, account)
    user = account["userName"]
    ids = send(api, to="d1@example.com;d2@example.com;d3@example.com",
               files=[("attachments", ("a.txt", b"abc", "text/plain"))])["info"]["emailIdList"]
    assert client.delete(f"/_emulator/mails/{ids[0]}").status_code == 204
    assert client.delete(f"/_emulator/mails/{ids[0]}").status_code == 404
    assert client.get(f"/_emulator/mails/{ids[1]}/attachments/0").content == b"abc"
    response = client.delete("/_emulator/mails", params={"account": user, "to": "d2@example.com"})
    assert response.json() == {"deleted": 1}
    assert [m["emailId"] for m in mails(client, account=user)] == [ids[2]]
    assert client.get(f"/_emulator/mails/{ids[2]}/attachments/0").content == b"abc"
    assert client.delete("/_emulator/mails", params={"account": user}).json() == {"deleted": 1}
    assert mails(client, account=user) == []


def test_reset_account_wipes_mails_and_send_request_ids(client):
    account = new_account(client)
    api = Api(client, account)
    assert send(api, sendRequestId="r")["statusCode"] == 200
    assert client.post("/_emulator/reset", params={"account": account["userName"]}).status_code == 204
    assert mails(client, account=account["userName"]) == []
    assert send(api, sendRequestId="r")["statusCode"] == 200
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 1


def test_totals_of_short_pages_offsets_past_the_end_and_limit_zero(api, client, account):
    """A page shorter than `limit` is the last one, so its total is offset + items; past the end and
    with limit=0 the total is still the number of matches."""
    ids = send(api, to=";".join(f"short{i}@example.com" for i in range(5)))["info"]["emailIdList"]
    user = account["userName"]

    def page(**params) -> tuple[int, list[str]]:
        found = client.get("/_emulator/mails", params={"account": user, **params}).json()
        assert "totalCapped" not in found
        return found["total"], [m["emailId"] for m in found["items"]]

    assert page(limit=10) == (5, ids[::-1])
    assert page(limit=2, offset=4) == (5, [ids[0]])
    assert page(limit=5) == (5, ids[::-1])
    assert page(limit=2, offset=5) == (5, [])
    assert page(limit=2, offset=9) == (5, [])
    assert page(limit=0) == (5, [])
    assert page(limit=3, order="asc", offset=3) == (5, ids[3:])
    assert page(limit=3, to="SHORT2@example.com") == (1, [ids[2]])
    assert page(limit=3, to="nobody@example.com") == (0, [])
    assert page(limit=3, offset=1, to="short2@example.com") == (1, [])
    assert mails(client, account=user, to="short2@example.com")[0]["account"] == user


def test_totals_stop_at_the_count_cap(api, client, account, monkeypatch):
    """Past the cap, the outbox and the UI say "N+" instead of counting every mail on each page."""
    from sendcloud_emulator.domain import outbox

    send(api, to=";".join(f"cap{i}@example.com" for i in range(6)))
    user = account["userName"]
    exact = client.get("/_emulator/mails", params={"account": user, "limit": 2}).json()
    assert exact["total"] == 6 and "totalCapped" not in exact
    monkeypatch.setattr(outbox, "COUNT_CAP", 3)
    capped = client.get("/_emulator/mails", params={"account": user, "limit": 2}).json()
    assert capped["total"] == 5 and capped["totalCapped"] is True and len(capped["items"]) == 2
    last = client.get("/_emulator/mails", params={"account": user, "limit": 2, "offset": 4}).json()
    assert last["total"] == 6 and "totalCapped" not in last and len(last["items"]) == 2
    page = client.get("/", params={"account": user})
    assert page.status_code == 200 and '<span id="total">共 3+ 封</span>' in page.text
