"""domain/list, add, update (api.md §2.6) and the verify bits set through the control API."""

import uuid

import pytest

from .test_label import assert_recent

RECORD_KEYS = ["name", "type", "verify", "verifyKey.domain", "verifyKey.value", "spf.domain", "spf.value",
               "dkim.domain", "dkim.value", "cname.domain", "cname.value", "mx.domain", "mx.value",
               "gmtCreated", "gmtUpdated"]
EXAMPLE = {
    "name": "mail.example.cn", "type": "普通", "verify": 0,
    "verifyKey.domain": "mail.example.cn", "verifyKey.value": "c45fc578-7c49-502d-b653-9eea17233b7a",
    "spf.domain": "mail.example.cn", "spf.value": "v=spf1 include:spf.sendcloud.org ~all",
    "dkim.domain": "mail._domainkey.mail.example.cn",
    "dkim.value": "k=rsa;p=yztOVUtBpG4lIIVbkyFchJvp89W5siJvrj1/MfyVjYs=",
    "cname.domain": "sctrack.mail.example.cn", "cname.value": "track.sendcloud.org",
    "mx.domain": "mail.example.cn", "mx.value": "mx.sendcloud.net",
}
LONG_NAME = ".".join(["a" * 50] * 5) + ".cn"  # 258 characters, otherwise a valid name

S = uuid.uuid4().hex[:6]  # API_USER names are emulator-wide: keep this module's apart


def add(api, name: str) -> dict:
    r = api.call("domain/add", name=name)
    assert r["statusCode"] == 200, r
    return r["info"]["data"]


def verify(api, name: str, bits: int):
    r = api.client.post("/_emulator/domains/verify", json={"account": api.account["userName"], "name": name,
                                                             "verify": bits})
    assert r.status_code == 200, r.text
    return r.json()


def listed(api, **params) -> list[dict]:
    r = api.call("domain/list", **params)
    assert r["statusCode"] == 200, r
    info = r["info"]
    assert info["count"] == info["total"] == len(info["dataList"])
    return info["dataList"]


# success shapes ------------------------------------------------------------------------------------
def test_add_answers_the_worked_example(api):
    r = api.call("domain/add", name="mail.example.cn")
    assert r["result"] is True and r["statusCode"] == 200 and r["message"] == "请求成功"
    assert list(r["info"]) == ["data"]
    data = r["info"]["data"]
    assert list(data) == RECORD_KEYS
    assert {k: v for k, v in data.items() if not k.startswith("gmt")} == EXAMPLE
    assert_recent(data["gmtCreated"])
    assert data["gmtUpdated"] == data["gmtCreated"]


def test_records_come_from_the_lower_cased_name(api):
    data = add(api, "Mail.Example.CN")
    assert data["name"] == "Mail.Example.CN"  # stored as sent
    assert {k: v for k, v in data.items() if "." in k} == {k: v for k, v in EXAMPLE.items() if "." in k}


def test_surrounding_whitespace_of_name_is_ignored(api):
    assert add(api, "  ws.example.cn \t")["name"] == "ws.example.cn"


def test_list_shows_the_test_domain_first_then_added_ones(api):
    a = add(api, "first.example.cn")
    b = add(api, "second.example.cn")
    r = api.call("domain/list")
    assert list(r["info"]) == ["dataList", "count", "total"]
    rows = r["info"]["dataList"]
    assert r["info"]["count"] == r["info"]["total"] == 3
    test = rows[0]
    assert list(test) == RECORD_KEYS
    assert test["name"] == api.account["domain"] and test["name"].endswith(".sendcloud.org")
    assert test["type"] == "测试" and test["verify"] == 31
    assert test["dkim.domain"] == f"mail._domainkey.{api.account['domain']}"
    assert rows[1:] == [a, b]


