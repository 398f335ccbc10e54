"""Isolation (api.md §1.2): another account's object behaves exactly as if it did not exist."""

import uuid

import pytest


@pytest.fixture
def owned(api):
    """Account A with a label, a normal domain and an extra API_USER."""
    label = api.call("label/add", labelName="secret-label")["info"]["data"]
    domain = api.call("domain/add", name="secret.example.cn")["info"]["data"]
    name = f"secret_{uuid.uuid4().hex[:10]}"
    user = api.call("apiuser/add", name=name, emailType="1", domainName="secret.example.cn")["info"]["data"]
    return {"label": label, "domain": domain, "user": user}


def test_labels_of_another_account_do_not_exist(api, other_api, owned):
    label_id = str(owned["label"]["labelId"])
    for action, extra in (("get", {}), ("update", {"labelName": "stolen"}), ("delete", {})):
        r = other_api.call(f"label/{action}", labelId=label_id, **extra)
        assert r == {"result": False, "statusCode": 40106, "message": "标签ID对应的标签不存在", "info": {}}
    assert other_api.call("label/list")["info"] == {"dataList": [], "count": 0, "total": 0}
    assert other_api.call("label/list", query="secret")["info"]["total"] == 0
    # A's label is untouched, and B may use the same name for its own label
    assert api.call("label/get", labelId=label_id)["info"]["data"] == owned["label"]
    theirs = other_api.call("label/add", labelName="secret-label")["info"]["data"]
    assert theirs["labelId"] != owned["label"]["labelId"]
    assert [x["labelName"] for x in api.call("label/list")["info"]["dataList"]] == ["secret-label"]


def test_domains_of_another_account_do_not_exist(api, other_api, owned):
    r = other_api.call("domain/update", name="secret.example.cn", newName="mine.example.cn")
    assert r == {"result": False, "statusCode": 41014, "message": "域名不存在", "info": {}}
    r = other_api.call("domain/update", name=api.account["domain"], newName="mine.example.cn")
    assert r["statusCode"] == 41014
    assert other_api.call("domain/list", name=f"secret.example.cn;{api.account['domain']}")["info"] == {
        "dataList": [], "count": 0, "total": 0}
    rows = other_api.call("domain/list")["info"]["dataList"]
    assert [d["name"] for d in rows] == [other_api.account["domain"]]
    assert other_api.call("domain/list", type="1")["info"]["total"] == 0
    assert other_api.call("domain/list", verify="<30")["info"]["total"] == 0
    # B can add a domain of the same name; A's stays as it was
    assert other_api.code("domain/add", name="secret.example.cn") == 200
    assert api.call("domain/list", type="1")["info"]["dataList"] == [owned["domain"]]


def test_domains_of_another_account_cannot_be_verified_through_its_name(client, api, other_api, owned):
    r = client.post("/_emulator/domains/verify", json={"account": other_api.account["userName"],
                                                        "name": "secret.example.cn", "verify": 8})
    assert r.status_code == 404
    assert api.call("domain/list", name="secret.example.cn")["info"]["dataList"][0]["verify"] == 0


def test_api_users_of_another_account_do_not_show(api, other_api, owned):
    r = other_api.call("apiuser/add", name="intruder_1", emailType="0", domainName="secret.example.cn")
    assert r == {"result": False, "statusCode": 41108, "message": "domainName所属的域名不存在", "info": {}}
    r = other_api.call("apiuser/add", name="intruder_2", emailType="0", domainName=api.account["domain"])
    assert r["statusCode"] == 41108
    rows = other_api.call("apiuser/list")["info"]["dataList"]
    assert [u["name"] for u in rows] == [other_api.account["apiUser"], other_api.account["batchApiUser"]]
    assert other_api.call("apiuser/list", domainName="secret.example.cn")["info"]["total"] == 0
    assert other_api.call("apiuser/list", domainName=api.account["domain"])["info"]["total"] == 0
    assert other_api.call("apiuser/list", cType="1")["info"]["total"] == 0


def test_userinfo_is_the_callers_account(api, other_api, owned):
    assert other_api.call("userinfo/get")["info"]["userName"] == other_api.account["userName"]
    # A's added API_USER authenticates as A, never as B
    r = api.client.post("/apiv2/userinfo/get", data={"apiUser": owned["user"]["name"], "apiKey": owned["user"]["nameKey"]})
    assert r.json()["info"]["userName"] == api.account["userName"]


def test_one_account_key_does_not_open_another_api_user(api, other_api):
    r = api.client.post("/apiv2/userinfo/get", data={"apiUser": other_api.api_user, "apiKey": api.api_key})
    assert r.json()["statusCode"] == 40005
