"""The v1 WEBAPI actions (v1.md §5, §6): every action's success reply field by field, compared with
what its v2 twin says about the same objects, and every v1 reply quirk."""

import json
import re

import pytest

from .conftest import Api, new_account
from .tasks import tasks_done
from .test_mail_send import full, mails
from .v1client import DATE, TIME, V1

SIM = "sim.sendcloud.test"


@pytest.fixture
def v1(client, account) -> V1:
    return V1(client, account)


def test_mail_send_reply_and_stored_mail(v1, api, client, account):
    body = v1.ok("mail.send", **{"from": "orders@shop.example.cn", "fromname": "Shop",
                                 "to": "ann@example.org;li@example.org", "subject": "Receipt",
                                 "html": "<p>Thanks</p>", "resp_email_id": "true"})
    assert list(body) == ["message", "email_id_list"]
    first, second = body["email_id_list"]
    assert re.fullmatch(r"\d{13}_\d+_\d+_\d+\.sc-10_0_0_1-inbound0\$ann@example\.org", first)
    assert second == first.split("$")[0][:-1] + "1$li@example.org"
    mail = full(client, first)
    assert (mail["source"], mail["apiUser"], mail["from"], mail["fromName"], mail["subject"], mail["html"]) == \
        ("v1", account["apiUser"], "orders@shop.example.cn", "Shop", "Receipt", "<p>Thanks</p>")
    assert mail["toList"] == ["ann@example.org", "li@example.org"]
    # resp_email_id defaults to false (§5.1): no email_id_list, but the mail is stored all the same
    assert v1.ok("mail.send", **{"from": "a@shop.example.cn", "to": "ben@example.org", "subject": "s",
                                 "html": "h"}) == {"message": "success"}
    assert [m["source"] for m in mails(client, account=account["userName"], to="ben@example.org")] == ["v1"]


def test_mail_send_every_file_part_is_an_attachment(v1, client):
    files = [("file", ("a.txt", b"alpha", "text/plain")), ("somefile", ("b.csv", b"x,y", "text/csv")),
             ("File", ("清单.txt", "内容".encode(), "text/plain"))]
    body = v1.ok("mail.send", upload=files, **{"from": "a@shop.example.cn", "to": "ann@example.org",
                                             "subject": "files", "html": "h", "resp_email_id": "true"})
    mail = full(client, body["email_id_list"][0])
    assert [(a["filename"], a["contentType"], a["size"]) for a in mail["attachments"]] == \
        [("a.txt", "text/plain", 5), ("b.csv", "text/csv", 3), ("清单.txt", "text/plain", 6)]
    assert client.get(f"/_emulator/mails/{body['email_id_list'][0]}/attachments/1").content == b"x,y"


def test_mail_send_list_mode_and_x_smtpapi(client):
    account = new_account(client)
    batch = V1(client, account, batch=True)
    batch.ok("list.create", address="vip@maillist.sendcloud.org", name="VIP")
    batch.ok("list_member.add", mail_list_addr="vip@maillist.sendcloud.org", member_addr="ben@example.org;kim@example.org",
             name="Ben;Kim", vars='{"money":"99"};{"money":"120"}', upsert="true")
    body = batch.ok("mail.send", **{"from": "a@shop.example.cn", "to": "vip@maillist.sendcloud.org",
                                    "use_maillist": "true", "subject": "Hi %name%", "html": "you have %money%",
                                    "resp_email_id": "true"})
    assert list(body) == ["message", "mail_list_task_id_list"]
    [task_id] = body["mail_list_task_id_list"]
    assert isinstance(task_id, int)
    tasks_done(client, body)
    stored = mails(client, maillistTaskId=task_id, order="asc")
    assert [(m["to"], m["subject"], m["source"]) for m in stored] == \
        [("ben@example.org", "Hi Ben", "v1"), ("kim@example.org", "Hi Kim", "v1")]
    assert full(client, stored[1]["emailId"])["html"] == "you have 120"
    # x_smtpapi: raw JSON, its `to` overrides to/cc/bcc (§5.1)
    trigger = V1(client, account)
    xs = json.dumps({"to": ["ann@example.org", "li@example.org"], "sub": {"%n%": ["Ann", "Li"]}})
    body = trigger.ok("mail.send", **{"from": "a@shop.example.cn", "to": "ignored@example.org", "x_smtpapi": xs,
                                      "subject": "for %n%", "html": "h", "resp_email_id": "true"})
    assert [full(client, e)["subject"] for e in body["email_id_list"]] == ["for Ann", "for Li"]