def test_list_filters(api):
    add(api, "f1.example.cn")
    add(api, "F2.Example.CN")
    add(api, "f3.example.cn")
    verify(api, "f1.example.cn", 8)
    verify(api, "f3.example.cn", 1 | 2 | 4 | 8 | 16)
    test = api.account["domain"]
    pick = lambda rows: [d["name"] for d in rows]  # noqa: E731
    assert pick(listed(api, name="f2.example.cn")) == ["F2.Example.CN"]  # exact, case-insensitive
    assert pick(listed(api, name="f3.example.cn;F1.EXAMPLE.CN; ")) == ["f1.example.cn", "f3.example.cn"]
    assert pick(listed(api, name="example.cn")) == []  # not a substring match
    assert pick(listed(api, name="not a domain!")) == []  # not syntax-checked, matches nothing
    assert pick(listed(api, type="0")) == [test]
    assert pick(listed(api, type="1")) == ["f1.example.cn", "F2.Example.CN", "f3.example.cn"]
    assert pick(listed(api, verify="8")) == ["f1.example.cn"]
    assert pick(listed(api, verify="31")) == [test, "f3.example.cn"]
    assert pick(listed(api, verify=">8")) == [test, "f1.example.cn", "f3.example.cn"]
    assert pick(listed(api, verify="<8")) == ["f1.example.cn", "F2.Example.CN"]  # ≤ N
    assert pick(listed(api, verify="<7")) == ["F2.Example.CN"]
    assert pick(listed(api, verify="<30")) == ["f1.example.cn", "F2.Example.CN"]
    assert len(listed(api, verify="<31")) == 4
    assert pick(listed(api, verify="0")) == ["F2.Example.CN"]
    assert len(listed(api, verify=">0")) == 4  # ≥ N
    assert pick(listed(api, verify=">1")) == [test, "f1.example.cn", "f3.example.cn"]
    assert pick(listed(api, verify=" >9 ")) == [test, "f3.example.cn"]
    assert pick(listed(api, verify="<0")) == ["F2.Example.CN"]
    assert pick(listed(api, verify="08")) == ["f1.example.cn"]
    assert pick(listed(api, type="1", verify=">1", name="f1.example.cn;f2.example.cn")) == ["f1.example.cn"]


def test_update_renames_and_recomputes_records(api):
    old = add(api, "old.example.cn")
    r = api.call("domain/update", name="OLD.example.cn", newName="mail.example.cn")
    assert r["statusCode"] == 200 and r["result"] is True
    data = r["info"]["data"]
    assert list(r["info"]) == ["data"] and list(data) == RECORD_KEYS
    assert {k: v for k, v in data.items() if not k.startswith("gmt")} == EXAMPLE
    assert data["gmtCreated"] == old["gmtCreated"]
    assert_recent(data["gmtUpdated"])
    rows = listed(api, type="1")
    assert rows == [data]
    assert api.code("domain/add", name="old.example.cn") == 200  # the old name is free again


def test_api_users_stay_bound_through_renames(api):
    add(api, "bound.example.cn")
    assert api.code("apiuser/add", name=f"bound_user1{S}", emailType="0", domainName="bound.example.cn") == 200
    assert api.code("domain/update", name="bound.example.cn", newName="renamed.example.cn") == 200
    users = api.call("apiuser/list", domainName="renamed.example.cn")["info"]["dataList"]
    assert [u["name"] for u in users] == [f"bound_user1{S}"] and users[0]["domainName"] == "renamed.example.cn"
    assert api.call("apiuser/list", domainName="bound.example.cn")["info"]["dataList"] == []


def test_update_to_its_own_name_in_another_case(api):
    add(api, "case.example.cn")
    data = api.call("domain/update", name="case.example.cn", newName="CASE.example.cn")["info"]["data"]
    assert data["name"] == "CASE.example.cn" and data["verifyKey.domain"] == "case.example.cn"


def test_domains_are_unique_per_account_only(api, other_api):
    add(api, "shared.example.cn")
    add(other_api, "shared.example.cn")


def test_idn_and_hyphen_names_are_domains(api):
    for name in ("中文域名.中国", "a-b.example.cn", "x1.co", "müller.de"):
        assert add(api, name)["name"] == name


