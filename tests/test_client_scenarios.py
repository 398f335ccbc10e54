"""A SendCloud client the way the official Python SDK and typical integrations write one, run black-box
against a real uvicorn server over HTTP: bodies form-encoded like `requests` does (`True`/`False`
booleans, `quote_plus`), multipart for attachments, JSON xsmtpapi with explicit nulls, GET with query
parameters for list actions. Every answer is compared with the documented envelope (api.md)."""

import hashlib
import hmac
import json
import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote_plus, urlencode
from zoneinfo import ZoneInfo

import httpx
import pytest

from sendcloud_emulator.pytest_plugin import EmulatorServer
from sendcloud_emulator.settings import Settings

from .receiver import Receiver
from .tasks import tasks_done

pytestmark = pytest.mark.xdist_group("client_scenarios")

SHANGHAI = ZoneInfo("Asia/Shanghai")
TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MESSAGE_ID = r"\d{13}_\d+_\d+_\d{1,4}\.sc-10_0_0_1-inbound"
OK = {"result": True, "statusCode": 200, "message": "请求成功"}
CAPTURED = [json.loads(line) for line in
            (Path(__file__).parent / "data" / "official-python-sdk-requests.jsonl").read_text().splitlines()
            if line.strip()]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One real server for the module: default settings (zh, Asia/Shanghai, webhook probe on),
    whatever SC_EMULATOR_* the environment holds."""
    db = tmp_path_factory.mktemp("client") / "emulator.db"
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    settings = Settings(**{**defaults, "database_url": f"sqlite:///{db}", "webhook_retry_scale": 0.001})
    with EmulatorServer(settings) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def _text(value) -> str:
    return str(value)  # what `requests` does: True → "True", 5 → "5"


class SendCloud:
    """What an integration's SendCloud client looks like."""

    def __init__(self, http: httpx.Client, api_user: str, api_key: str):
        self.http, self.api_user, self.api_key = http, api_user, api_key

    def post(self, path: str, **params) -> dict:
        pairs = [("apiUser", self.api_user), ("apiKey", self.api_key)]
        pairs += [(k, _text(v)) for k, v in params.items() if v is not None]
        response = self.http.post(f"/apiv2/{path}", content=urlencode(pairs, quote_via=quote_plus).encode(),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        return self._envelope(response)

    def get(self, path: str, **params) -> dict:
        query = {"apiUser": self.api_user, "apiKey": self.api_key, **{k: _text(v) for k, v in params.items()}}
        return self._envelope(self.http.get(f"/apiv2/{path}", params=query))

    def multipart(self, path: str, files: list, **params) -> dict:
        data = {"apiUser": self.api_user, "apiKey": self.api_key, **{k: _text(v) for k, v in params.items()}}
        return self._envelope(self.http.post(f"/apiv2/{path}", data=data, files=files))

    @staticmethod
    def _envelope(response: httpx.Response) -> dict:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        body = response.json()
        assert list(body) == ["result", "statusCode", "message", "info"]
        return body


def xsmtpapi(to=None, sub=None, pubsub=None, filters=None, settings=None) -> str:
    """The SDK's shape: every key present, unused ones null, `json.dumps` spacing."""
    return json.dumps({"to": to, "sub": sub, "pubsub": pubsub, "filters": filters, "settings": settings})


def shanghai_now() -> datetime:
    return datetime.now(SHANGHAI).replace(tzinfo=None)


def assert_recent(text: str) -> None:
    """A `yyyy-MM-dd HH:mm:ss` time in Asia/Shanghai, within a minute of now."""
    assert TIME.match(text), text
    assert abs(datetime.strptime(text, "%Y-%m-%d %H:%M:%S") - shanghai_now()) < timedelta(minutes=1), text


def ok(answer: dict) -> dict:
    assert {k: answer[k] for k in ("result", "statusCode", "message")} == OK, answer
    return answer["info"]


def mails(http: httpx.Client, **filters) -> list[dict]:
    response = http.get("/_emulator/mails", params={**filters, "limit": 500})
    assert response.status_code == 200
    return response.json()["items"]


def full(http: httpx.Client, email_id: str) -> dict:
    response = http.get(f"/_emulator/mails/{quote_plus(email_id)}")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def account(server) -> dict:
    response = server.post("/_emulator/accounts", json={"userName": f"cli_{uuid.uuid4().hex[:10]}"})
    assert response.status_code == 201
    return response.json()


@pytest.fixture(scope="module")
def sc(server, account) -> SendCloud:
    return SendCloud(server, account["apiUser"], account["apiKey"])


@pytest.fixture(scope="module")
def sc_batch(server, account) -> SendCloud:
    return SendCloud(server, account["batchApiUser"], account["batchApiKey"])


def test_readme_default_account_label_add(server):
    """README's curl: label/add with the default account answers the documented envelope."""
    answer = SendCloud(server, "demo_trigger", "demoTriggerKey01").post("label/add", labelName="readme")
    data = ok(answer)["data"]
    assert list(data) == ["labelId", "labelName", "gmtCreated", "gmtUpdated"]
    assert isinstance(data["labelId"], int) and data["labelName"] == "readme"
    assert_recent(data["gmtCreated"])
    assert data["gmtUpdated"] == data["gmtCreated"]


def test_label_lifecycle(sc):
    data = ok(sc.post("label/add", labelName="spring-promo"))["data"]
    got = ok(sc.get("label/get", labelId=data["labelId"]))
    assert got == {"data": data}
    listed = ok(sc.get("label/list", query="SPRING", start=0, limit=10))
    assert listed == {"dataList": [data], "count": 1, "total": 1}
    assert ok(sc.post("label/update", labelId=data["labelId"], labelName="spring-2")) == {"count": 1}
    assert sc.post("label/add", labelName="spring-2")["statusCode"] == 40113
    assert sc.get("label/get", labelId=999999999)["statusCode"] == 40106


def test_domain_apiuser_unsubscribe_match_the_documented_examples(sc):
    data = ok(sc.post("domain/add", name="mail.example.cn"))["data"]
    created = data.pop("gmtCreated")
    assert_recent(created)
    assert data == {"name": "mail.example.cn", "type": "普通", "verify": 0, "verifyKey.domain": "mail.example.cn",
                    "verifyKey.value": "c45fc578-7c49-502d-b653-9eea17233b7a", "spf.domain": "mail.example.cn",
                    "spf.value": "v=spf1 include:spf.sendcloud.org ~all",
                    "dkim.domain": "mail._domainkey.mail.example.cn",
                    "dkim.value": "k=rsa;p=yztOVUtBpG4lIIVbkyFchJvp89W5siJvrj1/MfyVjYs=",
                    "cname.domain": "sctrack.mail.example.cn", "cname.value": "track.sendcloud.org",
                    "mx.domain": "mail.example.cn", "mx.value": "mx.sendcloud.net", "gmtUpdated": created}
    name = f"cb_{uuid.uuid4().hex[:12]}"
    added = ok(sc.post("apiuser/add", name=name, emailType=1, domainName="mail.example.cn"))
    assert re.fullmatch(r"[A-Za-z0-9]{16}", added["data"].pop("nameKey"))
    assert added == {"total": 1, "data": {"name": name, "cType": "非测试", "emailType": "批量",
                                          "domain": "mail.example.cn", "neteaseSender": "", "click": 0, "open": 1,
                                          "unsubscribe": 1}}
    rows = ok(sc.get("apiuser/list", emailType=1, domainName="mail.example.cn"))["dataList"]
    listed = {row["name"]: row for row in rows}
    assert listed[name] == {"name": name, "cType": "非测试", "emailType": "批量", "domainName": "mail.example.cn",
                            "neteaseSender": "", "click": 0, "open": 1, "unsubscribe": 1}
    entry = ok(sc.post("unsubscribe/add", email="ann@qq.com"))["data"]
    assert_recent(entry.pop("unsubscribeTime"))
    assert entry == {"email": "ann@qq.com", "domain": "qq.com", "labelId": 0, "apiUser": sc.api_user}


def test_template_auto_review(sc):
    data = ok(sc.post("template/add", invokeName="order_shipped", name="Order shipped", templateType=0,
                      subject="Your order %order% has shipped", html="<p>Hi %name%, order %order% is on its way.</p>",
                      isSubmitAudit=1))["data"]
    assert set(data) == {"name", "invokeName", "templateType", "templateStat", "gmtCreated", "gmtUpdated",
                         "subject", "html", "text", "contentSummary"}
    assert data["templateStat"] == 1 and data["templateType"] == 0
    assert data["gmtUpdated"] == "" and data["text"] == "" and data["contentSummary"] == ""
    assert_recent(data["gmtCreated"])
    assert ok(sc.get("template/get", invokeName="order_shipped")) == {"data": data}
    listed = ok(sc.get("template/list", invokeName="order_shipped"))
    assert listed == {"dataList": [{k: data[k] for k in ("name", "invokeName", "templateType", "templateStat",
                                                          "gmtCreated", "gmtUpdated")}], "count": 1, "total": 1}


def test_address_list_with_members_and_vars(sc):
    alias = "vip@maillist.sendcloud.org"
    data = ok(sc.post("addresslist/add", address=alias, name="VIP", desc="top buyers"))["data"]
    assert list(data) == ["address", "name", "description", "memberCount", "listType", "gmtCreated", "gmtUpdated"]
    assert data["description"] == "top buyers" and data["memberCount"] == 0 and data["listType"] == 0
    assert_recent(data["gmtCreated"])
    assert data["gmtUpdated"] == data["gmtCreated"]
    added = sc.post("addressmember/add", address=alias, members="ben@example.com;joe@example.com",
                    names="Ben;Joe", vars='{"money":"99"};{"money":12.5}')
    assert ok(added) == {"count": 2}
    members = ok(sc.get("addressmember/list", address=alias))
    assert members["count"] == members["total"] == 2
    ben, joe = members["dataList"]
    assert list(ben) == ["address", "member", "name", "vars", "gmtCreated", "gmtUpdated"]
    assert (ben["address"], ben["member"], ben["name"], ben["vars"]) == (alias, "ben@example.com", "Ben",
                                                                         '{"money":"99"}')
    assert json.loads(joe["vars"]) == {"money": 12.5}
    assert_recent(ben["gmtCreated"])
    assert ok(sc.get("addresslist/list", address=alias))["dataList"][0]["memberCount"] == 2


def test_plain_send(server, sc):
    info = ok(sc.post("mail/send", **{"from": "shop@example.com"}, to="ben@example.com", subject="Plain",
                      plain="Hello", fromName="", replyTo="", respEmailId=True))
    (email_id,) = info["emailIdList"]
    assert re.fullmatch(MESSAGE_ID + r"0\$ben@example\.com", email_id)
    mail = full(server, email_id)
    assert mail["plain"] == "Hello" and mail["html"] is None and mail["status"] == "deliver"
    assert ok(sc.post("mail/send", **{"from": "shop@example.com"}, to="ben@example.com", subject="Plain",
                      plain="Hello", respEmailId=False)) == {}


def test_xsmtpapi_send_to_several(server, sc):
    to = ["ben@example.com", "Joe <joe@example.com>", "ann@example.com"]
    info = ok(sc.post("mail/send", **{"from": "Shop <shop@example.com>"}, subject="Hi %name%",
                      html="<p>%name% owes %money%, %shop%</p>",
                      xsmtpapi=xsmtpapi(to=to, sub={"%name%": ["Ben", "Joe", None], "%money%": [1, "2.50", 3]},
                                        pubsub={"%shop%": "Shop"}),
                      useNotification=False, labelName="promo"))
    ids = info["emailIdList"]
    message_id = ids[0].split("0$")[0]
    assert ids == [f"{message_id}0$ben@example.com", f"{message_id}1$joe@example.com",
                   f"{message_id}2$ann@example.com"]
    rendered = [full(server, i) for i in ids]
    assert [m["subject"] for m in rendered] == ["Hi Ben", "Hi Joe", "Hi "]
    assert [m["html"] for m in rendered] == ["<p>Ben owes 1, Shop</p>", "<p>Joe owes 2.50, Shop</p>",
                                             "<p> owes 3, Shop</p>"]
    assert rendered[0]["fromName"] == "Shop" and rendered[0]["labelId"]


def test_attachments_multipart(server, sc):
    files = [("attachments", ("清单.txt", b"one\n", "text/plain")),
             ("attachments", ("b.pdf", b"%PDF-1.4", "application/pdf"))]
    info = ok(sc.multipart("mail/send", files, **{"from": "shop@example.com"}, to="ben@example.com",
                           subject="Files", html="<p>see</p>", respEmailId=True))
    (email_id,) = info["emailIdList"]
    mail = full(server, email_id)
    assert [(a["filename"], a["contentType"], a["size"]) for a in mail["attachments"]] == [
        ("清单.txt", "text/plain", 4), ("b.pdf", "application/pdf", 8)]
    assert server.get(f"/_emulator/mails/{quote_plus(email_id)}/attachments/0").content == b"one\n"


def test_sendtemplate(server, sc):
    ok(sc.post("template/add", invokeName="welcome", name="Welcome", templateType=0, subject="Welcome %name%",
               html="<p>Dear %name%</p>", text="Dear %name%"))
    info = ok(sc.post("mail/sendtemplate", **{"from": "shop@example.com"}, templateInvokeName="welcome",
                      xsmtpapi=xsmtpapi(to=["ben@example.com", "joe@example.com"],
                                        sub={"%name%": ["Ben", "Joe"]})))
    ben, joe = (full(server, i) for i in info["emailIdList"])
    assert (ben["subject"], ben["html"], ben["plain"]) == ("Welcome Ben", "<p>Dear Ben</p>", "Dear Ben")
    assert joe["subject"] == "Welcome Joe" and ben["templateInvokeName"] == "welcome"
    # an unknown invokeName
    assert sc.post("mail/sendtemplate", templateInvokeName="nope", **{"from": "shop@example.com"},
                   xsmtpapi=xsmtpapi(to=["a@example.com"]))["statusCode"] == 40823


def test_address_list_send_and_taskinfo(server, sc, sc_batch, account):
    alias = "news@maillist.sendcloud.org"
    ok(sc.post("addresslist/add", address=alias, name="News"))
    ok(sc.post("addressmember/add", address=alias, members="m1@example.com;m2@example.com;m3@example.com",
               names="M1;;M3", vars='{"code":"A"};{"code":"B"};{"code":"C"}'))
    assert sc.post("mail/send", **{"from": "shop@example.com"}, to=alias, useAddressList=True, subject="s",
                   html="x")["statusCode"] == 40820  # a trigger API_USER cannot send to lists
    answer = sc_batch.post("mail/send", **{"from": "shop@example.com"}, to=alias, useAddressList=True,
                           subject="News for %name%", html="<p>%recipient%: %code%</p>")
    assert answer["result"] is True and answer["statusCode"] == 40821 and answer["message"] == "地址列表任务创建成功"
    (task_id,) = answer["info"]["maillistTaskId"]
    assert isinstance(task_id, int)
    tasks_done(server, answer)
    info = ok(sc.get("mail/taskinfo", maillistTaskId=task_id))
    data = info["data"]
    assert list(data) == ["maillistTaskId", "apiUser", "addressList", "memberCount", "gmtCreated", "gmtUpdated",
                          "status"]
    assert (data["maillistTaskId"], data["apiUser"], data["addressList"], data["memberCount"], data["status"]) == (
        task_id, account["batchApiUser"], alias, 3, "请求完毕")
    assert_recent(data["gmtCreated"])
    assert TIME.match(data["gmtUpdated"])
    found = {m["to"]: full(server, m["emailId"]) for m in mails(server, maillistTaskId=task_id)}
    assert {k: (m["subject"], m["html"]) for k, m in found.items()} == {
        "m1@example.com": ("News for M1", "<p>m1@example.com: A</p>"),
        "m2@example.com": ("News for %name%", "<p>m2@example.com: B</p>"),
        "m3@example.com": ("News for M3", "<p>m3@example.com: C</p>")}
    assert sc.post("mail/taskinfo", maillistTaskId=task_id + 10_000)["statusCode"] == 6001


def test_sendcalendar(server, sc):
    info = ok(sc.post("mail/sendcalendar", **{"from": "shop@example.com"}, to="ben@example.com",
                      subject="Meeting", html="<p>join</p>", startTime="2026-12-01 10:00:00",
                      endTime="2026-12-01 11:00:00", title="Review", organizerName="Shop",
                      organizerEmail="shop@example.com", location="Room 1", participatorNames="Ben;Joe",
                      participatorEmails="ben@example.com;joe@example.com", isCancel=False, isUpdate=False,
                      valarmTime=15))
    (email_id,) = info["emailIdList"]
    raw = server.get(f"/_emulator/mails/{quote_plus(email_id)}/raw").text
    unfolded = raw.replace("\r\n ", "").replace("\n ", "")
    assert "text/calendar" in raw and "method=REQUEST" in raw.replace('"', "")
    assert "DTSTART;TZID=Asia/Shanghai:20261201T100000" in unfolded
    assert "SUMMARY:Review" in unfolded and "BEGIN:VALARM" in unfolded


SIM = "sim.sendcloud.test"


def test_events_emailstatus_statday_openandclick(server, sc):
    label = ok(sc.post("label/add", labelName="sim-run"))["data"]["labelId"]
    info = ok(sc.post("mail/send", **{"from": "shop@example.com"}, subject="Sim",
                      html='<p><a href="https://shop.example.com/o/1">order</a></p>', labelId=label,
                      to=f"open@{SIM};click@{SIM};invalid@{SIM}"))
    open_id, click_id, invalid_id = info["emailIdList"]
    today = shanghai_now().strftime("%Y-%m-%d")

    status = ok(sc.get("data/emailStatus", days=1, labelId=label))
    assert status["total"] == "3" and status["voListSize"] == 3 and list(status) == ["total", "voListSize", "voList"]
    rows = {row["emailId"]: row for row in status["voList"]}
    assert list(rows[open_id]) == ["emailId", "status", "subStatus", "subStatusDesc", "apiUser", "recipients",
                                   "labelId", "requestTime", "modifiedTime", "sendLog"]
    assert {k: rows[open_id][k] for k in ("status", "subStatus", "subStatusDesc", "apiUser", "recipients", "labelId",
                                          "sendLog")} == {
        "status": "投递成功", "subStatus": 0, "subStatusDesc": "", "apiUser": sc.api_user,
        "recipients": f"open@{SIM}", "labelId": label, "sendLog": "successfully delivered"}
    assert {k: rows[invalid_id][k] for k in ("status", "subStatus", "subStatusDesc", "sendLog")} == {
        "status": "无效邮件", "subStatus": 406, "subStatusDesc": "recipient address does not exist",
        "sendLog": "recipient address does not exist"}
    assert_recent(rows[click_id]["requestTime"])
    assert_recent(rows[click_id]["modifiedTime"])

    stats = ok(sc.post("statday/list", startDate=today, endDate=today, labelIdList=label))
    (row,) = stats["dataList"]
    assert (row["sendDate"], row["apiUser"], row["domain"], row["labelId"], row["labelName"]) == (
        today, sc.api_user, SIM, label, "sim-run")
    assert (row["requestNum"], row["deliveredNum"], row["invalidEmailsNum"], row["openNum"], row["clickNum"],
            row["uniqueOpensNum"], row["uniqueClicksNum"]) == (3, 2, 1, 2, 1, 2, 1)
    assert (row["deliveredPercent"], row["invalidEmailsPercent"], row["clickPercent"]) == (66.66, 33.33, 33.33)
    aggregate = ok(sc.get("statday/list", days=1, labelIdList=label, aggregate=1))
    assert aggregate["dataList"]["requestNum"] == "3" and aggregate["dataList"]["uniqueOpenNum"] == "2"
    assert aggregate["count"] == aggregate["total"] == 1

    tracked = ok(sc.get("openandclick/list", days=1, labelId=label))
    items = tracked["dataList"]
    assert tracked["count"] == tracked["total"] == 3
    assert all(list(item) == ["trackType", "apiUser", "email", "url", "currTime"] for item in items)
    assert sorted((i["trackType"], i["email"], i["url"]) for i in items) == [
        (1, f"click@{SIM}", ""), (1, f"open@{SIM}", ""), (2, f"click@{SIM}", "https://shop.example.com/o/1")]
    assert all(TIME.match(i["currTime"]) for i in items)
    assert ok(sc.get("openandclick/list", email=f"click@{SIM}", trackType=2))["total"] == 1

    bounces = ok(sc.get("bounce/list", email=f"invalid@{SIM}"))
    assert [{k: b[k] for k in ("email", "reason", "domain")} for b in bounces["dataList"]] == [
        {"email": f"invalid@{SIM}", "reason": "recipient address does not exist", "domain": SIM}]
    user = ok(sc.post("userinfo/get"))
    assert user["todayUsedQuota"] >= 3 and DATE.match(user["regTime"]) and user["accountType"] == "付费用户"


def test_webhook_with_local_receiver_and_signature(server, sc, account):
    with Receiver() as receiver:
        data = ok(sc.post("webhook/add", categoryName=sc.api_user, event="request,deliver,open", url=receiver.url))
        assert data == {"data": {"url": receiver.url, "categoryName": sc.api_user, "event": "request,deliver,open",
                                 "gmtCreated": data["data"]["gmtCreated"]}}
        assert_recent(data["data"]["gmtCreated"])
        probe = receiver.requests[0]
        assert probe["headers"]["Content-Type"].startswith("application/json") and json.loads(probe["body"]) == {}
        (email_id,) = ok(sc.post("mail/send", **{"from": "shop@example.com"}, to=f"open@{SIM}", subject="Hook",
                                 html="<p>x</p>"))["emailIdList"]
        forms = receiver.wait_for(lambda r: r.forms() if len(r.forms()) >= 3 else None)
        callbacks = [r for r in receiver.requests if "x-www-form-urlencoded" in r["headers"]["Content-Type"]]
        assert {r["headers"]["Content-Type"] for r in callbacks} == {"application/x-www-form-urlencoded; charset=utf-8"}
        assert [f["event"] for f in forms] == ["request", "deliver", "open"]
        for form in forms:
            expected = hmac.new(account["appKey"].encode(), (form["timestamp"] + form["token"]).encode(),
                                hashlib.sha256).hexdigest()
            assert form["signature"] == expected
            assert re.fullmatch(r"\d{13}", form["timestamp"]) and re.fullmatch(r"[A-Za-z0-9]{50}", form["token"])
            assert form["apiUser"] == form["category"] == sc.api_user and form["labelId"] == "0"
        request = forms[0]
        assert json.loads(request["emailIds"]) == [email_id] and request["recipientSize"] == "1"
        assert json.loads(request["recipientArray"]) == [f"open@{SIM}"]
        assert forms[1]["emailId"] == email_id and forms[1]["message"] == "Successfully delivered"
        listed = ok(sc.get("webhook/list", url=receiver.url))
        assert listed == {"dataList": [data["data"]], "count": 1, "total": 1}
        assert ok(sc.post("webhook/delete", categoryName=sc.api_user, url=receiver.url)) == {"count": 1}


# --- the official Python SDK's own requests, byte for byte, over a real connection ----------------------------

def replay(http: httpx.Client, captured: dict, api_user: str, api_key: str) -> dict:
    body: str = captured["body"]
    content_type = captured["headers"]["Content-Type"]
    if content_type.startswith("multipart/"):
        for name, value in (("apiUser", api_user), ("apiKey", api_key)):
            old = f'name="{name}"\r\n\r\n{"u" if name == "apiUser" else "k"}\r\n'
            assert old in body
            body = body.replace(old, f'name="{name}"\r\n\r\n{value}\r\n')
    else:
        assert body.startswith("apiUser=u&apiKey=k&")
        body = f"apiUser={quote_plus(api_user)}&apiKey={quote_plus(api_key)}&" + body[len("apiUser=u&apiKey=k&"):]
    headers = {k: v for k, v in captured["headers"].items() if k not in ("Host", "Content-Length")}
    response = http.request(captured["method"], captured["path"], content=body.encode("utf-8"), headers=headers)
    assert response.status_code == 200
    return response.json()


def captured(subject: str) -> dict:
    return next(c for c in CAPTURED if ("subject", subject) in map(tuple, c["form"]))


def test_sdk_requests_replayed_over_http(server):
    assert len(CAPTURED) == 5
    response = server.post("/_emulator/accounts", json={"userName": f"sdk_{uuid.uuid4().hex[:10]}"})
    account = response.json()
    trigger, batch = ((account["apiUser"], account["apiKey"]), (account["batchApiUser"], account["batchApiKey"]))
    sc = SendCloud(server, *trigger)

    common = ok(replay(server, captured("official common"), *trigger))["emailIdList"]
    assert [i.split("$")[1] for i in common] == ["a@example.com", "b@example.com", "c@example.com"]
    mail = full(server, common[0])
    assert (mail["fromName"], mail["html"], mail["headers"]) == ("Official", "<p>hi</p>", {"X-Custom": "v"})

    (attached,) = ok(replay(server, captured("official attach"), *trigger))["emailIdList"]
    assert server.get(f"/_emulator/mails/{quote_plus(attached)}/attachments/0").content == b"attachment body\n"

    x, y = ok(replay(server, captured("official xsmtpapi %name%"), *trigger))["emailIdList"]
    assert (full(server, x)["html"], full(server, y)["html"]) == ("<p>hi X 1</p>", "<p>hi Y 2</p>")
    assert full(server, x)["dispositionNotificationTo"] == "noreply@example.com"

    assert replay(server, captured("official template"), *trigger)["statusCode"] == 40823  # no template yet
    ok(sc.post("template/add", invokeName="test_template", name="t", subject="T %name%", html="<p>Dear %name%</p>",
               templateType=0))
    (templated,) = ok(replay(server, captured("official template"), *trigger))["emailIdList"]
    assert full(server, templated)["html"] == "<p>Dear X</p>"

    assert replay(server, captured("list"), *batch)["statusCode"] == 40825  # trigger template, batch API_USER
    ok(sc.post("template/update", invokeName="test_template", templateType=1))
    assert replay(server, captured("list"), *batch)["statusCode"] == 40863  # no such list
    ok(sc.post("addresslist/add", address="grp@maillist.sendcloud.org", name="grp"))
    ok(sc.post("addressmember/add", address="grp@maillist.sendcloud.org", members="m1@example.com", names="M1"))
    listed = replay(server, captured("list"), *batch)
    assert (listed["result"], listed["statusCode"], listed["message"]) == (True, 40821, "地址列表任务创建成功")
    (task_id,) = listed["info"]["maillistTaskId"]
    tasks_done(server, listed)
    assert [full(server, m["emailId"])["html"] for m in mails(server, maillistTaskId=task_id)] == ["<p>Dear M1</p>"]
    for each in CAPTURED:
        assert replay(server, each, "nobody_here", "wrongKey0000000")["statusCode"] == 40005


# --- README's settings table: each environment twin really changes the server ------------------------------------

def test_readme_settings_env_twins(monkeypatch, tmp_path, caplog):
    from fastapi.testclient import TestClient

    from sendcloud_emulator.app import create_app

    for name, value in {"SC_EMULATOR_DATABASE_URL": f"sqlite:///{tmp_path / 'env.db'}", "SC_EMULATOR_LANG": "en",
                        "SC_EMULATOR_TIMEZONE": "UTC", "SC_EMULATOR_MAX_BODY_BYTES": "2048",
                        "SC_EMULATOR_ADMIN_TOKEN": "s3cret", "SC_EMULATOR_WEBHOOK_PROBE": "false"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SC_EMULATOR_FIXTURES", raising=False)
    caplog.set_level("WARNING", logger="sendcloud_emulator")
    with TestClient(create_app()) as client:
        # start-up prints the default account's credentials, appKey included (README's table)
        assert ("account demo: apiUser=demo_trigger apiKey=demoTriggerKey01 batchApiUser=demo_batch "
                "batchApiKey=demoBatchKey0001 appKey=demoAppKey000001") in caplog.text
        creds = {"apiUser": "demo_trigger", "apiKey": "demoTriggerKey01"}
        answer = client.post("/apiv2/label/add", data={**creds, "labelName": "env"}).json()
        assert answer["message"] == "request was successful"  # SC_EMULATOR_LANG=en
        created = datetime.strptime(answer["info"]["data"]["gmtCreated"], "%Y-%m-%d %H:%M:%S")
        utc_now = datetime.now(ZoneInfo("UTC")).replace(tzinfo=None)
        assert abs(created - utc_now) < timedelta(minutes=1)  # SC_EMULATOR_TIMEZONE=UTC
        words = client.post("/apiv2/apiuser/list", data=creds).json()["info"]["dataList"][0]
        assert (words["cType"], words["emailType"]) == ("test", "trigger")
        big = client.post("/apiv2/label/add", data={**creds, "labelName": "x" * 3000})
        assert big.status_code == 413 and big.json()["statusCode"] == 413  # SC_EMULATOR_MAX_BODY_BYTES
        files = {"attachments": ("a.txt", b"x" * 3000, "text/plain")}
        send = client.post("/apiv2/mail/send", data={**creds, "from": "a@example.com", "to": "b@example.com",
                                                     "subject": "s", "plain": "p"}, files=files)
        assert send.status_code == 200 and send.json()["statusCode"] == 40819
        assert client.get("/_emulator/accounts").status_code == 401  # SC_EMULATOR_ADMIN_TOKEN
        assert client.get("/_emulator/accounts", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert client.get("/_emulator/health").status_code == 200


def test_xsmtpapi_of_only_nulls(server, sc):
    """The SDK serialises every xsmtpapi key, unset ones as null: such an object is an xsmtpapi without fields
    (decisions.md), not the empty value `{}` (40814)."""
    nothing = xsmtpapi()
    assert json.loads(nothing) == {"to": None, "sub": None, "pubsub": None, "filters": None, "settings": None}
    (email_id,) = ok(sc.post("mail/send", **{"from": "shop@example.com"}, to="ben@example.com", subject="Nulls",
                             plain="p", xsmtpapi=nothing))["emailIdList"]
    assert full(server, email_id)["subject"] == "Nulls"
    assert sc.post("mail/send", **{"from": "shop@example.com"}, to="ben@example.com", subject="s", plain="p",
                   xsmtpapi="{}")["statusCode"] == 40814
    ok(sc.post("template/add", invokeName="nulls", name="n", templateType=0, subject="s", html="h"))
    assert sc.post("mail/sendtemplate", **{"from": "shop@example.com"}, templateInvokeName="nulls",
                   xsmtpapi=nothing)["statusCode"] == 40815