def test_mail_send_template_normal_and_list_mode(client):
    account = new_account(client)
    trigger, batch = V1(client, account), V1(client, account, batch=True)
    trigger.ok("template.add", invoke_name="welcome_v1", name="Welcome", html="<p>Hi %name%</p>",
               subject="Welcome, %name%", email_type="0")
    sub = json.dumps({"to": ["ann@example.org"], "sub": {"%name%": ["Ann"]}})
    assert trigger.ok("mail.send_template", **{"from": "orders@shop.example.cn", "template_invoke_name": "welcome_v1",
                                              "substitution_vars": sub}) == {"message": "success"}
    [stored] = mails(client, account=account["userName"], templateInvokeName="welcome_v1")
    mail = full(client, stored["emailId"])
    assert (mail["subject"], mail["html"], mail["source"], mail["to"]) == \
        ("Welcome, Ann", "<p>Hi Ann</p>", "v1", "ann@example.org")
    body = trigger.ok("mail.send_template", **{"from": "o@shop.example.cn", "template_invoke_name": "welcome_v1",
                                              "substitution_vars": sub, "subject": "Own %name%",
                                              "resp_email_id": "true"})
    assert full(client, body["email_id_list"][0])["subject"] == "Own Ann"
    batch.ok("template.add", invoke_name="promo", name="Promo", html="<p>%name%</p>", subject="Sale", email_type="1")
    batch.ok("list.create", address="vip@maillist.sendcloud.org", name="VIP")
    batch.ok("list_member.add", mail_list_addr="vip@maillist.sendcloud.org", member_addr="ben@example.org",
             name="Ben")
    body = batch.ok("mail.send_template", **{"from": "o@shop.example.cn", "template_invoke_name": "promo",
                                            "use_maillist": "true", "to": "vip@maillist.sendcloud.org"})
    assert list(body) == ["message", "mail_list_task_id_list"] and len(body["mail_list_task_id_list"]) == 1
    tasks_done(client, body)
    [stored] = mails(client, maillistTaskId=body["mail_list_task_id_list"][0])
    assert (stored["to"], stored["source"], full(client, stored["emailId"])["html"]) == \
        ("ben@example.org", "v1", "<p>Ben</p>")


def test_template_actions(v1, api):
    assert v1.ok("template.add", invoke_name="welcome_v1", name="Welcome", html="<p>Hi %name%</p>",
                 subject="Welcome, %name%", email_type="0") == {"message": "success", "addCount": 1}
    v1.ok("template.add", invoke_name="second", name="Second", html="<p>2</p>", text="two", subject="S2",
          email_type="1")
    body = v1.ok("template.get", method="GET", invoke_name="welcome_v1")
    twin = api.call("template/get", invokeName="welcome_v1")["info"]["data"]
    assert body == {"message": "success", "templateList": [{
        "invoke_name": "welcome_v1", "name": "Welcome", "html": "<p>Hi %name%</p>", "subject": "Welcome, %name%",
        "email_type": 0, "is_verify": 1, "gmt_created": twin["gmtCreated"], "gmt_modified": ""}]}
    assert re.fullmatch(TIME, twin["gmtCreated"])
    assert [t["invoke_name"] for t in v1.ok("template.get")["templateList"]] == ["welcome_v1", "second"]
    assert [t["invoke_name"] for t in v1.ok("template.get", start="1", limit="1")["templateList"]] == ["second"]
    assert v1.ok("template.get", invoke_name="unknown_one") == {"message": "success", "templateList": []}
    assert v1.ok("template.update", invoke_name="welcome_v1", subject="Hello %name%") == \
        {"message": "success", "updateCount": 1}
    [updated] = v1.ok("template.get", invoke_name="welcome_v1")["templateList"]
    assert updated["subject"] == "Hello %name%" and updated["is_verify"] == 1
    assert re.fullmatch(TIME, updated["gmt_modified"])
    assert v1.ok("template.update", invoke_name="second", text="zwei", email_type="0")["updateCount"] == 1
    assert api.call("template/get", invokeName="second")["info"]["data"]["text"] == "zwei"
    assert v1.ok("template.delete", invoke_name="second") == {"message": "success", "delCount": 1}
    assert api.call("template/get", invokeName="second")["statusCode"] == 40216


