"""userinfo/get (api.md §2.8)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from .conftest import Api, fault_rules, new_account

KEYS = ["userName", "email", "phone", "regTime", "accountType", "quota", "todayUsedQuota", "reputation",
        "balance", "avaliableBalance", "websiteAuthStatus", "businessAuthStatus"]


def test_shape_and_defaults(api, account):
    r = api.client.post("/apiv2/userinfo/get", data=api.creds())
    body = r.json()
    assert body["result"] is True and body["statusCode"] == 200 and body["message"] == "请求成功"
    info = body["info"]
    assert list(info) == KEYS  # the object itself, no `data` wrapper
    assert info == {
        "userName": account["userName"],
        "email": f"{account['userName']}@example.com",
        "phone": "",
        "regTime": datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d"),
        "accountType": "付费用户",
        "quota": 10000,
        "todayUsedQuota": 0,
        "reputation": 100.0,
        "balance": 1000.0,
        "avaliableBalance": 1000.0,
        "websiteAuthStatus": True,
        "businessAuthStatus": True,
    }
    for key in ("reputation", "balance", "avaliableBalance"):
        assert isinstance(info[key], float)
    for key in ("quota", "todayUsedQuota"):
        assert type(info[key]) is int
    assert b'"reputation":100.0' in r.content and b'"avaliableBalance":1000.0' in r.content


def test_get_and_post_and_batch_user_give_the_same_answer(api):
    a = api.call("userinfo/get", method="GET")
    b = api.call("userinfo/get", batch=True)
    assert a == b and a["statusCode"] == 200


def test_parameters_are_ignored(api):
    assert api.call("userinfo/get", userName="someone_else", quota="1")["info"]["userName"] == api.account["userName"]


def test_account_fields_show(client):
    account = new_account(client, quota=321, email="boss@shop.example.cn", phone="13800000000")
    info = Api(client, account).call("userinfo/get")["info"]
    assert info["quota"] == 321 and info["email"] == "boss@shop.example.cn" and info["phone"] == "13800000000"
    r = client.patch(f"/_emulator/accounts/{account['userName']}", json={"quota": 7})
    assert r.status_code == 200
    assert Api(client, account).call("userinfo/get")["info"]["quota"] == 7


def test_english_word(en_api):
    assert en_api.call("userinfo/get")["info"]["accountType"] == "paid user"


def test_fault_only_41109(api):
    rule = {"module": "userinfo", "action": "get", "apiUser": api.api_user, "statusCode": 41109, "count": 1}
    with fault_rules(api.client, rule):
        r = api.call("userinfo/get")
        assert r == {"result": False, "statusCode": 41109, "message": "用户信息不存在", "info": {}}
        assert api.code("userinfo/get") == 200


def test_today_used_quota_counts_accepted_recipients_and_account_reset_clears_it(client, api):
    sent = api.call("mail/send", **{"from": "shop@example.com", "to": "a@example.com;b@example.com",
                                    "subject": "s", "html": "<p>h</p>"})
    assert sent["statusCode"] == 200, sent
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 2
    refused = api.call("mail/send", **{"from": "bad", "to": "c@example.com", "subject": "s", "html": "h"})
    assert refused["statusCode"] != 200
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 2  # a refused send uses nothing
    assert client.post("/_emulator/reset", params={"account": api.account["userName"]}).status_code == 204
    info = api.call("userinfo/get")["info"]
    assert info["todayUsedQuota"] == 0 and info["quota"] == 10000
