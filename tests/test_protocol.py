"""Wire format of /apiv2 (api.md §1.1, §1.3, §1.5): routing answers, parameter sources, envelope."""

import json
import uuid

import pytest

from sendcloud_emulator.routes import ACTIONS

from .conftest import Api, new_account

JSON_UTF8 = "application/json; charset=utf-8"
FORM = "application/x-www-form-urlencoded"
NOT_FOUND = {"result": False, "statusCode": 404, "message": "Not Found", "info": {}}
NOT_ALLOWED = {"result": False, "statusCode": 405, "message": "Method Not Allowed", "info": {}}
TOO_LARGE = {"result": False, "statusCode": 413, "message": "Payload Too Large", "info": {}}

S = uuid.uuid4().hex[:6]  # API_USER names are emulator-wide: keep this module's apart


def post_raw(client, path, body: bytes, content_type: str | None = FORM, **kw):
    headers = {"content-type": content_type} if content_type else {}
    return client.post(path, content=body, headers=headers, **kw)


def form(api, **params) -> bytes:
    """An urlencoded body with the caller's credentials first."""
    from urllib.parse import urlencode

    return urlencode({**api.creds(), **params}).encode()


# routing (§1.1) -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "/apiv2/label/add", "/apiv2/LABEL/ADD", "/apiv2/Label/Add", "/apiv2/label/add/", "/apiv2/lAbEl/aDd/",
])
def test_module_and_action_match_case_insensitively_with_one_trailing_slash(api, path):
    r = api.client.post(path, data={**api.creds(), "labelName": f"case{path}"})
    assert r.status_code == 200
    body = r.json()
    assert body["statusCode"] == 200, body
    assert body["info"]["data"]["labelName"] == f"case{path}"


@pytest.mark.parametrize("path", ["/apiv2/apiUser/list", "/apiv2/APIUSER/LIST", "/apiv2/userInfo/get",
                                  "/apiv2/userinfo/GET/", "/apiv2/Domain/List"])
def test_other_modules_case_insensitive(api, path):
    r = api.client.get(path, params=api.creds())
    assert r.status_code == 200 and r.json()["statusCode"] == 200


@pytest.mark.parametrize("path", [
    "/apiv2/label/add//", "/apiv2/label", "/apiv2/label/", "/apiv2", "/apiv2/", "/apiv2/label/add/x",
    "/apiv2//label/add", "/apiv2/nosuch/list", "/apiv2/label/nosuch", "/apiv2/domain/delete",
    "/apiv2/apiuser/update", "/apiv2/trackDomain/list", "/apiv2/block/list", "/apiv2/route/list",
    "/apiv2/unintercept/list", "/smsapi/send",
])  # /webapi is served now (v1.md): its routing answers are tested in test_v1_door.py
def test_unknown_route_is_404_envelope_before_authentication(client, path):
    for method in ("GET", "POST"):
        r = client.request(method, path)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json() == NOT_FOUND
        assert r.headers["content-type"] == JSON_UTF8


def test_unknown_route_with_valid_credentials_still_404(api):
    r = api.client.post("/apiv2/label/nosuch", data=api.creds())
    assert r.status_code == 404 and r.json() == NOT_FOUND


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("path", ["/apiv2/label/list", "/apiv2/domain/add/", "/apiv2/userinfo/get"])
def test_wrong_method_is_405_envelope_before_authentication(client, method, path):
    r = client.request(method, path)
    assert r.status_code == 405, r.text
    assert r.json() == NOT_ALLOWED
    assert r.headers["content-type"] == JSON_UTF8


def test_head_is_405(client):
    r = client.head("/apiv2/label/list")
    assert r.status_code == 405


def test_unknown_route_wins_over_wrong_method(client):
    r = client.put("/apiv2/label/nosuch")
    assert r.status_code == 404 and r.json() == NOT_FOUND


def test_routing_messages_are_english_in_zh_and_en(client, en_client):
    for c in (client, en_client):
        assert c.get("/apiv2/x/y").json()["message"] == "Not Found"
        assert c.delete("/apiv2/label/list").json()["message"] == "Method Not Allowed"


