"""The control API of the core (control-api.md: Health, Accounts, Reset, Domains), the admin token,
/openapi.json and the bundled fixtures."""

import json
import re
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sendcloud_emulator import __version__
from sendcloud_emulator.app import create_app
from sendcloud_emulator.routes import ACTIONS

from .conftest import Api, make_settings, new_account

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"[A-Za-z0-9_]{6,32}")
KEY = re.compile(r"[A-Za-z0-9]{16}")
DEMO = {"apiUser": "demo_trigger", "apiKey": "demoTriggerKey01"}
DEMO_BATCH = {"apiUser": "demo_batch", "apiKey": "demoBatchKey0001"}

S = uuid.uuid4().hex[:6]  # API_USER names are emulator-wide: keep this module's apart


@pytest.fixture(scope="module")
def own_client(tmp_path_factory):
    """An emulator of this module's own, for full resets that must not touch the shared one."""
    with TestClient(create_app(make_settings(tmp_path_factory))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def admin_client(tmp_path_factory):
    with TestClient(create_app(make_settings(tmp_path_factory, admin_token="s3cret-token"))) as test_client:
        yield test_client


def code(client, path, **params) -> int:
    return client.post(f"/apiv2/{path}", data=params).json()["statusCode"]


# health --------------------------------------------------------------------------------------------------
def test_health(client):
    r = client.get("/_emulator/health")
    assert r.status_code == 200
    # SMTP is off in this suite's apps (conftest): no ports in use
    assert r.json() == {"status": "ok", "version": __version__, "database": "sqlite",
                        "smtp": {"port": None, "smtps": None}}


# accounts --------------------------------------------------------------------------------------------
def test_create_generates_every_missing_field(client):
    r = client.post("/_emulator/accounts", json={})
    assert r.status_code == 201
    a = r.json()
    for key in ("userName", "apiUser", "apiKey", "batchApiUser", "batchApiKey", "appKey", "domain", "quota",
                "templateReview"):
        assert key in a, key
    assert a["userName"] and NAME.fullmatch(a["apiUser"]) and NAME.fullmatch(a["batchApiUser"])
    assert a["apiUser"] != a["batchApiUser"]
    assert KEY.fullmatch(a["apiKey"]) and KEY.fullmatch(a["batchApiKey"]) and KEY.fullmatch(a["appKey"])
    assert re.fullmatch(r"[a-z0-9]{10}\.sendcloud\.org", a["domain"])
    assert a["quota"] == 10000 and a["templateReview"] == "auto"
    b = client.post("/_emulator/accounts", json={}).json()
    assert all(a[k] != b[k] for k in ("userName", "apiUser", "apiKey", "batchApiUser", "batchApiKey", "appKey",
                                       "domain"))
    # both API_USERs authenticate, on the account's one test domain
    api = Api(client, a)
    assert api.call("userinfo/get")["info"]["userName"] == a["userName"]
    assert api.call("userinfo/get", batch=True)["info"]["userName"] == a["userName"]
    users = api.call("apiuser/list")["info"]["dataList"]
    assert [(u["name"], u["emailType"], u["domainName"]) for u in users] == [
        (a["apiUser"], "触发", a["domain"]), (a["batchApiUser"], "批量", a["domain"])]
    domains = api.call("domain/list")["info"]["dataList"]
    assert [(d["name"], d["type"], d["verify"]) for d in domains] == [(a["domain"], "测试", 31)]


def test_create_with_given_fields(client):
    body = {"userName": f"given_shop{S}", "apiUser": f"given_trig{S}", "apiKey": "GivenKey0000001", "batchApiUser":
            f"given_batc{S}", "batchApiKey": "GivenBatchKey01", "appKey": "GivenAppKey0001", "quota": 50,
            "templateReview": "manual", "domain": "given.sendcloud.org"}
    r = client.post("/_emulator/accounts", json=body)
    assert r.status_code == 201, r.text
    a = r.json()
    assert {k: a[k] for k in body} == body
    assert code(client, "userinfo/get", apiUser=f"given_trig{S}", apiKey="GivenKey0000001") == 200
    assert code(client, "userinfo/get", apiUser=f"given_batc{S}", apiKey="GivenBatchKey01") == 200
    assert client.get(f"/_emulator/accounts/given_shop{S}").json()["templateReview"] == "manual"


@pytest.mark.parametrize("user_name", ["u" * 64, "a.b@c-d.example", "ab", "x"])
def test_generated_api_user_names_follow_the_name_rule(client, user_name):
    r = client.post("/_emulator/accounts", json={"userName": user_name})
    assert r.status_code == 201, r.text
    a = r.json()
    assert NAME.fullmatch(a["apiUser"]) and NAME.fullmatch(a["batchApiUser"]) and a["apiUser"] != a["batchApiUser"]
    assert Api(client, a).call("userinfo/get")["info"]["userName"] == user_name


def test_generated_names_avoid_taken_ones(client):
    taken = new_account(client, userName=f"gen_clash_src{S}", apiUser=f"gen_clash{S}_trigger")
    a = new_account(client, userName=f"gen_clash{S}")  # its natural apiUser is taken
    assert a["apiUser"] != taken["apiUser"] and NAME.fullmatch(a["apiUser"])
    assert Api(client, a).code("userinfo/get") == 200


def test_create_clashes_are_400(client):
    a = new_account(client)
    clashes = [
        {"apiUser": a["apiUser"]},
        {"apiUser": a["batchApiUser"]},
        {"batchApiUser": a["apiUser"]},
        {"apiUser": "same_name_1", "batchApiUser": "same_name_1"},
        {"apiUser": "demo_trigger"},
    ]
    for i, body in enumerate(clashes):
        body["userName"] = f"clash{i}_{S}"
        r = client.post("/_emulator/accounts", json=body)
        assert r.status_code == 400, (body, r.text)
        assert isinstance(r.json()["detail"], str)
        assert client.get(f"/_emulator/accounts/{body['userName']}").status_code == 404  # nothing was created
    r = client.post("/_emulator/accounts", json={"userName": a["userName"]})
    assert r.status_code == 400 and isinstance(r.json()["detail"], str)
    assert client.get(f"/_emulator/accounts/{a['userName']}").json()["apiKey"] == a["apiKey"]  # unchanged


def test_list_is_oldest_first_with_full_views(client):
    first, second = new_account(client), new_account(client)
    rows = client.get("/_emulator/accounts").json()
    names = [row["userName"] for row in rows]
    assert names.index(first["userName"]) < names.index(second["userName"])
    for row in rows[-2:]:
        assert row["apiUser"] and row["batchApiUser"] and row["domain"] and len(row["apiUsers"]) >= 2


@pytest.mark.parametrize("body", [
    b"{not json", b"[]", b'"text"', b'{"apiUser": "bad-name"}', b'{"apiUser": "short"}', b'{"quota": -1}',
    b'{"quota": "lots"}', b'{"quota": 1e30}', b'{"quota": 99999999999999999999}', b'{"templateReview": "never"}',
    b'{"apiKey": "has space"}', b'{"userName": ""}', b'{"userName": "bad name"}', b'{"domain": "not a domain"}',
    b'{"rateLimitPerMinute": 0}', b'{"email": "a\\u0000b"}',
])
def test_bad_create_body_is_400_never_422(client, body):
    r = client.post("/_emulator/accounts", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert isinstance(r.json()["detail"], str)


@pytest.mark.parametrize("key", ["test_key", "dummy-key-1", "k", "!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "x" * 64])
def test_keys_may_be_any_printable_ascii_without_spaces(client, key):
    a = new_account(client, apiUser=f"pk_{S}_{len(key)}_{ord(key[0])}", apiKey=key, batchApiKey=key, appKey=key)
    assert (a["apiKey"], a["batchApiKey"], a["appKey"]) == (key, key, key)
    assert Api(client, a).code("userinfo/get") == 200 and Api(client, a).code("userinfo/get", batch=True) == 200
    r = client.patch(f"/_emulator/accounts/{a['userName']}", json={"appKey": key[::-1]})
    assert r.status_code == 200 and r.json()["appKey"] == key[::-1]


@pytest.mark.parametrize("field", ["apiKey", "batchApiKey", "appKey"])
@pytest.mark.parametrize("key", ["", "has space", "tab\there", "x" * 65, "ключ", "nul\u0000", "del\u007f"])
def test_keys_outside_printable_ascii_are_400(client, field, key):
    user_name = f"badkey_{S}_{uuid.uuid4().hex[:6]}"
    r = client.post("/_emulator/accounts", json={"userName": user_name, field: key})
    assert r.status_code == 400, r.text
    assert field in r.json()["detail"]
    assert client.get(f"/_emulator/accounts/{user_name}").status_code == 404
    if field == "appKey":
        a = new_account(client)
        assert client.patch(f"/_emulator/accounts/{a['userName']}", json={"appKey": key}).status_code == 400


def test_list_and_show(client):
    a = new_account(client)
    rows = client.get("/_emulator/accounts").json()
    assert isinstance(rows, list)
    mine = [row for row in rows if row["userName"] == a["userName"]]
    assert len(mine) == 1 and {k: mine[0][k] for k in a} == a
    assert any(row["userName"] == "demo" for row in rows)
    r = client.get(f"/_emulator/accounts/{a['userName']}")
    assert r.status_code == 200 and r.json() == mine[0]
    assert client.get("/_emulator/accounts/no_such_account").status_code == 404


def test_patch(client):
    a = new_account(client)
    r = client.patch(f"/_emulator/accounts/{a['userName']}", json={"quota": 5, "templateReview": "manual",
                                                                   "appKey": "NewAppKey0000001",
                                                                   "rateLimitPerMinute": 100})
    assert r.status_code == 200
    view = r.json()
    assert (view["quota"], view["templateReview"], view["appKey"], view["rateLimitPerMinute"]) == (
        5, "manual", "NewAppKey0000001", 100)
    assert view["apiUser"] == a["apiUser"] and view["apiKey"] == a["apiKey"]
    assert client.get(f"/_emulator/accounts/{a['userName']}").json() == view
    # a partial patch changes only what it names; 0 removes the rate limit
    view = client.patch(f"/_emulator/accounts/{a['userName']}", json={"rateLimitPerMinute": 0}).json()
    assert view["rateLimitPerMinute"] is None and view["quota"] == 5 and view["templateReview"] == "manual"
    assert Api(client, a).call("userinfo/get")["info"]["quota"] == 5


def test_patch_errors(client):
    a = new_account(client)
    assert client.patch("/_emulator/accounts/no_such_account", json={"quota": 1}).status_code == 404
    for body in ({"quota": -5}, {"templateReview": "x"}, {"appKey": "bad key"}, {"rateLimitPerMinute": -1}):
        r = client.patch(f"/_emulator/accounts/{a['userName']}", json=body)
        assert r.status_code == 400, (body, r.text)
    r = client.patch(f"/_emulator/accounts/{a['userName']}", content=b"nope", headers={"content-type": "application/json"})
    assert r.status_code == 400


def test_delete_removes_the_account_and_everything_it_owns(client):
    a = new_account(client)
    api = Api(client, a)
    assert api.code("label/add", labelName="gone") == 200
    assert api.code("domain/add", name="gone.example.cn") == 200
    added = api.call("apiuser/add", name=f"gone_user_1{S}", emailType="0", domainName="gone.example.cn")["info"]["data"]
    r = client.delete(f"/_emulator/accounts/{a['userName']}")
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"/_emulator/accounts/{a['userName']}").status_code == 404
    assert api.code("userinfo/get") == 40005
    assert api.code("userinfo/get", batch=True) == 40005
    assert code(client, "userinfo/get", apiUser=f"gone_user_1{S}", apiKey=added["nameKey"]) == 40005
    assert client.delete(f"/_emulator/accounts/{a['userName']}").status_code == 404
    # the names are free again and the new account starts empty
    again = new_account(client, userName=a["userName"], apiUser=a["apiUser"])
    fresh = Api(client, again)
    assert fresh.call("label/list")["info"]["total"] == 0
    assert [d["type"] for d in fresh.call("domain/list")["info"]["dataList"]] == ["测试"]
    assert fresh.code("apiuser/add", name=f"gone_user_1{S}", emailType="0", domainName=again["domain"]) == 200


# reset ---------------------------------------------------------------------------------------------
def test_full_reset_wipes_everything_and_reloads_fixtures(own_client):
    a = new_account(own_client)
    api = Api(own_client, a)
    assert api.code("label/add", labelName="wiped") == 200
    assert code(own_client, "label/add", labelName="demo-label", **DEMO) == 200
    assert own_client.put("/_emulator/faults", json={"rules": [{"module": "label", "statusCode": 501}]}).status_code == 200
    r = own_client.post("/_emulator/reset")
    assert r.status_code == 204 and r.content == b""
    assert api.code("userinfo/get") == 40005
    assert own_client.get(f"/_emulator/accounts/{a['userName']}").status_code == 404
    assert [row["userName"] for row in own_client.get("/_emulator/accounts").json()] == ["demo"]
    listed = own_client.post("/apiv2/label/list", data=DEMO).json()  # fault rules are cleared too
    assert listed["statusCode"] == 200 and listed["info"]["total"] == 0
    assert own_client.get("/_emulator/faults").json() == {"rules": []}


def test_account_reset_keeps_configuration(client):
    a = new_account(client)
    api = Api(client, a)
    label = api.call("label/add", labelName="kept")["info"]["data"]
    domain = api.call("domain/add", name="kept.example.cn")["info"]["data"]
    api.call("apiuser/add", name=f"kept_user_1{S}", emailType="1", domainName="kept.example.cn")
    other = Api(client, new_account(client))
    other.call("label/add", labelName="theirs")
    r = client.post("/_emulator/reset", params={"account": a["userName"]})
    assert r.status_code == 204
    assert api.call("label/list")["info"]["dataList"] == [label]
    assert api.call("domain/list", type="1")["info"]["dataList"] == [domain]
    assert [u["name"] for u in api.call("apiuser/list")["info"]["dataList"]][-1] == f"kept_user_1{S}"
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 0
    assert [x["labelName"] for x in other.call("label/list")["info"]["dataList"]] == ["theirs"]
    assert client.post("/_emulator/reset", params={"account": "no_such_account"}).status_code == 404


def test_account_reset_clears_its_rate_limit_window(client):
    a = new_account(client, rateLimitPerMinute=2)
    api = Api(client, a)
    assert [api.code("userinfo/get") for _ in range(3)] == [200, 200, 50001]
    assert client.post("/_emulator/reset", params={"account": a["userName"]}).status_code == 204
    assert api.code("userinfo/get") == 200


# domains/verify --------------------------------------------------------------------------------------
def test_verify_ors_bits(client):
    a = new_account(client)
    api = Api(client, a)
    assert api.code("domain/add", name="bits.example.cn") == 200
    r = client.post("/_emulator/domains/verify", json={"account": a["userName"], "name": "bits.example.cn", "verify": 1})
    assert r.status_code == 200 and r.json()["verify"] == 1 and r.json()["name"] == "bits.example.cn"
    r = client.post("/_emulator/domains/verify", json={"apiUser": a["batchApiUser"], "name": "BITS.example.cn",
                                                        "verify": 8})
    assert r.status_code == 200 and r.json()["verify"] == 9
    r = client.post("/_emulator/domains/verify", json={"account": a["userName"], "name": "bits.example.cn", "verify": 1})
    assert r.json()["verify"] == 9  # OR, not toggle
    assert api.call("domain/list", name="bits.example.cn")["info"]["dataList"][0]["verify"] == 9
    assert api.code("domain/update", name="bits.example.cn", newName="renamed.example.cn") == 41016
    assert api.code("domain/add", name="all.example.cn") == 200
    r = client.post("/_emulator/domains/verify", json={"account": a["userName"], "name": "all.example.cn"})
    assert r.status_code == 200 and r.json()["verify"] == 31  # the default is every bit


def test_verify_then_click_works(client):
    a = new_account(client)
    api = Api(client, a)
    assert api.code("domain/add", name="click.example.cn") == 200
    params = {"name": f"click_user_1{S}", "emailType": "0", "domainName": "click.example.cn", "click": "1"}
    assert api.code("apiuser/add", **params) == 41116
    r = client.post("/_emulator/domains/verify", json={"account": a["userName"], "name": "click.example.cn",
                                                        "verify": 8})
    assert r.status_code == 200
    data = api.call("apiuser/add", **params)["info"]["data"]
    assert data["click"] == 1


def test_verify_errors(client, other_api):
    a = new_account(client)
    assert other_api.code("domain/add", name="other.example.cn") == 200
    post = lambda body: client.post("/_emulator/domains/verify", json=body)  # noqa: E731
    assert post({"name": "x.example.cn"}).status_code == 400  # account or apiUser required
    assert post({"account": a["userName"]}).status_code == 400  # name required
    assert post({"account": a["userName"], "name": "x.example.cn", "verify": 32}).status_code == 400
    assert post({"account": a["userName"], "name": "x.example.cn", "verify": -1}).status_code == 400
    assert post({"account": a["userName"], "name": "x.example.cn", "verify": "all"}).status_code == 400
    assert post({"account": "no_such_account", "name": "x.example.cn"}).status_code == 404
    assert post({"apiUser": "no_such_user", "name": "x.example.cn"}).status_code == 404
    assert post({"account": a["userName"], "name": "nosuch.example.cn"}).status_code == 404
    assert post({"account": a["userName"], "name": "other.example.cn"}).status_code == 404  # another account's
    r = client.post("/_emulator/domains/verify", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 400


# admin token -----------------------------------------------------------------------------------------
def test_admin_token(admin_client):
    c = admin_client
    good = {"Authorization": "Bearer s3cret-token"}
    assert c.get("/_emulator/health").status_code == 200  # health stays open
    for method, path, body in [("POST", "/_emulator/accounts", {}), ("GET", "/_emulator/accounts", None),
                               ("GET", "/_emulator/accounts/demo", None), ("PATCH", "/_emulator/accounts/demo", {}),
                               ("DELETE", "/_emulator/accounts/demo", None), ("POST", "/_emulator/reset", None),
                               ("POST", "/_emulator/domains/verify", {"account": "demo", "name": "demo.sendcloud.org"}),
                               ("GET", "/_emulator/faults", None)]:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-token"}):
            r = c.request(method, path, json=body, headers=headers)
            assert r.status_code == 401, (method, path, headers, r.status_code)
    r = c.post("/_emulator/accounts", json={}, headers=good)
    assert r.status_code == 201
    assert c.get("/_emulator/accounts", headers=good).status_code == 200
    r = c.post("/_emulator/domains/verify", json={"account": "demo", "name": "demo.sendcloud.org"}, headers=good)
    assert r.status_code == 200
    assert c.post("/apiv2/userinfo/get", data=DEMO).json()["statusCode"] == 200  # /apiv2 needs no token


# /openapi.json -----------------------------------------------------------------------------------------
def test_openapi_documents_every_action(client):
    r = client.get("/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for entry in ACTIONS:
        path = paths[f"/apiv2/{entry.module}/{entry.action}"]
        assert sorted(path) == sorted(m.lower() for m in entry.methods), entry
        declared = ["apiUser", "apiKey", *getattr(entry.handler, "params", ())]
        for method, operation in path.items():
            if method == "get":
                assert [p["name"] for p in operation["parameters"]] == declared
            else:
                content = operation["requestBody"]["content"]
                assert list(content["multipart/form-data"]["schema"]["properties"]) == declared
                files = [p.name for p in entry.handler.declaration.params if p.type == "binary"]
                form = content["application/x-www-form-urlencoded"]["schema"]  # a form cannot carry files
                assert list(form["properties"]) == [n for n in declared if n not in files]
    assert "/_emulator/accounts" in paths and "/_emulator/health" in paths and "/_emulator/reset" in paths
    assert "/_emulator/domains/verify" in paths
    assert paths["/_emulator/health"]["get"]["tags"] == ["_emulator"]
    assert not any(p.startswith("/apiv2/{") for p in paths)


def test_openapi_lists_the_documented_parameters_in_order(client):
    paths = client.get("/openapi.json").json()["paths"]
    names = lambda p: [x["name"] for x in paths[p]["get"]["parameters"]][2:]  # noqa: E731
    assert names("/apiv2/apiuser/add") == ["name", "emailType", "domainName", "open", "click", "unsubscribe"]
    assert names("/apiv2/label/list") == ["query", "start", "limit"]
    assert names("/apiv2/domain/update") == ["name", "newName"]
    assert names("/apiv2/userinfo/get") == []


# fixtures ---------------------------------------------------------------------------------------------
def test_bundled_fixtures_equal_the_repository_copy():
    bundled = (ROOT / "sendcloud_emulator" / "fixtures" / "default.json").read_bytes()
    repo = (ROOT / "fixtures" / "default.json").read_bytes()
    assert bundled == repo
    assert json.loads(bundled)["accounts"][0]["userName"] == "demo"


def test_default_account_authenticates_with_the_readme_credentials(client):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = "| `demo` | `demo_trigger` | `demoTriggerKey01` | `demo_batch` | `demoBatchKey0001` | `demoAppKey000001` |"
    assert row in readme
    info = client.post("/apiv2/userinfo/get", data=DEMO).json()
    assert info["statusCode"] == 200 and info["info"]["userName"] == "demo"
    assert client.post("/apiv2/userinfo/get", data=DEMO_BATCH).json()["info"]["userName"] == "demo"
    domains = client.post("/apiv2/domain/list", data={**DEMO, "type": "0"}).json()["info"]["dataList"]
    assert [(d["name"], d["type"], d["verify"]) for d in domains] == [("demo.sendcloud.org", "测试", 31)]
    view = client.get("/_emulator/accounts/demo").json()
    assert (view["apiUser"], view["apiKey"], view["batchApiUser"], view["batchApiKey"], view["appKey"]) == (
        "demo_trigger", "demoTriggerKey01", "demo_batch", "demoBatchKey0001", "demoAppKey000001")
