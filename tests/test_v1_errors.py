"""v1 error answers (v1.md §3.2, §4): HTTP 200, {"message":"error","errors":[one string]}, the first
failing check in v2's order, the strings §4.1 fixes and otherwise the v2 code's English text."""

import json

import pytest

from .conftest import Api, new_account
from .test_mail_send import mails
from .v1client import V1, text

SEND = {"from": "a@shop.example.cn", "to": "ann@example.org", "subject": "s", "html": "h"}
LIST = "vip@maillist.sendcloud.org"
MAILLIST_FAIL = ("Can not queue maillist email, use maillist to send mail fail! msg=Mailing List doesnot exsit, "
                 "please check your param!")


@pytest.fixture(scope="module")
def world(client):
    """Accounts and objects the error rows need; no row changes them (a failed request stores nothing)."""
    account = new_account(client, quota=1000)
    trigger, batch = V1(client, account), V1(client, account, batch=True)
    trigger.ok("template.add", invoke_name="trig", name="T", html="<p>t</p>", subject="T", email_type="0")
    batch.ok("template.add", invoke_name="bat", name="B", html="<p>b</p>", subject="B", email_type="1")
    trigger.ok("list.create", address=LIST, name="VIP")
    trigger.ok("list.create", address="other@maillist.sendcloud.org", name="Other")
    trigger.ok("list_member.add", mail_list_addr=LIST, member_addr="ben@example.org")
    trigger.ok("label.create", labelName="taken")
    manual = new_account(client, templateReview="manual")
    V1(client, manual).ok("template.add", invoke_name="pending", name="P", html="<p>p</p>", subject="P",
                          email_type="0")
    return {"account": account, "trigger": trigger, "batch": batch, "manual": V1(client, manual)}


def addresses(n: int) -> str:
    return ";".join(f"u{i}@example.org" for i in range(n))