# With credentials only, an action answers its first required parameter's empty code (api.md §6),
# or 200 when it needs nothing more.
CREDENTIALS_ONLY = {
    "label/list": 200, "label/get": 40102, "label/add": 40104, "label/update": 40102, "label/delete": 40102,
    "domain/list": 200, "domain/add": 41001, "domain/update": 41001,
    "apiuser/list": 200, "apiuser/add": 41110, "userinfo/get": 200,
    "template/list": 200, "template/get": 40201, "template/add": 40201, "template/update": 40201,
    "template/delete": 40201, "template/submit": 40201,
    "addresslist/list": 200, "addresslist/add": 40503, "addresslist/update": 40503, "addresslist/delete": 40503,
    "addressmember/list": 40503, "addressmember/get": 40503, "addressmember/add": 40503,
    "addressmember/update": 40503, "addressmember/delete": 40503,
    "mail/send": 40801, "mail/sendtemplate": 40801, "mail/sendcalendar": 40801, "mail/taskinfo": 6001,
    "statday/list": 40006, "stathour/list": 40006, "invalidstat/list": 40006, "data/emailStatus": 40006,
    "openandclick/list": 40006, "bounce/list": 40006, "bounce/delete": 40006, "bounce/count": 40006,
    "unsubscribe/list": 40006, "unsubscribe/add": 40011, "unsubscribe/delete": 40006, "spamreported/list": 40006,
    "webhook/list": 200, "webhook/add": 40701, "webhook/update": 40701, "webhook/delete": 40701,
}


@pytest.fixture(scope="module")
def seeded_api(client):
    """An account with one of everything the list actions show (they must render a row, not only [])."""
    api = Api(client, new_account(client))
    assert api.code("label/add", labelName="seen") == 200
    assert api.code("template/add", invokeName="seen", name="seen", subject="s", html="<p>h</p>",
                    templateType="0") == 200
    assert api.code("addresslist/add", address=f"seen{S}@maillist.sendcloud.org", name="seen") == 200
    assert api.code("webhook/add", url="http://127.0.0.1:9/hook", event="deliver", categoryName="all") == 200
    return api


def test_the_credentials_only_table_names_every_action():
    assert set(CREDENTIALS_ONLY) == {f"{a.module}/{a.action}" for a in ACTIONS}


@pytest.mark.parametrize("entry", ACTIONS, ids=lambda a: f"{a.module}/{a.action}")
def test_every_action_accepts_get_and_post_with_credentials(seeded_api, entry):
    path = f"{entry.module}/{entry.action}"
    for method in entry.methods:
        r = seeded_api.call(path, method=method)
        assert r["statusCode"] == CREDENTIALS_ONLY[path], (method, r)
        if r["statusCode"] == 200 and entry.module != "userinfo":
            assert r["info"]["dataList"], (method, r)  # a list action rendered the seeded row


# authentication (§1.2) ------------------------------------------------------------------------
@pytest.mark.parametrize("entry", ACTIONS, ids=lambda a: f"{a.module}/{a.action}")
def test_every_action_without_credentials_is_40005(client, entry):
    for method in entry.methods:
        r = client.request(method, f"/apiv2/{entry.module}/{entry.action}")
        assert r.status_code == 200
        assert r.json() == {"result": False, "statusCode": 40005, "message": "认证失败", "info": {}}


def _auth_cases(account):
    user, key = account["apiUser"], account["apiKey"]
    return {
        "missing both": {},
        "missing apiKey": {"apiUser": user},
        "missing apiUser": {"apiKey": key},
        "blank apiUser": {"apiUser": "", "apiKey": key},
        "blank apiKey": {"apiUser": user, "apiKey": ""},
        "whitespace apiUser": {"apiUser": "   ", "apiKey": key},
        "whitespace apiKey": {"apiUser": user, "apiKey": " \t "},
        "unknown apiUser": {"apiUser": "nobody_" + user, "apiKey": key},
        "wrong key": {"apiUser": user, "apiKey": key + "x"},
        "key prefix": {"apiUser": user, "apiKey": key[:-1]},
        "apiUser other case": {"apiUser": user.upper(), "apiKey": key},
        "apiKey other case": {"apiUser": user, "apiKey": key.swapcase()},
        "batch user with trigger key": {"apiUser": account["batchApiUser"], "apiKey": key},
        "lower-case parameter names": {"apiuser": user, "apikey": key},
        "upper-case parameter names": {"APIUSER": user, "APIKEY": key},
        "apiKey name misspelt": {"apiUser": user, "api_key": key},
        "NUL in apiUser": {"apiUser": user + "\x00", "apiKey": key},
        "NUL in apiKey": {"apiUser": user, "apiKey": key + "\x00"},
    }


@pytest.mark.parametrize("case", list(_auth_cases({"apiUser": "u", "apiKey": "k", "batchApiUser": "b"})))
def test_bad_credentials_are_40005_in_body_and_query(client, account, case):
    params = _auth_cases(account)[case]
    for r in (client.post("/apiv2/userinfo/get", data=params), client.get("/apiv2/userinfo/get", params=params)):
        assert r.status_code == 200
        assert r.json() == {"result": False, "statusCode": 40005, "message": "认证失败", "info": {}}


