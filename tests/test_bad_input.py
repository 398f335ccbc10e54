"""Bad input never gives 500/501, never loses data, and the server stays healthy (team brief, api.md §1.5)."""

import pytest
from fastapi.testclient import TestClient

from sendcloud_emulator.actions import label as label_actions
from sendcloud_emulator.app import create_app
from sendcloud_emulator.routes import ACTIONS

from .conftest import Api, make_settings, new_account

NASTY = [
    "\x00", "a\x00b", "2147483648", "-1", "-2147483649", "9" * 100, "1e309", "NaN", "0x7fffffff", "１２",
    "名" * 300, "🎉" * 64, "\r\n", "\t", "%", "%00", "'; DROP TABLE label; --", "<script>alert(1)</script>",
    ";;;;", " ; ", "\u202e", "\ufeff",
]
NASTY_FEW = ["a\x00b", "2147483648", "名" * 300]
CORE = [a for a in ACTIONS if a.module in ("label", "domain", "apiuser", "userinfo")]
RAW_BYTES = [b"\xff\xfe\x80", b"\xed\xa0\x80", b"\xc3", b"%ff%fe", b"\x00\x01\x02", b"\x1b[31m"]
RAW_FEW = [b"\xff\xfe\x80", b"%ff%00"]


@pytest.fixture
def baseline(api):
    """An account holding a label and a domain that every bad request must leave intact."""
    label = api.call("label/add", labelName="keep-me")["info"]["data"]
    domain = api.call("domain/add", name="keep.example.cn")["info"]["data"]
    return {"api": api, "label": label, "domain": domain}


def assert_intact(baseline) -> None:
    api = baseline["api"]
    assert api.client.get("/_emulator/health").status_code == 200
    assert api.call("label/get", labelId=str(baseline["label"]["labelId"]))["info"]["data"] == baseline["label"]
    assert api.call("domain/list", type="1")["info"]["dataList"] == [baseline["domain"]]


def assert_not_internal(response) -> None:
    assert response.status_code == 200, response.text[:300]
    assert response.json()["statusCode"] not in (500, 501), response.text[:300]


@pytest.mark.parametrize("entry", ACTIONS, ids=lambda a: f"{a.module}/{a.action}")
def test_nasty_values_in_every_parameter(baseline, entry):
    api = baseline["api"]
    names = getattr(entry.handler, "params", ())
    values = NASTY if entry in CORE else NASTY_FEW  # other areas fuzz their own actions in depth
    for name in names:
        for value in values:
            r = api.client.post(f"/apiv2/{entry.module}/{entry.action}", data={**api.creds(), name: value})
            assert_not_internal(r)
    assert_intact(baseline)


@pytest.mark.parametrize("entry", CORE, ids=lambda a: f"{a.module}/{a.action}")
def test_one_megabyte_values(baseline, entry):
    api = baseline["api"]
    huge = {name: "a" * 1_000_000 for name in getattr(entry.handler, "params", ())}
    for name in huge:
        r = api.client.post(f"/apiv2/{entry.module}/{entry.action}", data={**api.creds(), name: huge[name]})
        assert_not_internal(r)
    r = api.client.post(f"/apiv2/{entry.module}/{entry.action}", data={**api.creds(), **huge})
    assert_not_internal(r)
    r = api.client.post(f"/apiv2/{entry.module}/{entry.action}", data={"apiUser": "u" * 1_000_000, "apiKey": "k"})
    assert r.json()["statusCode"] == 40005
    assert_intact(baseline)


@pytest.mark.parametrize("entry", ACTIONS, ids=lambda a: f"{a.module}/{a.action}")
def test_non_utf8_bytes_in_every_parameter(baseline, entry):
    api = baseline["api"]
    creds = f"apiUser={api.api_user}&apiKey={api.api_key}".encode()
    for name in getattr(entry.handler, "params", ()):
        for raw in RAW_BYTES if entry in CORE else RAW_FEW:
            body = creds + b"&" + name.encode() + b"=" + raw
            r = api.client.post(f"/apiv2/{entry.module}/{entry.action}", content=body,
                                headers={"content-type": "application/x-www-form-urlencoded"})
            assert_not_internal(r)
    assert_intact(baseline)


def test_non_utf8_bytes_in_credentials_and_names(baseline):
    api = baseline["api"]
    for body in (b"apiUser=\xff&apiKey=\xfe", b"\xff=\xfe", b"\xff\xfe\xfd", b"&&&==&=", b"=", b"&", b"%",
                 b"apiUser=" + api.api_user.encode() + b"\xff&apiKey=" + api.api_key.encode()):
        r = api.client.post("/apiv2/label/add", content=body,
                            headers={"content-type": "application/x-www-form-urlencoded"})
        assert_not_internal(r)
        assert r.json()["statusCode"] == 40005
    assert_intact(baseline)