def test_list_actions(v1, api):
    body = v1.ok("list.create", address="vip@maillist.sendcloud.org", name="VIP", description="top buyers")
    twin = api.call("addresslist/list", address="vip@maillist.sendcloud.org")["info"]["dataList"][0]
    assert body == {"message": "success", "list": {"create_at": twin["gmtCreated"],
                                                   "address": "vip@maillist.sendcloud.org", "members_count": 0,
                                                   "name": "VIP", "description": "top buyers"}}
    v1.ok("list.create", address="second@maillist.sendcloud.org", name="Second")
    v1.ok("list_member.add", mail_list_addr="vip@maillist.sendcloud.org", member_addr="a@example.org;b@example.org")
    body = v1.ok("list.get")
    twin = api.call("addresslist/list", address="vip@maillist.sendcloud.org")["info"]["dataList"][0]
    assert body == {"message": "success", "count": 2, "lists": [
        {"create_at": twin["gmtCreated"], "modify_at": twin["gmtUpdated"], "address": "vip@maillist.sendcloud.org",
         "members_count": "2", "description": "top buyers", "name": "VIP"},
        {"create_at": body["lists"][1]["create_at"], "modify_at": body["lists"][1]["modify_at"],
         "address": "second@maillist.sendcloud.org", "members_count": "0", "description": "", "name": "Second"}]}
    assert v1.ok("list.get", address="second@maillist.sendcloud.org")["count"] == 1
    paged = v1.ok("list.get", start="1", limit="1")
    assert paged["count"] == 1 and paged["lists"][0]["name"] == "Second"
    body = v1.ok("list.update", address="vip@maillist.sendcloud.org", toAddress="gold@maillist.sendcloud.org")
    assert list(body["list"]) == ["modify_at", "address", "name", "members_count"]
    assert body["list"]["address"] == "gold@maillist.sendcloud.org" and body["list"]["name"] == "VIP"
    assert body["list"]["members_count"] == 2 and re.fullmatch(TIME, body["list"]["modify_at"])
    body = v1.ok("list.update", address="gold@maillist.sendcloud.org", name="Gold", description="new")
    assert body["list"]["name"] == "Gold"
    assert api.call("addresslist/list", address="gold@maillist.sendcloud.org")["info"]["dataList"][0]["description"] == "new"
    assert v1.ok("list.delete", address="gold@maillist.sendcloud.org") == {"message": "success", "del_count": 1}
    assert api.call("addresslist/list")["info"]["total"] == 1