def test_english_words(en_api):
    data = en_api.call("domain/add", name="en.example.cn")["info"]["data"]
    assert data["type"] == "normal"
    rows = en_api.call("domain/list")["info"]["dataList"]
    assert [d["type"] for d in rows] == ["test", "normal"]
    assert en_api.call("domain/add", name="en.example.cn")["message"] == "failed to create domain"


# codes ---------------------------------------------------------------------------------------------
def test_name_missing_or_blank_is_41001(api):
    add(api, "some.example.cn")
    for action in ("add", "update"):
        extra = {"newName": "new.example.cn"} if action == "update" else {}
        assert api.code(f"domain/{action}", **extra) == 41001
        r = api.call(f"domain/{action}", name=" ", **extra)
        assert r == {"result": False, "statusCode": 41001, "message": "name不能为空串", "info": {}}
    for blank in ("", "  ", ";", " ; ;"):
        assert api.code("domain/list", name=blank) == 41001


@pytest.mark.parametrize("name", ["a.example.cn;b.example.cn", "a.example.cn;", ";", "x;" + LONG_NAME, "a b;c"])
def test_add_name_with_semicolon_is_41013(api, name):
    r = api.call("domain/add", name=name)
    assert r == {"result": False, "statusCode": 41013, "message": "name参数错误, 多个域名", "info": {}}


def test_name_longer_than_250_is_41002(api):
    assert len(LONG_NAME) > 250
    r = api.call("domain/add", name=LONG_NAME)
    assert r == {"result": False, "statusCode": 41002, "message": "name的长度应该为1-250个字符", "info": {}}
    assert api.code("domain/add", name="x" * 251) == 41002
    assert api.code("domain/update", name=LONG_NAME, newName="n.example.cn") == 41002
    assert api.code("domain/add", name="x" * 1_000_000) == 41002


@pytest.mark.parametrize("name", [
    "nodot", "-a.example.cn", "a-.example.cn", "a..example.cn", ".example.cn", "example.cn.", "a.c", "a.123",
    "a b.example.cn", "a_b.example.cn", "a@b.cn", "x" * 64 + ".cn", "mysendcloud.cn", "SendCloud.net",
    "mail.ifaxin.com", "IFAXIN.cn", "nul\x00.cn", "a.b\n.cn", "http://a.cn",
])
def test_add_name_not_a_domain_is_41003(api, name):
    r = api.call("domain/add", name=name)
    assert r == {"result": False, "statusCode": 41003, "message": "name不符合域名规则", "info": {}}


def test_add_existing_name_is_41015(api):
    add(api, "dup.example.cn")
    r = api.call("domain/add", name="DUP.example.cn")
    assert r == {"result": False, "statusCode": 41015, "message": "domain创建失败", "info": {}}
    assert [d["name"] for d in listed(api, type="1")] == ["dup.example.cn"]


def test_sixth_normal_domain_is_41012(api):
    for i in range(5):
        add(api, f"cap{i}.example.cn")
    r = api.call("domain/add", name="cap5.example.cn")
    assert r == {"result": False, "statusCode": 41012, "message": "用户创建域名不能超过5个", "info": {}}
    assert len(listed(api)) == 6  # the test domain is not counted against the cap
    assert api.code("domain/add", name="cap0.example.cn") == 41015  # uniqueness is checked before the cap
    assert api.code("domain/add", name="bad_name") == 41003
    # renaming keeps the count; the cap frees up with nothing else
    assert api.code("domain/update", name="cap4.example.cn", newName="cap9.example.cn") == 200
    assert api.code("domain/add", name="cap5.example.cn") == 41012


def test_update_unknown_name_is_41014(api, other_api):
    add(other_api, "theirs.example.cn")
    for name in ("nosuch.example.cn", "theirs.example.cn", "not a domain", "nul\x00.cn", "a;b"):
        r = api.call("domain/update", name=name, newName="new.example.cn")
        assert r == {"result": False, "statusCode": 41014, "message": "域名不存在", "info": {}}
    assert [d["name"] for d in listed(other_api, type="1")] == ["theirs.example.cn"]


