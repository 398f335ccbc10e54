"""mail/sendtemplate, address-list mode of send and sendtemplate, and mail/taskinfo (api.md §2.1, §3)."""

import json

import pytest

from .conftest import Api, new_account
from .test_mail_send import full, mails
from .tasks import tasks_done

LIST = "vip@maillist.sendcloud.org"


def add_template(api: Api, invoke_name: str = "welcome", template_type: int = 0, **fields) -> None:
    params = {"invokeName": invoke_name, "name": "Welcome", "subject": "Hi %name%",
              "html": "<p>Hello %name%, you owe %money%</p>", "text": "Hello %name% (text)",
              "templateType": str(template_type), **fields}
    answer = api.call("template/add", **params)
    assert answer["statusCode"] == 200, answer


def tsend(api: Api, batch: bool = False, files=None, **params) -> dict:
    data = {"from": "shop@example.com", "templateInvokeName": "welcome",
            "xsmtpapi": json.dumps({"to": ["ben@example.com"], "sub": {"%name%": ["Ben"], "%money%": [5]}}),
            **params}
    return api.call("mail/sendtemplate", batch=batch, files=files, **{k: v for k, v in data.items() if v is not None})


def tcode(api: Api, batch: bool = False, **params) -> int:
    return tsend(api, batch=batch, **params)["statusCode"]


def make_list(api: Api, alias: str = LIST, members: list[tuple[str, str, dict]] = ()) -> None:
    assert api.call("addresslist/add", address=alias, name="VIP")["statusCode"] == 200
    if members:
        answer = api.call("addressmember/add", address=alias, members=";".join(m for m, _, _ in members),
                          names=";".join(n for _, n, _ in members),
                          vars=";".join(json.dumps(v) for _, _, v in members))
        assert answer["statusCode"] == 200, answer


# sendtemplate -----------------------------------------------------------------------------------
def test_sendtemplate_renders_template_per_recipient(api, client):
    add_template(api)
    xsmtpapi = {"to": ["ben@example.com", "Joe <joe@example.com>"], "sub": {"%name%": ["Ben", "Joe"],
                                                                            "%money%": [5, 7.5]}}
    answer = tsend(api, xsmtpapi=json.dumps(xsmtpapi))
    assert answer["statusCode"] == 200
    ben_id, joe_id = answer["info"]["emailIdList"]
    assert ben_id.endswith("0$ben@example.com") and joe_id.endswith("1$joe@example.com")
    ben, joe = full(client, ben_id), full(client, joe_id)
    assert ben["subject"] == "Hi Ben" and joe["subject"] == "Hi Joe"
    assert ben["html"] == "<p>Hello Ben, you owe 5</p>" and joe["html"] == "<p>Hello Joe, you owe 7.5</p>"
    assert ben["plain"] == "Hello Ben (text)"
    assert ben["templateInvokeName"] == "welcome"
    assert [m["emailId"] for m in mails(client, templateInvokeName="welcome", to="joe@example.com",
                                                  account=api.account["userName"])] == [joe_id]


def test_sendtemplate_subject_and_summary_override(api, client):
    add_template(api, contentSummary="template summary")
    email_id = tsend(api)["info"]["emailIdList"][0]
    assert full(client, email_id)["contentSummary"] == "template summary"
    email_id = tsend(api, subject="Override %name%", contentSummary="mine")["info"]["emailIdList"][0]
    mail = full(client, email_id)
    assert mail["subject"] == "Override Ben" and mail["contentSummary"] == "mine"


def test_sendtemplate_ignores_send_only_params(api):
    add_template(api)
    assert tcode(api, cc="bad", bcc="bad", html="a\x00", plain="a\x00", gzipCompress="nope", to="bad") == 200


def test_sendtemplate_template_faults(api, other_api):
    add_template(api)
    assert tcode(api, templateInvokeName=None) == 40823
    assert tcode(api, templateInvokeName=" ") == 40823
    assert tcode(api, templateInvokeName="missing") == 40823
    add_template(other_api, "theirs")
    assert tcode(api, templateInvokeName="theirs") == 40823
    add_template(api, "batchy", template_type=1)
    assert tcode(api, templateInvokeName="batchy") == 40825
    add_template(api, "draft", isSubmitAudit="0")
    assert tcode(api, templateInvokeName="draft") == 40824


def test_sendtemplate_pending_template_is_40824(client):
    api = Api(client, new_account(client, templateReview="manual"))
    add_template(api)
    assert tcode(api) == 40824


@pytest.mark.parametrize("value, expected", [
    (None, 40812), ("", 40812), ("{}", 40814), ("null", 40814), ("oops", 40813),
    ('{"sub": {"%name%": ["x"]}}', 40815), ('{"to": []}', 40816), ('{"to": ["nope"]}', 40880),
    ('{"to": ["a@example.com"], "sub": {"%n%": ["x", "y"]}}', 40817),
])
def test_sendtemplate_xsmtpapi_faults(api, value, expected):
    add_template(api)
    assert tcode(api, xsmtpapi=value) == expected


