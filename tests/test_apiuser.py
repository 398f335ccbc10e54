"""apiuser/list and apiuser/add (api.md §2.7)."""

import re
import uuid

import pytest

ADD_KEYS = ["name", "nameKey", "cType", "emailType", "domain", "neteaseSender", "click", "open", "unsubscribe"]
LIST_KEYS = ["name", "cType", "emailType", "domainName", "neteaseSender", "click", "open", "unsubscribe"]
LONG_DOMAIN = ".".join(["b" * 50] * 5) + ".cn"  # 258 characters

S = uuid.uuid4().hex[:6]  # API_USER names are emulator-wide: keep this module's apart


def add_domain(api, name: str, bits: int = 0) -> None:
    assert api.code("domain/add", name=name) == 200
    if bits:
        r = api.client.post("/_emulator/domains/verify", json={"account": api.account["userName"], "name": name,
                                                                 "verify": bits})
        assert r.status_code == 200, r.text


def add_user(api, name: str, **params) -> dict:
    params.setdefault("emailType", "0")
    params.setdefault("domainName", api.account["domain"])
    r = api.call("apiuser/add", name=name, **params)
    assert r["statusCode"] == 200, r
    return r["info"]


# success shapes ------------------------------------------------------------------------------------
def test_add_on_the_test_domain(api):
    r = api.call("apiuser/add", name=f"shop_batch2{S}", emailType="1", domainName=api.account["domain"])
    assert r["result"] is True and r["statusCode"] == 200 and r["message"] == "请求成功"
    info = r["info"]
    assert list(info) == ["total", "data"] and info["total"] == 1
    data = info["data"]
    assert list(data) == ADD_KEYS
    assert re.fullmatch(r"[A-Za-z0-9]{16}", data["nameKey"])
    assert data == {"name": f"shop_batch2{S}", "nameKey": data["nameKey"], "cType": "测试", "emailType": "批量",
                    "domain": api.account["domain"], "neteaseSender": "", "click": 1, "open": 1, "unsubscribe": 1}


def test_add_on_a_normal_unverified_domain_defaults_click_to_0(api):
    add_domain(api, "mail.example.cn")
    data = add_user(api, f"trigger_user{S}", emailType="0", domainName="MAIL.example.cn")["data"]
    assert data == {"name": f"trigger_user{S}", "nameKey": data["nameKey"], "cType": "非测试", "emailType": "触发",
                    "domain": "mail.example.cn", "neteaseSender": "", "click": 0, "open": 1, "unsubscribe": 1}


def test_add_on_a_normal_domain_with_cname_verified_defaults_click_to_1(api):
    add_domain(api, "cname.example.cn", bits=8)
    assert add_user(api, f"cname_user{S}", domainName="cname.example.cn")["data"]["click"] == 1
    assert add_user(api, f"cname_user0{S}", domainName="cname.example.cn", click="0")["data"]["click"] == 0


def test_explicit_flags(api):
    data = add_user(api, f"flags_user{S}", open="0", click="False", unsubscribe="false")["data"]
    assert (data["open"], data["click"], data["unsubscribe"]) == (0, 0, 0)
    data = add_user(api, f"flags_user2{S}", open="TRUE", click="1", unsubscribe=" true ")["data"]
    assert (data["open"], data["click"], data["unsubscribe"]) == (1, 1, 1)


def test_keys_are_distinct_and_name_is_trimmed(api):
    a = add_user(api, f" trimmed_1{S} ")["data"]
    b = add_user(api, f"trimmed_2{S}")["data"]
    assert a["name"] == f"trimmed_1{S}" and a["nameKey"] != b["nameKey"]


def test_name_rule_boundaries(api):
    add_user(api, f"A_{S[:4]}")  # 6
    add_user(api, "Z" * 26 + S)  # 32
    add_user(api, f"_{S[:5]}")


def test_list_shape_and_filters(api):
    account = api.account
    add_domain(api, "list.example.cn")
    add_user(api, f"listed_batch{S}", emailType="1", domainName="list.example.cn", open="0")
    r = api.call("apiuser/list")
    assert r["statusCode"] == 200 and list(r["info"]) == ["dataList", "count", "total"]
    rows = r["info"]["dataList"]
    assert r["info"]["count"] == r["info"]["total"] == 3
    for row in rows:
        assert list(row) == LIST_KEYS
    assert rows == [
        {"name": account["apiUser"], "cType": "测试", "emailType": "触发", "domainName": account["domain"],
         "neteaseSender": "", "click": 1, "open": 1, "unsubscribe": 1},
        {"name": account["batchApiUser"], "cType": "测试", "emailType": "批量", "domainName": account["domain"],
         "neteaseSender": "", "click": 1, "open": 1, "unsubscribe": 1},
        {"name": f"listed_batch{S}", "cType": "非测试", "emailType": "批量", "domainName": "list.example.cn",
         "neteaseSender": "", "click": 0, "open": 0, "unsubscribe": 1},
    ]
    assert "nameKey" not in str(rows) and account["apiKey"] not in str(r)

    def names(**params):
        r = api.call("apiuser/list", **params)
        assert r["statusCode"] == 200 and r["info"]["count"] == r["info"]["total"] == len(r["info"]["dataList"])
        return [u["name"] for u in r["info"]["dataList"]]

    assert names(emailType="1") == [account["batchApiUser"], f"listed_batch{S}"]
    assert names(emailType="0") == [account["apiUser"]]
    assert names(cType="0") == [account["apiUser"], account["batchApiUser"]]
    assert names(cType="1") == [f"listed_batch{S}"]
    assert names(domainName="LIST.example.cn") == [f"listed_batch{S}"]
    assert names(domainName=account["domain"]) == [account["apiUser"], account["batchApiUser"]]
    assert names(domainName="unknown.example.cn") == []
    assert names(emailType="1", cType="0") == [account["batchApiUser"]]
    assert names(emailType="0", domainName="list.example.cn") == []