def test_new_name_missing_or_blank_is_41004(api):
    add(api, "src.example.cn")
    assert api.code("domain/update", name="src.example.cn") == 41004
    r = api.call("domain/update", name="src.example.cn", newName="  ")
    assert r == {"result": False, "statusCode": 41004, "message": "newName不能为空串", "info": {}}


def test_new_name_longer_than_250_is_41005(api):
    add(api, "src.example.cn")
    r = api.call("domain/update", name="src.example.cn", newName=LONG_NAME)
    assert r == {"result": False, "statusCode": 41005, "message": "newName的长度应该为1-250个字符", "info": {}}


@pytest.mark.parametrize("new_name", ["nodot", "a;b.cn", "a.example.cn;b.example.cn", "x.sendcloud.org",
                                      "IFAXIN.com", "a_b.cn", "a..cn", "a.1"])
def test_new_name_not_a_domain_is_41006(api, new_name):
    add(api, "src.example.cn")
    r = api.call("domain/update", name="src.example.cn", newName=new_name)
    assert r == {"result": False, "statusCode": 41006, "message": "newName不符合域名规则", "info": {}}


def test_update_of_test_domain_verified_domain_or_taken_name_is_41016(api):
    add(api, "plain.example.cn")
    add(api, "verified.example.cn")
    verify(api, "verified.example.cn", 2)
    cases = [
        (api.account["domain"], "fresh1.example.cn"),  # the test domain
        ("verified.example.cn", "fresh2.example.cn"),  # any verify bit set
        ("plain.example.cn", "verified.example.cn"),  # newName exists
        ("plain.example.cn", "VERIFIED.EXAMPLE.CN"),  # case-insensitively
    ]
    for name, new_name in cases:
        r = api.call("domain/update", name=name, newName=new_name)
        assert r == {"result": False, "statusCode": 41016, "message": "domain修改失败", "info": {}}, (name, new_name)
    assert [d["name"] for d in listed(api, type="1")] == ["plain.example.cn", "verified.example.cn"]


def test_type_blank_is_41007_and_invalid_is_41008(api):
    r = api.call("domain/list", type="")
    assert r == {"result": False, "statusCode": 41007, "message": "type不能为空串", "info": {}}
    for bad in ("2", "-1", "a", "1.0", "true", "2147483648"):
        r = api.call("domain/list", type=bad)
        assert r == {"result": False, "statusCode": 41008, "message": "type不符合规则", "info": {}}, bad


def test_verify_blank_is_41009(api):
    r = api.call("domain/list", verify=" ")
    assert r == {"result": False, "statusCode": 41009, "message": "verify不能为空串", "info": {}}


@pytest.mark.parametrize("bad", ["=5", ">=5", "abc", "5>", "><5", "-1", "> 5", "<", ">", "1.5", "+3", "5,6"])
def test_verify_not_of_the_form_is_41010(api, bad):
    r = api.call("domain/list", verify=bad)
    assert r == {"result": False, "statusCode": 41010, "message": "verify不符合规则", "info": {}}


@pytest.mark.parametrize("bad", ["32", ">32", "<99", "99999999999", "2147483648"])
def test_verify_number_out_of_range_is_41011(api, bad):
    r = api.call("domain/list", verify=bad)
    assert r == {"result": False, "statusCode": 41011, "message": "verify解析错误", "info": {}}


# validation order -----------------------------------------------------------------------------------
def test_validation_order(api):
    add(api, "order.example.cn")
    assert api.code("domain/add", name=LONG_NAME + ";x") == 41013  # `;` before length
    assert api.code("domain/add", name="x" * 251 + ".sendcloud.cn") == 41002  # length before syntax
    assert api.code("domain/update") == 41001
    assert api.code("domain/update", name="nosuch.example.cn", newName="") == 41014  # name row before newName
    assert api.code("domain/update", name=api.account["domain"], newName="bad") == 41006  # invalid before 41016
    assert api.code("domain/update", name=api.account["domain"], newName="") == 41004
    assert api.code("domain/list", name="", type="x", verify="") == 41001
    assert api.code("domain/list", type="", verify="x") == 41007
    assert api.code("domain/list", type="9", verify="") == 41008
    assert api.code("domain/list", type="1", verify="") == 41009