# (who, action, params, the expected code or §4.1 string)
ROWS = [
    # mail.send (§4.2, in the order of §5.1)
    ("trigger", "mail.send", {**SEND, "from": ""}, 40801),
    ("trigger", "mail.send", {**SEND, "from": "not an address"}, 40802),
    ("trigger", "mail.send", {**SEND, "fromname": "a\nb"}, 40804),
    ("trigger", "mail.send", {**SEND, "use_maillist": ""}, 40873),
    ("trigger", "mail.send", {**SEND, "use_maillist": "maybe"}, 40874),
    ("trigger", "mail.send", {**SEND, "use_maillist": "true"}, 40820),
    ("trigger", "mail.send", {**SEND, "x_smtpapi": "not json"}, 40813),
    ("trigger", "mail.send", {**SEND, "x_smtpapi": '{"to": []}'}, 40816),
    ("trigger", "mail.send", {**SEND, "x_smtpapi": json.dumps({"to": addresses(101).split(";")})}, 40827),
    ("trigger", "mail.send", {**SEND, "x_smtpapi": '{"to": ["bad"]}'}, 40880),
    ("trigger", "mail.send", {**SEND, "to": ""}, 40805),
    ("trigger", "mail.send", {**SEND, "to": addresses(101)}, 40807),
    ("trigger", "mail.send", {**SEND, "to": "ann@example.org;bad"}, 40806),
    ("batch", "mail.send", {**SEND, "use_maillist": "true", "to": ""}, 40872),
    ("batch", "mail.send", {**SEND, "use_maillist": "true", "to": ";".join(f"l{i}@maillist.sendcloud.org" for i in range(6))}, 40864),
    ("batch", "mail.send", {**SEND, "use_maillist": "true", "to": "not-a-list"}, 40862),
    ("batch", "mail.send", {**SEND, "use_maillist": "true", "to": "nope@maillist.sendcloud.org"}, MAILLIST_FAIL),
    ("batch", "mail.send", {**SEND, "use_maillist": "true", "to": f"{LIST};ann@example.org"}, MAILLIST_FAIL),
    ("trigger", "mail.send", {**SEND, "cc": ";"}, 40852),
    ("trigger", "mail.send", {**SEND, "cc": addresses(101)}, 40854),
    ("trigger", "mail.send", {**SEND, "cc": "bad"}, 40853),
    ("trigger", "mail.send", {**SEND, "bcc": ";"}, 40855),
    ("trigger", "mail.send", {**SEND, "bcc": addresses(101)}, 40857),
    ("trigger", "mail.send", {**SEND, "bcc": "bad"}, 40856),
    ("trigger", "mail.send", {**SEND, "replyto": ";"}, 40810),
    ("trigger", "mail.send", {**SEND, "replyto": addresses(4)}, 40879),
    ("trigger", "mail.send", {**SEND, "replyto": "bad"}, 40811),
    ("trigger", "mail.send", {**SEND, "subject": ""}, 40808),
    ("trigger", "mail.send", {**SEND, "subject": "a\nb"}, 40809),
    ("trigger", "mail.send", {**SEND, "gzip_compress": ""}, 40860),
    ("trigger", "mail.send", {**SEND, "gzip_compress": "x"}, 40861),
    ("trigger", "mail.send", {**SEND, "html": ""}, 40870),
    ("trigger", "mail.send", {**SEND, "html": "a\x00b"}, 40871),
    ("trigger", "mail.send", {**SEND, "gzip_compress": "true", "html": "not gzip"}, 40865),
    ("trigger", "mail.send", {**SEND, "label": "abc"}, 40103),
    ("trigger", "mail.send", {**SEND, "label": "987654321"}, 40106),
    ("trigger", "mail.send", {**SEND, "headers": "{}"}, 40868),
    ("trigger", "mail.send", {**SEND, "headers": "[1]"}, 40869),
    ("trigger", "mail.send", {**SEND, "headers": '{"SC-Custom-a": "x.y"}'}, 40902),
    ("trigger", "mail.send", {**SEND, "files": "text, not a file"}, 40867),
    ("trigger", "mail.send", {**SEND, "resp_email_id": ""}, 40858),
    ("trigger", "mail.send", {**SEND, "resp_email_id": "x"}, 40859),
    # the first failing check wins: from before to, to before subject
    ("trigger", "mail.send", {"from": "bad", "to": "", "subject": ""}, 40802),
    ("trigger", "mail.send", {"from": "a@b.cn", "to": "bad", "subject": ""}, 40806),
    # mail.send_template (§5.2)
    ("trigger", "mail.send_template", {"from": "a@b.cn", "template_invoke_name": ""}, 40823),
    ("trigger", "mail.send_template", {"from": "a@b.cn", "template_invoke_name": "unknown"}, 40823),
    ("manual", "mail.send_template", {"from": "a@b.cn", "template_invoke_name": "pending"}, 40824),
    ("trigger", "mail.send_template", {"from": "a@b.cn", "template_invoke_name": "bat"}, 40825),
    ("trigger", "mail.send_template", {"from": "a@b.cn", "template_invoke_name": "trig"}, 40812),
    ("trigger", "mail.send_template", {"from": "a@b.cn", "template_invoke_name": "trig", "substitution_vars": "{}"}, 40814),
    ("trigger", "mail.send_template", {"from": "a@b.cn", "template_invoke_name": "trig", "substitution_vars": "[x"}, 40813),
    ("trigger", "mail.send_template", {"from": "a@b.cn", "template_invoke_name": "trig", "substitution_vars": '{"sub": {}}'}, 40815),
    ("trigger", "mail.send_template", {"from": "a@b.cn", "template_invoke_name": "trig", "use_maillist": "true"}, 40820),
    ("batch", "mail.send_template", {"from": "a@b.cn", "template_invoke_name": "bat", "use_maillist": "true", "to": "x@maillist.sendcloud.org"}, MAILLIST_FAIL),
    # template.* (§5.3)
    ("trigger", "template.get", {"invoke_name": "bad name!"}, 40202),
    ("trigger", "template.add", {"invoke_name": ""}, 40201),
    ("trigger", "template.add", {"invoke_name": "bad name!"}, 40202),
    ("trigger", "template.add", {"invoke_name": "trig", "name": "x"}, 40220),
    ("trigger", "template.add", {"invoke_name": "new_one", "name": ""}, 40207),
    ("trigger", "template.add", {"invoke_name": "new_one", "name": "n" * 251}, 40208),
    ("trigger", "template.add", {"invoke_name": "new_one", "name": "N", "html": ""}, 40211),
    ("trigger", "template.add", {"invoke_name": "new_one", "name": "N", "html": "a\x00"}, 40212),
    ("trigger", "template.add", {"invoke_name": "new_one", "name": "N", "html": "h", "text": ""}, 40213),
    ("trigger", "template.add", {"invoke_name": "new_one", "name": "N", "html": "h", "text": "\x00"}, 40214),
    ("trigger", "template.add", {"invoke_name": "new_one", "name": "N", "html": "h", "subject": ""}, 40209),
    ("trigger", "template.add", {"invoke_name": "new_one", "name": "N", "html": "h", "subject": "a\nb"}, 40210),
    ("trigger", "template.add", {"invoke_name": "new_one", "name": "N", "html": "h", "subject": "S", "email_type": ""}, 40203),
    ("trigger", "template.add", {"invoke_name": "new_one", "name": "N", "html": "h", "subject": "S", "email_type": "5"}, 40204),
    ("trigger", "template.update", {"invoke_name": "unknown"}, 40216),
    ("manual", "template.update", {"invoke_name": "pending", "name": "x"}, 40223),
    ("trigger", "template.delete", {"invoke_name": ""}, 40201),
    # list.* (§5.4)
    ("trigger", "list.get", {"address": ""}, 40503),
    ("trigger", "list.create", {"address": ""}, 40503),
    ("trigger", "list.create", {"address": "x" * 250 + "@maillist.sendcloud.org"}, 40504),
    ("trigger", "list.create", {"address": "not-an-address"}, 40511),
    ("trigger", "list.create", {"address": LIST, "name": "x"}, 40505),
    ("trigger", "list.create", {"address": "new@maillist.sendcloud.org", "name": ""}, 40501),
    ("trigger", "list.create", {"address": "new@maillist.sendcloud.org", "name": "n" * 49}, 40502),
    ("trigger", "list.create", {"address": "new@maillist.sendcloud.org", "name": "N", "description": ""}, 40506),
    ("trigger", "list.create", {"address": "new@maillist.sendcloud.org", "name": "N", "description": "d" * 251}, 40507),
    ("trigger", "list.update", {"address": "unknown@maillist.sendcloud.org", "name": "x"}, 40517),
    ("trigger", "list.update", {"address": LIST, "toAddress": ""}, 40509),
    ("trigger", "list.update", {"address": LIST, "toAddress": "x" * 250 + "@maillist.sendcloud.org"}, 40510),
    ("trigger", "list.update", {"address": LIST, "toAddress": "not-an-address"}, 40511),
    ("trigger", "list.update", {"address": LIST, "toAddress": "other@maillist.sendcloud.org"}, 40505),
    ("trigger", "list.update", {"address": LIST}, "toAddress, name or description is required"),
    ("trigger", "list.delete", {"address": "unknown@maillist.sendcloud.org"}, 40517),
    # list_member.* (§5.5)
    ("trigger", "list_member.get", {"mail_list_addr": ""}, 40503),
    ("trigger", "list_member.get", {"mail_list_addr": "unknown@maillist.sendcloud.org"}, 40517),
    ("trigger", "list_member.get", {"mail_list_addr": LIST, "member_addr": "bad"}, 40518),
    ("trigger", "list_member.get", {"mail_list_addr": LIST, "member_addr": addresses(1001)}, 40515),
    ("trigger", "list_member.get", {"mail_list_addr": LIST, "start": "-1"}, 40002),
    ("trigger", "list_member.add", {"mail_list_addr": "x" * 250 + "@maillist.sendcloud.org"}, 40504),
    ("trigger", "list_member.add", {"mail_list_addr": "not-an-address"}, 40511),
    ("trigger", "list_member.add", {"mail_list_addr": LIST, "member_addr": ""}, 40512),
    ("trigger", "list_member.add", {"mail_list_addr": LIST, "member_addr": ";"}, 40514),
    ("trigger", "list_member.add", {"mail_list_addr": LIST, "member_addr": addresses(1001)}, 40515),
    ("trigger", "list_member.add", {"mail_list_addr": LIST, "member_addr": "m" * 49 + "@example.org"}, 40513),
    ("trigger", "list_member.add", {"mail_list_addr": LIST, "member_addr": "bad"}, 40518),
    ("trigger", "list_member.add", {"mail_list_addr": LIST, "member_addr": "new@example.org", "vars": ""}, 40520),
    ("trigger", "list_member.add", {"mail_list_addr": LIST, "member_addr": "new@example.org", "vars": "{nope"}, 40522),
    ("trigger", "list_member.add", {"mail_list_addr": LIST, "member_addr": "new@example.org",
                                    "vars": json.dumps({"k": "v" * 1100})}, 40531),
    ("trigger", "list_member.add", {"mail_list_addr": LIST, "member_addr": "new@example.org", "vars": "{};{}"}, 40521),
    ("trigger", "list_member.add", {"mail_list_addr": LIST, "member_addr": "new@example.org", "upsert": "maybe"},
     "invalid upsert format"),
    ("trigger", "list_member.add", {"mail_list_addr": LIST, "member_addr": "new@example.org;ben@example.org"},
     "member address already exists"),
    ("trigger", "list_member.add", {"mail_list_addr": LIST, "member_addr": "ben@example.org", "upsert": "false"},
     "member address already exists"),
    ("trigger", "list_member.update", {"mail_list_addr": LIST, "member_addr": ""}, 40512),
    ("trigger", "list_member.delete", {"mail_list_addr": "unknown@maillist.sendcloud.org", "member_addr": "a@b.cn"}, 40517),
    # label.* (§5.6)
    ("trigger", "label.list", {"query": ""}, 40111),
    ("trigger", "label.list", {"query": "a\nb"}, 40112),
    ("trigger", "label.list", {"limit": "101"}, 40004),
    ("trigger", "label.get", {}, 40102),
    ("trigger", "label.get", {"labelId": "", "labelName": "taken"}, 40102),
    ("trigger", "label.get", {"labelId": "abc"}, 40103),
    ("trigger", "label.get", {"labelId": "987654321"}, 40106),
    ("trigger", "label.get", {"labelName": ""}, 40104),
    ("trigger", "label.get", {"labelName": "a\nb"}, 40105),
    ("trigger", "label.get", {"labelName": "unknown"}, 40106),
    ("trigger", "label.get", {"labelName": "TAKEN"}, 40106),
    ("trigger", "label.create", {"labelName": ""}, 40104),
    ("trigger", "label.create", {"labelName": "taken"}, 40113),
    ("trigger", "label.update", {"labelId": ""}, 40102),
    ("trigger", "label.delete", {"labelId": "987654321"}, 40106),
    # stats and suppression lists (§5.7, §5.8)
    ("trigger", "stats.get", {}, 40006),
    ("trigger", "stats.get", {"days": ""}, 40006),
    ("trigger", "stats.get", {"days": "0"}, 40006),
    ("trigger", "stats.get", {"days": "93"}, 40006),
    ("trigger", "stats.get", {"start_date": "2024-13-01", "end_date": "2024-12-01"}, 40007),
    ("trigger", "stats.get", {"start_date": "2024-12-01", "end_date": ""}, 40008),
    ("trigger", "stats.get", {"start_date": "2024-01-01", "end_date": "2024-12-01"}, 40008),
    ("trigger", "stats.get", {"days": "1", "api_user_list": ""}, 40010),
    ("trigger", "stats.get", {"days": "1", "api_user_list": "[bad name!]"}, 40016),
    ("trigger", "stats.get", {"days": "1", "label_id_list": ""}, 40009),
    ("trigger", "stats.get", {"days": "1", "label_id_list": "[x]"}, 40015),
    ("trigger", "stats.get", {"days": "1", "domain_list": ""}, 40013),
    ("trigger", "stats.get", {"days": "1", "aggregate": ""}, 40017),
    ("trigger", "stats.get", {"days": "1", "aggregate": "x"}, 40017),
    ("trigger", "statsHour.get", {"days": "x"}, 40006),
    ("trigger", "invalidStat.get", {"days": "1", "aggregate": "2"}, 40017),
    ("trigger", "bounces.get", {"email": ""}, 40011),
    ("trigger", "bounces.get", {"email": "bad"}, 40012),
    ("trigger", "bounces.get", {"days": "1", "start": ""}, 40001),
    ("trigger", "bounces.get", {"days": "1", "start": "-1"}, 40002),
    ("trigger", "bounces.get", {"days": "1", "limit": ""}, 40003),
    ("trigger", "bounces.get", {"days": "1", "limit": "101"}, 40004),
    ("trigger", "bounces.delete", {}, 40006),
    ("trigger", "bounces.count", {"days": "-3"}, 40006),
    ("trigger", "unsubscribes.get", {"days": "1", "label_id_list": ";"}, 40009),
    ("trigger", "unsubscribes.add", {}, 40011),
    ("trigger", "unsubscribes.add", {"email": "bad"}, 40012),
    ("trigger", "unsubscribes.delete", {"email": "bad"}, 40012),
    ("trigger", "spamReported.get", {"start_date": "yesterday", "end_date": "2024-12-01"}, 40007),
    # account (§5.9)
    ("trigger", "apiUser.list", {"api_user_type": ""}, 41101),
    ("trigger", "apiUser.list", {"api_user_type": "5"}, 41102),
    ("trigger", "domain.list", {"domain_type": ""}, 41007),
    ("trigger", "domain.list", {"domain_type": "x"}, 41008),
]