def test_sendtemplate_xsmtpapi_to_limit(api):
    add_template(api)
    hundred = [f"t{i}@example.com" for i in range(100)]
    assert tcode(api, xsmtpapi=json.dumps({"to": hundred})) == 200
    assert tcode(api, xsmtpapi=json.dumps({"to": hundred + ["x@example.com"]})) == 40827


@pytest.mark.parametrize("params, expected", [
    ({"from": None}, 40801), ({"from": "bad"}, 40802), ({"fromName": "a\nb"}, 40804),
    ({"replyTo": ";"}, 40810), ({"replyTo": "bad"}, 40811),
    ({"replyTo": "a@example.com;b@example.com;c@example.com;d@example.com"}, 40879),
    ({"subject": "x" * 256}, 40809), ({"contentSummary": "x" * 201}, 40878), ({"labelId": "x"}, 40103),
    ({"labelId": "999999999"}, 40106), ({"labelName": "y" * 256}, 40105), ({"headers": "{}"}, 40868),
    ({"headers": "[]"}, 40869), ({"headers": '{"SC-Custom-x": "."}'}, 40902), ({"attachments": "text"}, 40867),
    ({"embeddedCid": "a"}, 40875), ({"respEmailId": ""}, 40858), ({"respEmailId": "x"}, 40859),
    ({"useNotification": ""}, 40828), ({"useNotification": "x"}, 40829),
    ({"dispositionNotificationTo": "bad"}, 40829), ({"useAddressList": ""}, 40873),
    ({"useAddressList": "x"}, 40874), ({"useAddressList": "true"}, 40820),
])
def test_sendtemplate_shared_faults(api, params, expected):
    add_template(api)
    assert tcode(api, **params) == expected


def test_sendtemplate_duplicate_and_quota(client):
    api = Api(client, new_account(client, quota=2))
    add_template(api)
    assert tcode(api, sendRequestId="t-1") == 200
    assert tcode(api, sendRequestId="t-1") == 40000
    assert tcode(api, xsmtpapi=json.dumps({"to": ["a@example.com", "b@example.com"]})) == 40904
    assert tcode(api) == 200


# address-list mode ------------------------------------------------------------------------------
def test_list_mode_send_renders_member_vars(api, client):
    members = [("ann@example.com", "Ann", {"money": 99, "tier": "gold"}),
               ("bob@example.com", "", {"money": "1.5", "name": "VarName"}),
               ("cy@example.com", "", {})]
    make_list(api, members=members)
    # a frozen clock: gmtUpdated (the last chunk's time) cannot fall in a later second than gmtCreated
    assert client.put(f"/_emulator/accounts/{api.account['userName']}/clock", json={"frozen": True}).status_code == 200
    answer = api.call("mail/send", batch=True, **{"from": "shop@example.com"}, to=LIST, useAddressList="true",
                      subject="%name% %tier%", html="<p>%name% owes %money% to %recipient% [%tier%]</p>",
                      cc="ignored-bad", xsmtpapi="ignored-bad")
    assert answer["result"] is True and answer["statusCode"] == 40821
    assert answer["message"] == "地址列表任务创建成功"
    (task_id,) = answer["info"]["maillistTaskId"]
    tasks_done(client, answer)
    stored = mails(client, maillistTaskId=task_id, order="asc")
    assert [m["to"] for m in stored] == ["ann@example.com", "bob@example.com", "cy@example.com"]
    message_id = stored[0]["messageId"]
    assert [m["emailId"] for m in stored] == [f"{message_id}0$ann@example.com", f"{message_id}1$bob@example.com",
                                              f"{message_id}2$cy@example.com"]
    ann, bob, cy = (full(client, m["emailId"]) for m in stored)
    assert ann["subject"] == "Ann gold" and ann["html"] == "<p>Ann owes 99 to ann@example.com [gold]</p>"
    assert bob["html"] == "<p>VarName owes 1.5 to bob@example.com [%tier%]</p>"
    assert cy["html"] == "<p>%name% owes %money% to cy@example.com [%tier%]</p>"
    info = api.call("mail/taskinfo", maillistTaskId=str(task_id))
    assert info["statusCode"] == 200
    data = info["info"]["data"]
    assert data["maillistTaskId"] == task_id and data["apiUser"] == api.account["batchApiUser"]
    assert data["addressList"] == LIST and data["memberCount"] == 3 and data["status"] == "请求完毕"
    assert data["gmtCreated"] == data["gmtUpdated"] and len(data["gmtCreated"]) == 19
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 3