def test_credentials_in_query_body_or_split(api, account):
    c = api.client
    creds = api.creds()
    assert c.get("/apiv2/userinfo/get", params=creds).json()["statusCode"] == 200
    assert c.post("/apiv2/userinfo/get", data=creds).json()["statusCode"] == 200
    assert c.post("/apiv2/userinfo/get", params=creds).json()["statusCode"] == 200  # POST, query only
    split = c.post("/apiv2/userinfo/get", params={"apiUser": creds["apiUser"]}, data={"apiKey": creds["apiKey"]})
    assert split.json()["statusCode"] == 200
    batch = c.post("/apiv2/userinfo/get", data=api.creds(batch=True)).json()
    assert batch["statusCode"] == 200 and batch["info"]["userName"] == account["userName"]


def test_body_credentials_win_over_query(api):
    c = api.client
    good, bad = api.creds(), {"apiUser": api.api_user, "apiKey": "wrongwrongwrong1"}
    assert c.post("/apiv2/userinfo/get", params=bad, data=good).json()["statusCode"] == 200
    assert c.post("/apiv2/userinfo/get", params=good, data=bad).json()["statusCode"] == 40005


def test_surrounding_whitespace_of_credentials_is_ignored(api):
    r = api.client.post("/apiv2/userinfo/get", data={"apiUser": f" {api.api_user} ", "apiKey": f"{api.api_key}\t"})
    assert r.json()["statusCode"] == 200


def test_authentication_precedes_parameter_validation(client, account):
    # labelName missing would be 40104, but authentication fails first.
    r = client.post("/apiv2/label/add", data={"apiUser": account["apiUser"], "apiKey": "nope"})
    assert r.json()["statusCode"] == 40005
    r = client.post("/apiv2/label/list", data={"start": "", "limit": "x"})
    assert r.json()["statusCode"] == 40005


def test_api_user_added_through_apiuser_add_authenticates(api):
    added = api.call("apiuser/add", name=f"proto_added_1{S}", emailType="1", domainName=api.account["domain"])
    assert added["statusCode"] == 200
    key = added["info"]["data"]["nameKey"]
    r = api.client.post("/apiv2/userinfo/get", data={"apiUser": f"proto_added_1{S}", "apiKey": key}).json()
    assert r["statusCode"] == 200 and r["info"]["userName"] == api.account["userName"]


# parameter sources (§1.3) -------------------------------------------------------------------------
def test_body_wins_over_query_for_a_parameter(api):
    r = api.client.post("/apiv2/label/add", params={"labelName": "from_query"},
                        data={**api.creds(), "labelName": "from_body"}).json()
    assert r["info"]["data"]["labelName"] == "from_body"


def test_query_parameters_are_used_by_post(api):
    r = api.client.post("/apiv2/label/add", params={**api.creds(), "labelName": "only_query"}).json()
    assert r["statusCode"] == 200 and r["info"]["data"]["labelName"] == "only_query"


def test_repeated_scalar_key_last_occurrence_wins(api):
    r = post_raw(api.client, "/apiv2/label/add", form(api) + b"&labelName=first&labelName=second").json()
    assert r["info"]["data"]["labelName"] == "second"
    r = api.client.get("/apiv2/label/add?labelName=q1&labelName=q2&" + form(api).decode()).json()
    assert r["info"]["data"]["labelName"] == "q2"


def test_repeated_scalar_last_wins_even_when_last_is_blank(api):
    r = post_raw(api.client, "/apiv2/label/add", form(api) + b"&labelName=first&labelName=").json()
    assert r["statusCode"] == 40104


def test_repeated_list_key_joined_with_semicolon(api):
    names = ["rep-a.example.cn", "rep-b.example.cn", "rep-c.example.cn"]
    for n in names:
        assert api.code("domain/add", name=n) == 200
    body = form(api) + f"&name={names[0]}&name={names[2]}".encode()
    r = post_raw(api.client, "/apiv2/domain/list", body).json()
    assert [d["name"] for d in r["info"]["dataList"]] == [names[0], names[2]]
    # within the query too, and `;` inside one occurrence still splits
    r = api.client.get(f"/apiv2/domain/list?name={names[1]};{names[0]}&name={names[2]}&" + form(api).decode()).json()
    assert [d["name"] for d in r["info"]["dataList"]] == names