@pytest.mark.parametrize("who, action, params, expected", ROWS,
                         ids=[f"{r[1]}-{i}" for i, r in enumerate(ROWS)])
def test_error_rows(world, client, who, action, params, expected):
    caller = world[who]
    before = client.get("/_emulator/mails", params={"account": caller.account["userName"]}).json()["total"]
    found = caller.error(action, **params)
    assert found == (text(expected) if isinstance(expected, int) else expected)
    assert client.get("/_emulator/mails", params={"account": caller.account["userName"]}).json()["total"] == before


def test_credentials(client, world):
    account = world["account"]
    for data in ({}, {"api_user": account["apiUser"]}, {"api_key": account["apiKey"]},
                 {"api_user": " ", "api_key": account["apiKey"]}, {"api_user": account["apiUser"], "api_key": ""}):
        response = client.post("/webapi/userinfo.get.json", data=data)
        assert response.status_code == 200
        assert response.json() == {"message": "error", "errors": ["api_user and api_key can not be null !"]}
    # the v2 names are not read here
    response = client.post("/webapi/userinfo.get.json", data={"apiUser": account["apiUser"], "apiKey": account["apiKey"]})
    assert response.json()["errors"] == ["api_user and api_key can not be null !"]
    for user, key in ((account["apiUser"], "wrong"), ("nobody_here", account["apiKey"]),
                      (account["apiUser"].upper(), account["apiKey"])):
        response = client.post("/webapi/mail.send.json", data={"api_user": user, "api_key": key, **SEND})
        assert response.json() == {"message": "error", "errors": ["authentication failed"]}
    # any API_USER of the account authorises every action
    assert world["batch"].ok("userinfo.get")["userinfo"]["userName"] == account["userName"]


