"""The /webapi door (v1.md §2, §3, §7): routing answers, parameter sources, the shared pipeline
(faults, rate limit), parity of a v1 send with its v2 twin (mails, events, webhooks), OpenAPI."""

import json

import pytest

from .conftest import Api, new_account
from .receiver import Receiver
from .test_mail_send import full, mails
from .v1client import V1, text

SEND = {"from": "a@shop.example.cn", "to": "ann@example.org", "subject": "s", "html": "h"}
JSON_UTF8 = "application/json; charset=utf-8"


@pytest.fixture
def v1(client, account) -> V1:
    return V1(client, account)


# §2.1 routing ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/webapi", "/webapi/", "/webapi/mail.send", "/webapi/mail.send.txt",
                                  "/webapi/mail.nosuch.json", "/webapi/nosuch.get.json", "/webapi/mail/send.json",
                                  "/webapi/mail.send.json//", "/webapi/mail.send.json.json",
                                  "/webapi/mail.sendcalendar.json", "/webapi/webhook.list.json",
                                  "/webapi/template.submit.json", "/webapi/apiUser.add.json"])
def test_unknown_routes_are_404_before_authentication(client, account, path):
    for method in ("GET", "POST"):
        response = client.request(method, path, params={"api_user": account["apiUser"], "api_key": account["apiKey"]})
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == {"message": "error", "errors": ["Not Found"]}
        assert response.headers["content-type"] == JSON_UTF8


def test_methods_formats_case_and_trailing_slash(client, v1):
    creds = v1.auth()
    response = client.get("/webapi/mail.send_template.json", params=creds)
    assert (response.status_code, response.json()) == (405, {"message": "error", "errors": ["Method Not Allowed"]})
    for method in ("PUT", "DELETE", "PATCH"):
        assert client.request(method, "/webapi/list.get.json", params=creds).status_code == 405
    response = client.post("/webapi/list.get.xml", data=creds)
    assert (response.status_code, response.json()) == \
        (200, {"message": "error", "errors": ["xml format is not supported by the emulator, use json"]})
    assert client.post("/webapi/list.get.xml").json()["errors"] == [  # before authentication
        "xml format is not supported by the emulator, use json"]
    for path in ("/webapi/apiuser.list.json", "/webapi/SpamReported.get.json",
                 "/webapi/queueStatus.get.json/", "/webapi/USERINFO.GET.JSON"):
        response = client.get(path, params={**creds, "days": "1"})
        assert response.status_code == 200 and response.json()["message"] == "success", path
    # mail.send answers GET too
    response = client.get("/webapi/mail.send.json", params={**creds, **SEND})
    assert response.json() == {"message": "success"}


def test_body_over_the_limit(tmp_path_factory):
    from fastapi.testclient import TestClient

    from sendcloud_emulator.app import create_app

    from .conftest import make_settings

    with TestClient(create_app(make_settings(tmp_path_factory, max_body_bytes=2000))) as client:
        account = new_account(client)
        creds = {"api_user": account["apiUser"], "api_key": account["apiKey"]}
        big = "x" * 3000
        response = client.post("/webapi/mail.send.json", data=creds, files=[("file", ("a.bin", big.encode()))])
        assert (response.status_code, response.json()) == (200, {"message": "error", "errors": [text(40819)]})
        response = client.post("/webapi/mail.send_template.json", data=creds, files=[("f", ("a.bin", big.encode()))])
        assert response.json()["errors"] == [text(40819)]
        response = client.post("/webapi/mail.send.json", data={**creds, **SEND, "html": big})
        assert (response.status_code, response.json()) == (413, {"message": "error", "errors": ["Payload Too Large"]})
        response = client.post("/webapi/list.create.json", files=[("f", ("a.bin", big.encode()))])
        assert response.status_code == 413
        assert mails(client, account=account["userName"]) == []