def test_english_words(en_api):
    data = en_api.call("apiuser/add", name=f"en_user_1{S}", emailType="1", domainName=en_api.account["domain"])
    assert data["info"]["data"]["cType"] == "test" and data["info"]["data"]["emailType"] == "batch"
    assert en_api.call("domain/add", name="en.example.cn")["statusCode"] == 200
    data = en_api.call("apiuser/add", name=f"en_user_2{S}", emailType="0", domainName="en.example.cn")["info"]["data"]
    assert data["cType"] == "non-test" and data["emailType"] == "trigger"
    rows = en_api.call("apiuser/list")["info"]["dataList"]
    assert [(u["cType"], u["emailType"]) for u in rows] == [
        ("test", "trigger"), ("test", "batch"), ("test", "batch"), ("non-test", "trigger")]
    assert en_api.call("apiuser/add", name="x")["message"] == (
        "name does not conform to specification (name should be 6-32 characters; only numbers and letters can "
        "be included)")


# codes ---------------------------------------------------------------------------------------------
def test_email_type_codes(api):
    assert api.code("apiuser/add", name="etype_user", domainName=api.account["domain"]) == 41101
    for action in ("add", "list"):
        r = api.call(f"apiuser/{action}", name="etype_user", emailType=" ", domainName=api.account["domain"])
        assert r == {"result": False, "statusCode": 41101, "message": "emailType不能为空串", "info": {}}
        for bad in ("2", "-1", "a", "1.0", "trigger", "2147483648"):
            r = api.call(f"apiuser/{action}", name="etype_user", emailType=bad, domainName=api.account["domain"])
            assert r == {"result": False, "statusCode": 41102, "message": "emailType不符合规则", "info": {}}


def test_ctype_codes(api):
    r = api.call("apiuser/list", cType="")
    assert r == {"result": False, "statusCode": 41103, "message": "cType不能为空串", "info": {}}
    for bad in ("2", "x", "-0", "9999999999"):
        r = api.call("apiuser/list", cType=bad)
        assert r == {"result": False, "statusCode": 41104, "message": "cType不符合规则", "info": {}}


def test_domain_name_codes(api):
    for action in ("add", "list"):
        base = {"name": "dn_user_1", "emailType": "0"}
        r = api.call(f"apiuser/{action}", domainName="", **base)
        assert r == {"result": False, "statusCode": 41105, "message": "domainName不能为空串", "info": {}}
        for bad in (LONG_DOMAIN, "x" * 251, "y" * 100_000):
            r = api.call(f"apiuser/{action}", domainName=bad, **base)
            assert r == {"result": False, "statusCode": 41107, "message": "domainName的长度应该为1-250个字符",
                         "info": {}}
        for bad in ("nodot", "a..b.cn", "a_b.cn", "-a.cn", "a.1", "nul\x00.cn", "a;b.cn"):
            r = api.call(f"apiuser/{action}", domainName=bad, **base)
            assert r == {"result": False, "statusCode": 41106, "message": "domainName不符合规则", "info": {}}
    assert api.code("apiuser/add", name="dn_user_1", emailType="0") == 41105  # missing on add


def test_domain_name_not_of_the_account_is_41108(api, other_api):
    assert other_api.code("domain/add", name="theirs.example.cn") == 200
    for name in ("theirs.example.cn", other_api.account["domain"], "nowhere.example.cn"):
        r = api.call("apiuser/add", name="dn_user_2", emailType="0", domainName=name)
        assert r == {"result": False, "statusCode": 41108, "message": "domainName所属的域名不存在", "info": {}}
    assert [u["name"] for u in api.call("apiuser/list")["info"]["dataList"]] == [
        api.account["apiUser"], api.account["batchApiUser"]]


def test_name_missing_or_blank_is_41110(api):
    assert api.code("apiuser/add", emailType="0", domainName=api.account["domain"]) == 41110
    r = api.call("apiuser/add", name="   ", emailType="0", domainName=api.account["domain"])
    assert r == {"result": False, "statusCode": 41110, "message": "name不能为空串", "info": {}}


@pytest.mark.parametrize("bad", ["abcde", "a" * 33, "bad-name", "with space", "名字名字名字", "dot.name",
                                 "at@name1", "nul\x00name", "x" * 1_000_000])