def test_template_count_cap(client):
    v1 = V1(client, new_account(client))
    for i in range(50):
        v1.ok("template.add", invoke_name=f"t{i}", name="N", html="h", subject="S", email_type="0")
    assert v1.error("template.add", invoke_name="t50", name="N", html="h", subject="S", email_type="0") == text(40219)
    assert v1.error("template.add", invoke_name="t1", name="N", html="h", subject="S", email_type="0") == text(40220)


def test_quota_is_the_last_check_and_shared_with_v2(client):
    account = new_account(client, quota=3)
    v1, api = V1(client, account), Api(client, account)
    assert api.call("mail/send", **SEND)["statusCode"] == 200
    assert v1.error("mail.send", **{**SEND, "to": addresses(3)}) == text(40904)
    assert v1.error("mail.send", **{**SEND, "to": addresses(3), "subject": ""}) == text(40808)  # params first
    assert v1.ok("mail.send", **{**SEND, "to": addresses(2)}) == {"message": "success"}
    assert api.call("mail/send", **SEND)["statusCode"] == 40904
    assert v1.ok("userinfo.get")["userinfo"]["usedQuota"] == 3


def test_attachment_size_and_empty_filename(client, world):
    v1 = world["trigger"]
    assert v1.multipart("mail.send", SEND, [("file", "", b"x")]) == {"message": "error", "errors": [text(40818)]}
    assert v1.multipart("mail.send", SEND, [("myfile", "a.txt", b"x"), ("files", "", b"y")])["errors"] == [text(40818)]
    big = b"x" * (10485760 + 1)
    assert v1.error("mail.send", upload=[("file", ("big.bin", big, "application/octet-stream"))], **SEND) == text(40819)
    assert mails(client, account=world["account"]["userName"], subject="s") == []


def test_an_internal_error_is_abnormal_sever_and_stores_nothing(client, monkeypatch):
    account = new_account(client)
    from sendcloud_emulator.domain import sending

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sending, "store_files", broken)
    assert V1(client, account).error("mail.send", **SEND) == "Abnormal sever"
    assert mails(client, account=account["userName"]) == []