def test_non_utf8_query_string(baseline):
    api = baseline["api"]
    r = api.client.get(f"/apiv2/label/list?apiUser={api.api_user}&apiKey={api.api_key}&query=%ff%fe")
    assert_not_internal(r)
    assert r.json()["statusCode"] == 200 and r.json()["info"]["total"] == 0
    assert_intact(baseline)


def _multipart_cases(api):
    creds = (f'--B\r\nContent-Disposition: form-data; name="apiUser"\r\n\r\n{api.api_user}\r\n'
             f'--B\r\nContent-Disposition: form-data; name="apiKey"\r\n\r\n{api.api_key}\r\n').encode()
    return [
        ("multipart/form-data", creds + b"--B--\r\n"),  # no boundary parameter
        ("multipart/form-data; boundary=", creds),
        ('multipart/form-data; boundary="', creds),
        ("multipart/form-data; boundary=B", b""),
        ("multipart/form-data; boundary=B", b"garbage without any boundary"),
        ("multipart/form-data; boundary=B", creds),  # no closing boundary
        ("multipart/form-data; boundary=B", creds[:-7]),  # truncated inside a part
        ("multipart/form-data; boundary=B", creds + b'--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--\r\n'),
        ("multipart/form-data; boundary=B", creds + b"--B\r\n\r\n\r\n--B--\r\n"),
        ("multipart/form-data; boundary=B", creds + b'--B\r\nContent-Disposition: form-data; name="labelName"\r\n'
                                                   b"Content-Transfer-Encoding: base64\r\n\r\n!!!notbase64\r\n--B--\r\n"),
        ("multipart/form-data; boundary=B", creds + b'--B\r\nContent-Disposition: form-data; name="labelName"\r\n'
                                                   b"Content-Type: text/plain; charset=no-such-charset\r\n\r\nx\r\n--B--\r\n"),
        ("multipart/form-data; boundary=B", creds + b'--B\r\nContent-Disposition: form-data; name="labelName"\r\n'
                                                   b"Content-Type: text/plain; charset=base64\r\n\r\nx\r\n--B--\r\n"),
        ("multipart/form-data; boundary=B", creds + b'--B\r\nContent-Disposition: form-data; name="labelName"\r\n'
                                                   b"Content-Type: multipart/mixed; boundary=C\r\n\r\n--C\r\nx\r\n"
                                                   b"--C--\r\n--B--\r\n"),
        ("multipart/form-data; boundary=B", creds + b'--B\r\nContent-Disposition: form-data; name="labelName"; '
                                                   b"name*=utf-8''%FF%FE\r\n\r\nx\r\n--B--\r\n"),
        ("multipart/form-data; boundary=B", creds + b'--B\r\nContent-Disposition: form-data; name="\xff\xfe"\r\n\r\n'
                                                   b"\xff\r\n--B--\r\n"),
        ("multipart/form-data; boundary=B", b"--B\r\n" * 10_000),
    ]


def test_broken_multipart(baseline):
    api = baseline["api"]
    for content_type, body in _multipart_cases(api):
        for path in ("/apiv2/label/add", "/apiv2/label/list", "/apiv2/userinfo/get"):
            r = api.client.post(path, content=body, headers={"content-type": content_type})
            assert_not_internal(r)
    assert_intact(baseline)


def test_broken_multipart_with_credentials_in_the_query(baseline):
    api = baseline["api"]
    r = api.client.post(f"/apiv2/label/list?apiUser={api.api_user}&apiKey={api.api_key}",
                        content=b"--B\r\nbroken", headers={"content-type": "multipart/form-data; boundary=B"})
    assert r.json()["statusCode"] == 200 and r.json()["info"]["total"] == 1
    assert_intact(baseline)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded; charset=", "application/x-www-form-urlencoded;;;",
                                          "; charset=utf-8", "multipart/form-data; charset=gbk", "\x7f", "*/*"])
def test_odd_content_type_headers(baseline, content_type):
    api = baseline["api"]
    body = f"apiUser={api.api_user}&apiKey={api.api_key}&labelName=odd".encode()
    r = api.client.post("/apiv2/label/list", content=body, headers={"content-type": content_type})
    assert_not_internal(r)
    assert_intact(baseline)