def test_name_not_of_the_rule_is_41111(api, bad):
    r = api.call("apiuser/add", name=bad, emailType="0", domainName=api.account["domain"])
    assert r["statusCode"] == 41111 and r["result"] is False and r["info"] == {}
    assert r["message"] == "name不符合规则, name的长度为6-32的字符串, 只能含有(A-Z,a-z,0-9,_)"


def test_name_taken_anywhere_is_41119(api, other_api):
    add_user(other_api, f"taken_elsewhere{S}")
    for name in (f"taken_elsewhere{S}", api.account["apiUser"], other_api.account["batchApiUser"], "demo_trigger"):
        r = api.call("apiuser/add", name=name, emailType="0", domainName=api.account["domain"])
        assert r == {"result": False, "statusCode": 41119, "message": "apiUser创建失败", "info": {}}, name


def test_eleventh_api_user_is_41112(api):
    for i in range(8):
        add_user(api, f"capped_{i}")
    r = api.call("apiuser/add", name="capped_8", emailType="0", domainName=api.account["domain"])
    assert r == {"result": False, "statusCode": 41112, "message": "apiUser不能超过10个", "info": {}}
    assert api.call("apiuser/list")["info"]["total"] == 10
    # the cap is the final check: any parameter fault answers first
    assert api.code("apiuser/add", name="capped_8", emailType="0", domainName=api.account["domain"],
                    unsubscribe="x") == 41118
    assert api.code("apiuser/add", name="capped_0", emailType="0", domainName=api.account["domain"]) == 41119


def test_open_codes(api):
    base = {"name": "open_user", "emailType": "0", "domainName": api.account["domain"]}
    r = api.call("apiuser/add", open="", **base)
    assert r == {"result": False, "statusCode": 41113, "message": "open不能为空串", "info": {}}
    for bad in ("2", "yes", "-1", "on"):
        r = api.call("apiuser/add", open=bad, **base)
        assert r == {"result": False, "statusCode": 41114, "message": "open不符合规则", "info": {}}


def test_click_codes(api):
    base = {"name": "click_user", "emailType": "0", "domainName": api.account["domain"]}
    r = api.call("apiuser/add", click=" ", **base)
    assert r == {"result": False, "statusCode": 41115, "message": "click不能为空串", "info": {}}
    for bad in ("2", "no", "01x"):
        r = api.call("apiuser/add", click=bad, **base)
        assert r == {"result": False, "statusCode": 41116, "message": "click不符合规则", "info": {}}


def test_click_1_needs_the_cname_bit(api):
    add_domain(api, "track.example.cn", bits=1 | 2 | 4 | 16)  # everything but cname
    base = {"name": f"click_on_1{S}", "emailType": "1", "domainName": "track.example.cn"}
    for on in ("1", "true", "True"):
        r = api.call("apiuser/add", click=on, **base)
        assert r == {"result": False, "statusCode": 41116, "message": "click不符合规则", "info": {}}
    assert api.code("apiuser/add", click="0", name=f"click_off_1{S}", emailType="1", domainName="track.example.cn") == 200
    r = api.client.post("/_emulator/domains/verify", json={"account": api.account["userName"],
                                                            "name": "track.example.cn", "verify": 8})
    assert r.status_code == 200 and r.json()["verify"] == 31
    assert add_user(api, click="1", **base)["data"]["click"] == 1


def test_unsubscribe_codes(api):
    base = {"name": "unsub_user", "emailType": "0", "domainName": api.account["domain"]}
    r = api.call("apiuser/add", unsubscribe="", **base)
    assert r == {"result": False, "statusCode": 41117, "message": "unsubscribe不能为空串", "info": {}}
    for bad in ("3", "nope"):
        r = api.call("apiuser/add", unsubscribe=bad, **base)
        assert r == {"result": False, "statusCode": 41118, "message": "unsubscribe不符合规则", "info": {}}


# validation order -----------------------------------------------------------------------------------
def test_add_validation_order(api):
    d = api.account["domain"]
    assert api.code("apiuser/add") == 41110
    assert api.code("apiuser/add", name="bad", emailType="", domainName="") == 41111
    assert api.code("apiuser/add", name=api.account["apiUser"], emailType="x") == 41119  # name row first
    assert api.code("apiuser/add", name="order_user", domainName="") == 41101
    assert api.code("apiuser/add", name="order_user", emailType="0", open="x") == 41105
    assert api.code("apiuser/add", name="order_user", emailType="0", domainName="nowhere.example.cn",
                    open="x") == 41108
    assert api.code("apiuser/add", name="order_user", emailType="0", domainName=d, open="", click="x") == 41113
    assert api.code("apiuser/add", name="order_user", emailType="0", domainName=d, click="x",
                    unsubscribe="") == 41116
    assert api.code("apiuser/add", name="order_user", emailType="0", domainName=d, unsubscribe="") == 41117


def test_list_validation_order(api):
    assert api.code("apiuser/list", emailType="", cType="", domainName="") == 41101
    assert api.code("apiuser/list", emailType="5", cType="") == 41102
    assert api.code("apiuser/list", cType="", domainName="") == 41103
    assert api.code("apiuser/list", cType="1", domainName="") == 41105