def test_body_list_replaces_query_list_entirely(api):
    for n in ("src-a.example.cn", "src-b.example.cn"):
        assert api.code("domain/add", name=n) == 200
    r = api.client.post("/apiv2/domain/list?name=src-a.example.cn", data={**api.creds(), "name": "src-b.example.cn"})
    assert [d["name"] for d in r.json()["info"]["dataList"]] == ["src-b.example.cn"]


def test_key_without_equals_is_blank(api):
    assert post_raw(api.client, "/apiv2/label/add", form(api) + b"&labelName").json()["statusCode"] == 40104
    r = api.client.get("/apiv2/label/list?query&" + form(api).decode())
    assert r.json()["statusCode"] == 40111
    r = api.client.get("/apiv2/label/list?start&" + form(api).decode())
    assert r.json()["statusCode"] == 40001


def test_a_key_without_equals_blank_credentials(api):
    body = f"apiUser={api.api_user}&apiKey".encode()
    assert post_raw(api.client, "/apiv2/userinfo/get", body).json()["statusCode"] == 40005


def test_parameter_names_are_case_sensitive(api):
    r = api.call("label/add", labelname="lower")
    assert r["statusCode"] == 40104  # `labelname` is unknown, so labelName is missing


def test_unknown_parameters_are_ignored(api):
    r = api.call("label/add", labelName="ign", foo="bar", labelname="zzz")
    assert r["statusCode"] == 200 and r["info"]["data"]["labelName"] == "ign"


def test_charset_in_content_type_is_honoured(api):
    body = form(api).decode() + "&labelName=中文标签"
    r = post_raw(api.client, "/apiv2/label/add", body.encode("gbk"), f"{FORM}; charset=GBK").json()
    assert r["statusCode"] == 200 and r["info"]["data"]["labelName"] == "中文标签"
    # percent-escapes are decoded in the declared charset too
    pct = "".join(f"%{b:02X}" for b in "编码".encode("gb18030"))
    r = post_raw(api.client, "/apiv2/label/add", form(api) + f"&labelName={pct}".encode(),
                 f'{FORM}; charset="gb18030"').json()
    assert r["info"]["data"]["labelName"] == "编码"
    latin = post_raw(api.client, "/apiv2/label/add", form(api) + "&labelName=caf\xe9".encode("latin-1"),
                     f"{FORM};charset=iso-8859-1").json()
    assert latin["info"]["data"]["labelName"] == "café"


def test_default_charset_is_utf8(api):
    r = post_raw(api.client, "/apiv2/label/add", form(api) + "&labelName=默认".encode()).json()
    assert r["info"]["data"]["labelName"] == "默认"


@pytest.mark.parametrize("charset", ["nonsense-charset", "base64", "rot13"])
def test_unknown_or_non_text_charset_falls_back_to_utf8(api, charset):
    r = post_raw(api.client, "/apiv2/label/add", form(api) + f"&labelName=cs-{charset}-é".encode(),
                 f"{FORM}; charset={charset}").json()
    assert r["statusCode"] == 200 and r["info"]["data"]["labelName"] == f"cs-{charset}-é"


def test_undecodable_bytes_become_replacement_characters(api):
    raw = post_raw(api.client, "/apiv2/label/add", form(api) + b"&labelName=a\xff\xfeb").json()
    assert raw["statusCode"] == 200 and raw["info"]["data"]["labelName"] == "a\ufffd\ufffdb"
    pct = post_raw(api.client, "/apiv2/label/add", form(api) + b"&labelName=c%FFd").json()
    assert pct["info"]["data"]["labelName"] == "c\ufffdd"
    query = api.client.post("/apiv2/label/add?labelName=q%C3%28", data=api.creds()).json()
    assert query["info"]["data"]["labelName"] == "q\ufffd("


def test_multipart_text_parts_are_parameters(api):
    files = {"apiUser": (None, api.api_user), "apiKey": (None, api.api_key), "labelName": (None, "多部分")}
    r = api.client.post("/apiv2/label/add", files=files).json()
    assert r["statusCode"] == 200 and r["info"]["data"]["labelName"] == "多部分"


def test_multipart_body_wins_over_query_and_files_under_other_names_are_ignored(api):
    files = {"labelName": (None, "mp_body"), "other": ("x.txt", b"data", "text/plain")}
    r = api.client.post("/apiv2/label/add", params={**api.creds(), "labelName": "mp_query"}, data={}, files=files)
    assert r.json()["info"]["data"]["labelName"] == "mp_body"
    # a file part named like a parameter is not a parameter
    files = {"labelName": ("name.txt", b"as-file", "text/plain")}
    r = api.client.post("/apiv2/label/add", params=api.creds(), files=files)
    assert r.json()["statusCode"] == 40104