def test_list_mode_several_lists_duplicates_merged_and_empty_list(api, client):
    make_list(api, "one@maillist.sendcloud.org", [("a@example.com", "", {})])
    make_list(api, "empty@maillist.sendcloud.org")
    answer = api.call("mail/send", batch=True, **{"from": "shop@example.com"}, useAddressList="true",
                      to="one@maillist.sendcloud.org;EMPTY@maillist.sendcloud.org;One@maillist.sendcloud.org",
                      subject="s", html="h")
    assert answer["statusCode"] == 40821
    first, second = answer["info"]["maillistTaskId"]
    assert second > first
    tasks_done(client, answer)
    assert api.call("mail/taskinfo", maillistTaskId=str(second))["info"]["data"]["memberCount"] == 0
    assert len(mails(client, maillistTaskId=first)) == 1


def test_list_mode_faults(api):
    make_list(api)
    base = {"from": "shop@example.com", "useAddressList": "true", "subject": "s", "html": "h"}

    def lcode(**params):
        return api.call("mail/send", batch=True, **{**base, **params})["statusCode"]

    assert lcode() == 40872
    assert lcode(to=" ; ") == 40872
    six = ";".join(f"l{i}@maillist.sendcloud.org" for i in range(6))
    assert lcode(to=six) == 40864
    assert lcode(to="not-an-alias") == 40862
    answer = api.call("mail/send", batch=True, **base, to=f"{LIST};missing@maillist.sendcloud.org")
    assert answer["statusCode"] == 40863 and answer["message"].endswith(". 参数to: missing@maillist.sendcloud.org")
    long_headers = json.dumps({"X-Long": "v" * 1100})
    assert lcode(to=LIST, headers=long_headers) == 40869
    assert api.code("mail/send", **base, to=LIST) == 40820  # trigger API_USER


def test_list_of_another_account_does_not_exist(api, other_api):
    make_list(other_api)
    answer = api.call("mail/send", batch=True, **{"from": "shop@example.com"}, useAddressList="true", to=LIST,
                      subject="s", html="h")
    assert answer["statusCode"] == 40863


def test_list_mode_sendtemplate(api, client):
    add_template(api, template_type=1)
    make_list(api, members=[("ann@example.com", "Ann", {"money": 3})])
    answer = tsend(api, batch=True, useAddressList="true", to=LIST, xsmtpapi=None)
    assert answer["statusCode"] == 40821
    (task_id,) = answer["info"]["maillistTaskId"]
    tasks_done(client, answer)
    (stored,) = mails(client, maillistTaskId=task_id)
    mail = full(client, stored["emailId"])
    assert mail["html"] == "<p>Hello Ann, you owe 3</p>" and mail["templateInvokeName"] == "welcome"
    assert tsend(api, batch=True, useAddressList="true", xsmtpapi=None)["statusCode"] == 40872


def test_list_mode_quota_counts_members(client):
    api = Api(client, new_account(client, quota=2))
    make_list(api, members=[("a@example.com", "", {}), ("b@example.com", "", {}), ("c@example.com", "", {})])
    answer = api.call("mail/send", batch=True, **{"from": "shop@example.com"}, useAddressList="true", to=LIST,
                      subject="s", html="h")
    assert answer["statusCode"] == 40904


# taskinfo ---------------------------------------------------------------------------------------
def test_taskinfo_faults(api, other_api):
    assert api.code("mail/taskinfo") == 6001
    assert api.code("mail/taskinfo", maillistTaskId="") == 6001
    assert api.code("mail/taskinfo", maillistTaskId="abc") == 6001
    assert api.code("mail/taskinfo", maillistTaskId="0") == 6001
    assert api.code("mail/taskinfo", maillistTaskId="99999999") == 6001
    make_list(other_api, members=[("a@example.com", "", {})])
    answer = other_api.call("mail/send", batch=True, **{"from": "s@example.com"}, useAddressList="true",
                            to=LIST, subject="s", html="h")
    (task_id,) = answer["info"]["maillistTaskId"]
    assert api.code("mail/taskinfo", maillistTaskId=str(task_id)) == 6001
    answer = other_api.call("mail/taskinfo", method="GET", maillistTaskId=str(task_id))
    assert answer["statusCode"] == 200


def test_taskinfo_status_in_english(tmp_path_factory):
    from fastapi.testclient import TestClient

    from sendcloud_emulator.app import create_app

    from .conftest import make_settings

    with TestClient(create_app(make_settings(tmp_path_factory, lang="en"))) as client:
        api = Api(client, new_account(client))
        make_list(api)
        answer = api.call("mail/send", batch=True, **{"from": "s@example.com"}, useAddressList="true", to=LIST,
                          subject="s", html="h")
        (task_id,) = answer["info"]["maillistTaskId"]
        assert api.call("mail/taskinfo", maillistTaskId=str(task_id))["info"]["data"]["status"] == "completed"