def test_list_member_actions(v1, api):
    v1.ok("list.create", address="vip@maillist.sendcloud.org", name="VIP")
    addr = "vip@maillist.sendcloud.org"
    assert v1.ok("list_member.add", mail_list_addr=addr, member_addr="ben@example.org;kim@example.org",
                 name="Ben;Kim", vars='{"money":"99"};{"money":"120"}', upsert="true") == \
        {"message": "success", "total_counts": 2}
    body = v1.ok("list_member.get", mail_list_addr=addr)
    twin = api.call("addressmember/list", address=addr)["info"]["dataList"]
    assert body == {"message": "success", "total_count": 2, "members": [
        {"create_at": twin[0]["gmtCreated"], "modify_at": twin[0]["gmtUpdated"], "address": "ben@example.org",
         "name": "Ben", "subscribed": "true", "vars": {"money": "99"}},
        {"create_at": twin[1]["gmtCreated"], "modify_at": twin[1]["gmtUpdated"], "address": "kim@example.org",
         "name": "Kim", "subscribed": "true", "vars": {"money": "120"}}]}
    # member_addr filters; start/limit apply to the members found; unknown ones are left out
    body = v1.ok("list_member.get", mail_list_addr=addr, member_addr="kim@example.org;nobody@example.org;ben@example.org",
                 start="1", limit="5")
    assert body["total_count"] == 2 and [m["address"] for m in body["members"]] == ["kim@example.org"]
    assert v1.ok("list_member.get", mail_list_addr=addr, member_addr="", limit="1")["total_count"] == 2
    assert v1.ok("list_member.get", mail_list_addr=addr, limit="1")["members"][0]["address"] == "ben@example.org"
    # upsert=true replaces name and vars; a member without vars shows {}
    v1.ok("list_member.add", mail_list_addr=addr, member_addr="ben@example.org;zoe@example.org", name="Benjamin",
          upsert="TRUE")
    members = v1.ok("list_member.get", mail_list_addr=addr)["members"]
    assert [(m["address"], m["name"], m["vars"]) for m in members] == \
        [("ben@example.org", "Benjamin", {}), ("kim@example.org", "Kim", {"money": "120"}), ("zoe@example.org", "", {})]
    assert v1.ok("list_member.update", mail_list_addr=addr, member_addr="kim@example.org", name="Kimberly") == \
        {"message": "success", "total_counts": 3}
    assert api.call("addressmember/get", address=addr, members="kim@example.org")["info"]["dataList"][0]["name"] == "Kimberly"
    assert v1.ok("list_member.update", mail_list_addr=addr, member_addr="unknown@example.org", name="X") == \
        {"message": "success", "total_counts": 3}
    assert v1.ok("list_member.delete", mail_list_addr=addr, member_addr="kim@example.org;unknown@example.org") == \
        {"message": "success", "del_count": 1}
    assert v1.ok("list_member.get", mail_list_addr=addr)["total_count"] == 2


def test_label_actions(v1, api):
    body = v1.ok("label.create", labelName="spring-promo")
    label_id = body["label"]["labelId"]
    assert body == {"message": "success", "label": {"labelId": label_id, "labelName": "spring-promo"}}
    assert api.call("label/get", labelId=str(label_id))["info"]["data"]["labelName"] == "spring-promo"
    v1.ok("label.create", labelName="autumn")
    assert v1.ok("label.list", method="GET", query="PROMO", limit="10") == \
        {"message": "success", "list": [{"labelId": label_id, "labelName": "spring-promo"}], "totalCount": 1}
    paged = v1.ok("label.list", start="1", limit="1")
    assert paged["totalCount"] == 2 and [x["labelName"] for x in paged["list"]] == ["autumn"]
    assert v1.ok("label.get", method="GET", labelName="spring-promo") == \
        {"message": "success", "label": {"labelId": label_id, "labelName": "spring-promo"}}
    assert v1.ok("label.get", labelId=str(label_id), labelName="ignored-when-an-id-is-sent")["label"]["labelId"] == label_id
    assert v1.ok("label.update", labelId=str(label_id), labelName="fall-promo") == \
        {"message": "success", "updateCount": 1}
    assert api.call("label/get", labelId=str(label_id))["info"]["data"]["labelName"] == "fall-promo"
    assert v1.ok("label.delete", labelId=str(label_id)) == {"message": "success", "deleteCount": 1}
    assert api.call("label/get", labelId=str(label_id))["statusCode"] == 40106


def _traffic(client) -> tuple[dict, Api, V1]:
    """An account with a labelled send to example.org (one delivered, one not found) and a spam report."""
    account = new_account(client)
    api, v1 = Api(client, account), V1(client, account)
    label_id = v1.ok("label.create", labelName="promo")["label"]["labelId"]
    v1.ok("mail.send", **{"from": "a@shop.example.cn", "to": f"ok@example.org;invalid@{SIM}", "subject": "s",
                          "html": "h", "label": str(label_id)})
    v1.ok("mail.send", **{"from": "a@shop.example.cn", "to": f"spam@{SIM}", "subject": "s", "html": "h"})
    account["labelId"] = label_id
    return account, api, v1