# §2.3 parameter sources ----------------------------------------------------------------------------
def test_query_form_multipart_and_repeated_keys(client, v1):
    creds = v1.auth()
    # query and body together; a repeated list key is joined with `;` (nodemailer sends arrays so)
    response = client.post("/webapi/mail.send.json", params=creds,
                           content="from=a%40shop.example.cn&to=x%40example.org&to=y%40example.org&subject=s"
                                   "&html=h&resp_email_id=1&text=ignored&plain=ignored&replyTo=ignored&apiUser=z",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    ids = response.json()["email_id_list"]
    assert [full(client, e)["to"] for e in ids] == ["x@example.org", "y@example.org"]
    mail = full(client, ids[0])
    assert mail["plain"] is None and mail["replyTo"] == ["a@shop.example.cn"]
    # multipart text parts
    response = client.post("/webapi/list.create.json", files={"address": (None, "mp@maillist.sendcloud.org"),
                                                              "name": (None, "MP"), **{k: (None, v) for k, v in creds.items()}})
    assert response.json()["list"]["name"] == "MP"
    # blank = absent: fromname=, headers=, replyto=, label=, x_smtpapi= as real clients send them
    body = v1.ok("mail.send", **SEND, fromname="", headers="", replyto="", label="", x_smtpapi="", resp_email_id="TRUE")
    mail = full(client, body["email_id_list"][0])
    assert mail["fromName"] == "" and mail["headers"] == {} and mail["labelId"] is None


# §3.3 the shared pipeline: faults and rate limit -----------------------------------------------------
def test_fault_rules_match_v1_actions_through_their_twins(client, v1, faults):
    faults({"module": "mail", "action": "send", "statusCode": 40902})
    assert v1.error("mail.send", **SEND) == text(40902)
    assert mails(client, account=v1.account["userName"]) == []
    assert v1.ok("userinfo.get")["message"] == "success"
    faults({"module": "addressmember", "action": "get", "statusCode": 501})
    v1.ok("list.create", address="f@maillist.sendcloud.org", name="F")
    assert v1.ok("list_member.get", mail_list_addr="f@maillist.sendcloud.org")["total_count"] == 0  # the list twin
    assert v1.error("list_member.get", mail_list_addr="f@maillist.sendcloud.org", member_addr="a@b.cn") == \
        "Abnormal sever"
    faults({"statusCode": 40301, "apiUser": v1.api_user})  # no module/action: every v1 action
    assert v1.error("queueStatus.get") == text(40301)
    faults({"module": "statday", "statusCode": 40017, "count": 1})
    assert v1.error("stats.get", days="1") == text(40017)
    assert v1.ok("stats.get", days="1")["stats"] == []
    # authentication comes before the faults
    assert client.post("/webapi/stats.get.json", data={"api_user": v1.api_user, "api_key": "wrong"}).json() == \
        {"message": "error", "errors": ["authentication failed"]}


def test_rate_limit_window_is_shared_with_v2(client):
    account = new_account(client, rateLimitPerMinute=3)
    v1, api = V1(client, account), Api(client, account)
    assert v1.ok("userinfo.get") and api.call("userinfo/get")["statusCode"] == 200
    assert v1.ok("queueStatus.get")
    assert v1.error("userinfo.get") == text(50001)
    assert api.call("userinfo/get")["statusCode"] == 50001


# §7 parity with v2: same inputs → same mails, events and webhooks -----------------------------------------
VOLATILE_MAIL = {"emailId", "messageId", "source", "createdAt", "statusTime", "events"}
VOLATILE_HOOK = {"timestamp", "token", "signature", "emailId", "messageId", "emailIds"}


def test_a_v1_send_and_its_v2_twin_store_the_same_mails_events_and_webhooks(client):
    account = new_account(client)
    v1, api = V1(client, account), Api(client, account)
    label_id = api.call("label/add", labelName="parity")["info"]["data"]["labelId"]
    common = {"from": "Shop <orders@shop.example.cn>", "to": "ann@example.org;open@sim.sendcloud.test",
              "cc": "cc@example.org", "bcc": "bcc@example.org", "subject": "Hi %name%", "html": "<p>%name%</p>",
              "headers": json.dumps({"SC-Custom-Order": "42", "X-Extra": "1"})}
    xs = json.dumps({"sub": {"%name%": ["Ann"]}})
    with Receiver() as receiver:
        api.call("webhook/add", categoryName="all", event="request,deliver,open", url=receiver.url)
        v2_ids = api.call("mail/send", **common, fromName="Shop", replyTo="r@shop.example.cn", labelId=str(label_id),
                          xsmtpapi=xs, files=[("attachments", ("a.txt", b"alpha", "text/plain"))])["info"]["emailIdList"]
        v1_ids = v1.ok("mail.send", **common, fromname="Shop", replyto="r@shop.example.cn", label=str(label_id),
                       x_smtpapi=xs, resp_email_id="true",
                       upload=[("file", ("a.txt", b"alpha", "text/plain"))])["email_id_list"]
        assert len(v1_ids) == len(v2_ids) == 4
        # per send: one request callback, four deliver, one open
        hooks = receiver.wait_for(lambda r: len(r.callbacks()) >= 12 and r.callbacks())
    for v1_id, v2_id in zip(v1_ids, v2_ids, strict=True):
        one, two = full(client, v1_id), full(client, v2_id)
        assert (one["source"], two["source"]) == ("v1", "v2")
        assert {k: v for k, v in one.items() if k not in VOLATILE_MAIL} == \
            {k: v for k, v in two.items() if k not in VOLATILE_MAIL}
        assert [(e["event"], e["subStat"], e["url"]) for e in one["events"]] == \
            [(e["event"], e["subStat"], e["url"]) for e in two["events"]]
        assert client.get(f"/_emulator/mails/{v1_id}/attachments/0").content == b"alpha"
    assert full(client, v1_ids[0])["subject"] == "Hi Ann" and full(client, v1_ids[0])["labelId"] == label_id

    def by_send(ids):
        message_id = ids[0].split("$")[0][:-1]
        found = [h for h in hooks if h.get("messageId") == message_id or h.get("emailId", "").startswith(message_id)]
        return sorted(({k: v for k, v in h.items() if k not in VOLATILE_HOOK} for h in found),
                      key=lambda h: json.dumps(h, sort_keys=True))

    assert by_send(v1_ids) == by_send(v2_ids)
    assert sorted(h["event"] for h in by_send(v1_ids)) == ["deliver"] * 4 + ["open", "request"]
    stats = api.call("statday/list", days="1")["info"]["dataList"]
    assert sum(r["requestNum"] for r in stats) == 8


# OpenAPI --------------------------------------------------------------------------------------------
def test_openapi_documents_every_v1_route(client):
    from sendcloud_emulator.routes import WEBAPI_ACTIONS

    schema = client.get("/openapi.json").json()
    assert len(WEBAPI_ACTIONS) == 33
    for entry in WEBAPI_ACTIONS:
        path = schema["paths"][f"/webapi/{entry.module}.{entry.action}.json"]
        assert sorted(path) == sorted(m.lower() for m in entry.methods), entry.name
        expected = ["api_user", "api_key", *entry.decl.names()]
        for method, operation in path.items():
            assert operation["tags"] == ["webapi (v1)"]
            if method == "get":
                names = [p["name"] for p in operation["parameters"]]
            else:
                names = list(operation["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"])
            assert names == [n for n in expected if method == "post" or n != "files"], entry.name
    send = schema["paths"]["/webapi/mail.send.json"]["post"]
    form = send["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert form["files"]["format"] == "binary" and "whatever its name" in form["files"]["description"]
    assert form["resp_email_id"]["type"] == "boolean" and form["resp_email_id"]["default"] is False
    assert "v2 `fromName`" in form["fromname"]["description"] and "40804" in form["fromname"]["description"]
    assert "mail/send" in send["description"]
    members = schema["paths"]["/webapi/list_member.add.json"]["post"]["requestBody"]["content"]
    assert members["application/x-www-form-urlencoded"]["schema"]["properties"]["upsert"]["type"] == "boolean"
    assert schema["paths"]["/webapi/queueStatus.get.json"]["get"]["description"] == "No v2 twin: a fixed answer."



def test_v1_mails_in_the_outbox_and_the_ui(client, v1, api):
    user = v1.account["userName"]
    [v1_id] = v1.ok("mail.send", **{**SEND, "subject": "By the old door"}, resp_email_id="true")["email_id_list"]
    api.call("mail/send", **{**SEND, "subject": "By the new door"})
    assert [(m["emailId"], m["source"]) for m in mails(client, account=user, source="v1")] == [(v1_id, "v1")]
    assert [m["subject"] for m in mails(client, account=user, source="v2")] == ["By the new door"]
    page = client.get("/", params={"account": user}).text
    assert page.count('class="tag source s-v1"') == 1
    only_v1 = client.get("/", params={"account": user, "source": "v1"}).text
    assert "By the old door" in only_v1 and "By the new door" not in only_v1
    assert 'id="mail-source" class="tag source s-v1">v1<' in client.get(f"/ui/mails/{v1_id}").text
    # reset?account= wipes v1 traffic like v2 traffic
    assert client.post("/_emulator/reset", params={"account": user}).status_code == 204
    assert mails(client, account=user) == [] and v1.ok("userinfo.get")["userinfo"]["usedQuota"] == 0