def test_many_parameters_and_repeated_keys(baseline):
    api = baseline["api"]
    body = "&".join([f"apiUser={api.api_user}", f"apiKey={api.api_key}"] + [f"k{i}=v" for i in range(20_000)]
                    + ["name=x.example.cn"] * 5_000).encode()
    r = api.client.post("/apiv2/domain/list", content=body,
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert_not_internal(r)
    assert r.json()["statusCode"] == 200 and r.json()["info"]["total"] == 0
    assert_intact(baseline)


def test_chinese_and_emoji_values(baseline):
    api = baseline["api"]
    data = api.call("label/add", labelName="中文标签🎉" * 30)["info"]["data"]
    assert data["labelName"] == "中文标签🎉" * 30
    assert api.call("label/list", query="标签🎉中")["info"]["total"] == 1
    assert api.code("domain/add", name="例子.中国") == 200
    assert_intact_extra = api.call("domain/list", name="例子.中国")["info"]["dataList"]
    assert [d["name"] for d in assert_intact_extra] == ["例子.中国"]


def test_an_internal_error_is_501_and_stores_nothing(baseline, monkeypatch):
    api = baseline["api"]

    def broken_view(ctx, label):
        raise RuntimeError("boom after the insert")

    monkeypatch.setattr(label_actions, "view", broken_view)
    r = api.client.post("/apiv2/label/add", data={**api.creds(), "labelName": "half-done"})
    assert r.status_code == 200
    assert r.json() == {"result": False, "statusCode": 501, "message": "服务器异常", "info": {}}  # return-codes.tsv
    monkeypatch.undo()
    assert [x["labelName"] for x in api.call("label/list")["info"]["dataList"]] == ["keep-me"]
    assert api.code("label/add", labelName="half-done") == 200
    assert_intact(baseline)


# the body cap (§1.1) ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_client(tmp_path_factory):
    with TestClient(create_app(make_settings(tmp_path_factory, max_body_bytes=2048))) as test_client:
        yield test_client


TOO_LARGE = {"result": False, "statusCode": 413, "message": "Payload Too Large", "info": {}}


def test_body_over_the_cap_is_413(small_client):
    api = Api(small_client, new_account(small_client))
    kept = api.call("label/add", labelName="small")["info"]["data"]
    big = {**api.creds(), "labelName": "x" * 3000}
    for path in ("/apiv2/label/add", "/apiv2/domain/add", "/apiv2/userinfo/get", "/apiv2/apiuser/list"):
        r = small_client.post(path, data=big)
        assert r.status_code == 413 and r.json() == TOO_LARGE
        assert r.headers["content-type"] == "application/json; charset=utf-8"
    # multipart to a non-mail action, and a chunked body without Content-Length
    r = small_client.post("/apiv2/label/add", data=api.creds(), files={"labelName": (None, "y" * 3000)})
    assert r.status_code == 413 and r.json() == TOO_LARGE

    def chunks():
        yield b"apiUser=x&"
        for _ in range(10):
            yield b"a" * 500

    r = small_client.post("/apiv2/label/add", content=chunks(),
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and r.json() == TOO_LARGE
    # decided before authentication
    assert small_client.post("/apiv2/label/add", content=b"x" * 5000).status_code == 413
    # the routing answers come first
    assert small_client.post("/apiv2/label/nosuch", content=b"x" * 5000).status_code == 404
    assert small_client.put("/apiv2/label/add", content=b"x" * 5000).status_code == 405
    # nothing was stored, and the server is fine
    assert small_client.get("/_emulator/health").status_code == 200
    assert api.call("label/list")["info"]["dataList"] == [kept]


def test_body_at_the_cap_is_accepted(small_client):
    api = Api(small_client, new_account(small_client))
    prefix = f"apiUser={api.api_user}&apiKey={api.api_key}&labelName=".encode()
    body = prefix + b"z" * (2048 - len(prefix))
    assert len(body) == 2048
    r = small_client.post("/apiv2/label/add", content=body,
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and r.json()["statusCode"] == 40105  # read and validated: 2000+ chars
    body = prefix + b"z" * 255
    r = small_client.post("/apiv2/label/add", content=body,
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.json()["statusCode"] == 200


def test_big_query_string_is_not_the_body(small_client):
    api = Api(small_client, new_account(small_client))
    r = small_client.get("/apiv2/label/list", params={**api.creds(), "query": "q" * 3000})
    assert r.status_code == 200 and r.json()["statusCode"] == 40112


def test_oversized_multipart_to_a_mail_send_is_40819_before_authentication(small_client):
    for action in ("send", "sendtemplate", "sendcalendar", "SEND/"):
        r = small_client.post(f"/apiv2/mail/{action}", files={"plain": (None, "p" * 3000)})
        assert r.status_code == 200
        assert r.json() == {"result": False, "statusCode": 40819, "message": "附件大小不能超过10485760字节",
                            "info": {}}
        # any other oversized body to a mail send is HTTP 413
        r = small_client.post(f"/apiv2/mail/{action}", data={"plain": "p" * 3000})
        assert r.status_code == 413 and r.json() == TOO_LARGE
    r = small_client.post("/apiv2/mail/taskinfo", files={"plain": (None, "p" * 3000)})
    assert r.status_code == 413 and r.json() == TOO_LARGE