def test_stats_actions(client):
    account, api, v1 = _traffic(client)
    body = v1.ok("stats.get", method="GET", days="1")
    twin = api.call("statday/list", days="1")["info"]["dataList"]
    assert len(body["stats"]) == len(twin) == 3
    for row, v2 in zip(body["stats"], twin, strict=True):
        assert list(row) == ["sendDate", "apiUser", "labelId", "labelName", "domain", "request", "deliveredNum",
                             "clickNum", "openNum", "bounceNum", "spamReportedNum", "unsubscribeNum", "uniqueOpensNum",
                             "uniqueClicksNum", "invalidEmailsNum", "delivered_percent", "click_percent",
                             "open_percent", "bounce_percent", "spamReported_percent", "unsubscribe_percent",
                             "uniqueOpens_percent", "uniqueClicks_percent", "invalidEmails_percent"]
        assert row["request"] == v2["requestNum"] and row["invalidEmails_percent"] == v2["invalidEmailsPercent"]
        assert (row["sendDate"], row["apiUser"], row["labelId"], row["labelName"], row["domain"]) == \
            (v2["sendDate"], v2["apiUser"], v2["labelId"], v2["labelName"], v2["domain"])
        assert re.fullmatch(DATE, row["sendDate"])
    labelled = [r for r in body["stats"] if r["labelId"] == account["labelId"]]
    assert [(r["domain"], r["request"], r["deliveredNum"], r["invalidEmailsNum"], r["labelName"]) for r in labelled] \
        == [("example.org", 1, 1, 0, "promo"), (SIM, 1, 0, 1, "promo")]
    aggregate = v1.ok("stats.get", days="1", aggregate="1")["stats"]
    assert aggregate == {"request": "3", "deliveredNum": "2", "clickNum": "0", "openNum": "0", "bounceNum": "0",
                         "spamReportedNum": "1", "unsubscribeNum": "0", "uniqueOpensNum": "0", "uniqueClicksNum": "0",
                         "invalidEmailsNum": "1", "delivered_percent": 66.66, "click_percent": 0, "open_percent": 0,
                         "bounce_percent": 0, "spamReported_percent": 33.33, "unsubscribe_percent": 0,
                         "uniqueOpens_percent": 0, "uniqueClicks_percent": 0, "invalidEmails_percent": 33.33}
    # the docs' bracketed list form, and a filter
    only = v1.ok("stats.get", days="1", api_user_list=f"[{account['apiUser']}]", label_id_list=f"[{account['labelId']}]",
                 domain_list="example.org")["stats"]
    assert [(r["domain"], r["labelId"]) for r in only] == [("example.org", account["labelId"])]
    hourly = v1.ok("statsHour.get", start_date=body["stats"][0]["sendDate"], end_date=body["stats"][0]["sendDate"])
    hour_twin = api.call("stathour/list", days="1")["info"]["dataList"]
    assert [list(r)[:4] for r in hourly["stats"]] == [["sendDate", "apiUser", "labelId", "sendHour"]] * len(hour_twin)
    assert [(r["sendHour"], r["request"], r["delivered_percent"]) for r in hourly["stats"]] == \
        [(r["sendHour"], r["requestNum"], r["deliveredPercent"]) for r in hour_twin]
    assert "domain" not in hourly["stats"][0] and "labelName" not in hourly["stats"][0]
    invalid = v1.ok("invalidStat.get", days="1")["stats"]
    assert invalid == [{"sendDate": body["stats"][0]["sendDate"], "apiUser": account["apiUser"],
                        "labelId": account["labelId"], "labelName": "promo", "domain": SIM, "sendcloudBlacklist": 0,
                        "ubsubscribe": 0, "espUnvaliable": 0, "recipientAddressError": 0, "ipOrDomainRejected": 0,
                        "recipientNotFound": 1, "spamEmails": 0, "senderOrRecipientRejected": 0, "others": 0}]
    assert v1.ok("invalidStat.get", method="GET", days="1", aggregate="1")["stats"] == {
        "sendcloudBlacklist": 0, "ubsubscribe": 0, "espUnvaliable": 0, "recipientAddressError": 0,
        "ipOrDomainRejected": 0, "recipientNotFound": 1, "spamEmails": 0, "senderOrRecipientRejected": 0,
        "others": 0}