def test_multipart_part_charset_is_honoured(api):
    boundary = "b0undary"
    parts = [("apiUser", api.api_user.encode(), ""), ("apiKey", api.api_key.encode(), ""),
             ("labelName", "国标".encode("gbk"), "Content-Type: text/plain; charset=gbk\r\n")]
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"\r\n{h}\r\n'.encode() + v + b"\r\n"
        for n, v, h in parts
    ) + f"--{boundary}--\r\n".encode()
    r = post_raw(api.client, "/apiv2/label/add", body, f"multipart/form-data; boundary={boundary}").json()
    assert r["statusCode"] == 200 and r["info"]["data"]["labelName"] == "国标"


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain", "application/xml",
                                          "application/x-www-form-urlencoded-not"])
def test_other_content_types_have_their_body_ignored(api, content_type):
    body = form(api, labelName="ignored")
    r = post_raw(api.client, "/apiv2/label/add", body, content_type).json()
    assert r["statusCode"] == 40005
    r = post_raw(api.client, "/apiv2/label/add?" + form(api).decode(), b"labelName=ignored", content_type).json()
    assert r["statusCode"] == 40104
    r = post_raw(api.client, "/apiv2/label/add", json.dumps({**api.creds(), "labelName": "j"}).encode(),
                 content_type).json()
    assert r["statusCode"] == 40005


def test_content_type_media_type_is_case_insensitive(api):
    r = post_raw(api.client, "/apiv2/label/add", form(api, labelName="upper-ct"),
                 "Application/X-WWW-Form-URLEncoded; Charset=UTF-8").json()
    assert r["statusCode"] == 200 and r["info"]["data"]["labelName"] == "upper-ct"


def test_semicolon_is_not_a_pair_separator(api):
    r = post_raw(api.client, "/apiv2/label/add", form(api) + b"&labelName=a;b=c").json()
    assert r["info"]["data"]["labelName"] == "a;b=c"


def test_plus_and_percent_escapes_in_urlencoded(api):
    r = post_raw(api.client, "/apiv2/label/add", form(api) + b"&labelName=a+b%2Bc%26d").json()
    assert r["info"]["data"]["labelName"] == "a b+c&d"


# envelope (§1.5) ----------------------------------------------------------------------------------
def test_success_envelope_and_headers(api):
    r = api.client.post("/apiv2/label/add", data={**api.creds(), "labelName": "标签"})
    assert r.status_code == 200
    assert r.headers["content-type"] == JSON_UTF8
    body = r.json()
    assert list(body) == ["result", "statusCode", "message", "info"]
    assert body["result"] is True and body["statusCode"] == 200 and body["message"] == "请求成功"
    assert "标签".encode() in r.content and b"\\u" not in r.content
    assert "请求成功".encode() in r.content


def test_error_envelope_and_headers(api):
    r = api.client.post("/apiv2/label/add", data=api.creds())
    assert r.status_code == 200 and r.headers["content-type"] == JSON_UTF8
    assert r.json() == {"result": False, "statusCode": 40104, "message": "标签名称不能为空", "info": {}}
    assert "标签名称不能为空".encode() in r.content and b"\\u" not in r.content


def test_english_messages(en_api):
    r = en_api.call("label/add", labelName="en")
    assert r["message"] == "request was successful"
    assert en_api.call("label/add")["message"] == "label name cannot be empty"
    r = en_api.client.post("/apiv2/label/add", data={"apiUser": "x", "apiKey": "y"}).json()
    assert r == {"result": False, "statusCode": 40005, "message": "authentication failed", "info": {}}


def test_messages_copied_with_their_typos(api, en_api):
    assert api.call("label/list", query="x" * 256)["message"] == "query的长度的长度应该为1-255个字符"
    long = "a" * 251 + ".cn"
    assert en_api.call("apiuser/list", domainName=long)["message"] == "dimianName should be 1-250 characters"


def test_every_request_gets_a_fresh_account_view(client):
    # new_account is the helper tests use; its API_USERs authenticate at once
    acc = new_account(client)
    r = client.post("/apiv2/userinfo/get", data={"apiUser": acc["batchApiUser"], "apiKey": acc["batchApiKey"]})
    assert r.json()["statusCode"] == 200


@pytest.mark.parametrize("action", ["send", "sendtemplate", "sendcalendar", "SendTemplate/"])
def test_mail_sends_accept_post_only(api, action):
    r = api.client.get(f"/apiv2/mail/{action}", params=api.creds())
    assert r.status_code == 405 and r.json() == NOT_ALLOWED
    assert api.client.get("/apiv2/mail/taskinfo", params=api.creds()).status_code == 200