def test_suppression_actions(client):
    account, api, v1 = _traffic(client)
    bounces = v1.ok("bounces.get", method="GET", days="7")
    twin = api.call("bounce/list", days="7")["info"]["dataList"]
    assert bounces == {"message": "success", "bounces": [
        {"email": f"invalid@{SIM}", "reason": twin[0]["reason"], "create_at": twin[0]["bounceTime"]}]}
    assert re.fullmatch(TIME, twin[0]["bounceTime"]) and twin[0]["reason"]
    assert v1.ok("bounces.get", email=f"invalid@{SIM}")["bounces"] == bounces["bounces"]
    assert v1.ok("bounces.count", days="30") == {"message": "success", "count": 1}
    spam = v1.ok("spamReported.get", days="7")
    spam_twin = api.call("spamreported/list", days="7")["info"]["dataList"][0]
    assert spam == {"message": "success", "bounces": [
        {"email": f"spam@{SIM}", "reason": spam_twin["reason"], "create_at": spam_twin["spamReportedTime"]}]}
    added = v1.ok("unsubscribes.add", email="ann@example.org")
    twin = api.call("unsubscribe/list", email="ann@example.org")["info"]["dataList"][0]
    entry = {"email": "ann@example.org", "domain": "example.org", "labelId": 0, "apiUser": account["apiUser"],
             "create_at": twin["unsubscribeTime"]}
    assert added == {"message": "success", "unsubscribes": [entry]}
    assert v1.ok("unsubscribes.add", email="ann@example.org")["unsubscribes"] == [entry]  # existing entry unchanged
    assert v1.ok("unsubscribes.get", method="GET", days="7", api_user_list=account["apiUser"]) == \
        {"message": "success", "unsubscribes": [entry]}
    assert v1.ok("unsubscribes.get", days="7", api_user_list="[someone_else]")["unsubscribes"] == []
    today = twin["unsubscribeTime"][:10]
    assert v1.ok("unsubscribes.delete", start_date=today, end_date=today) == {"message": "success", "del_count": 1}
    assert v1.ok("bounces.delete", method="GET", email=f"invalid@{SIM}") == {"message": "success", "del_count": 1}
    assert v1.ok("bounces.delete", days="1") == {"message": "success", "del_count": 0}
    assert v1.ok("bounces.count", days="30")["count"] == 0


def test_account_actions(client):
    account = new_account(client, quota=500)
    v1 = V1(client, account)
    v1.ok("mail.send", **{"from": "a@shop.example.cn", "to": "a@example.org;b@example.org", "subject": "s",
                          "html": "h"})
    twin = Api(client, account).call("userinfo/get")["info"]
    assert v1.ok("userinfo.get", method="GET") == {"message": "success", "userinfo": {
        "quota": 500, "usedQuota": 2, "reputation": 100.0, "balance": 1000.0, "availableBalance": 1000.0,
        "userName": account["userName"], "accountType": twin["accountType"], "regTime": twin["regTime"]}}
    assert re.fullmatch(DATE, twin["regTime"])
    assert v1.ok("apiUser.list", method="GET") == \
        {"message": "success", "apiUserList": {"apiUser": [account["apiUser"], account["batchApiUser"]]}}
    assert v1.ok("apiUser.list", api_user_type="1")["apiUserList"] == {"apiUser": [account["batchApiUser"]]}
    Api(client, account).call("domain/add", name="mail.shop-v1.example.cn")
    body = v1.ok("domain.list", method="GET")
    names = [d["name"] for d in body["domainList"]]
    assert names == [account["domain"], "mail.shop-v1.example.cn"]
    ids = [d["id"] for d in body["domainList"]]
    assert all(isinstance(i, int) and i > 0 for i in ids) and len(set(ids)) == 2
    assert [list(d) for d in body["domainList"]] == [["name", "id"]] * 2
    assert v1.ok("domain.list", domain_type="1")["domainList"] == [{"name": "mail.shop-v1.example.cn", "id": ids[1]}]
    assert v1.ok("domain.list")["domainList"] == body["domainList"]  # stable
    assert v1.ok("queueStatus.get", method="GET") == {"message": "success", "queueStatus": []}


def test_objects_are_shared_with_v2(v1, api):
    """An object created on one surface is read and changed on the other (§1)."""
    api.call("label/add", labelName="from-v2")
    assert [x["labelName"] for x in v1.ok("label.list")["list"]] == ["from-v2"]
    v1.ok("list.create", address="both@maillist.sendcloud.org", name="Both")
    assert api.call("addresslist/delete", address="both@maillist.sendcloud.org")["statusCode"] == 200
    assert v1.ok("list.get")["lists"] == []
