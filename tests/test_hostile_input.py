"""Hostile input (issue 13 items 1–2): never a 500 or 501, and every accepted mail reads back.

Each test is a reproduction that once answered HTTP 500, statusCode 501, or stored a mail whose
`/raw` failed.
"""

import json

import pytest

from .conftest import Api

BASE = {"from": "shop@example.com", "to": "ben@example.com", "subject": "Hello", "html": "<p>hi</p>"}
# Every character str.splitlines() breaks on besides CR and LF.
OTHER_LINE_BREAKS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def send(api: Api, files=None, **params) -> dict:
    return api.call("mail/send", files=files, **{**BASE, **params})


def form(api: Api, path: str, body: bytes, charset: str):
    creds = f"apiUser={api.api_user}&apiKey={api.api_key}&".encode()
    return api.client.post(f"/apiv2/{path}", content=creds + body,
                           headers={"content-type": f"application/x-www-form-urlencoded; charset={charset}"})


def read_back(client, email_id: str) -> bytes:
    """The stored mail, its .eml and every attachment answer 200."""
    assert client.get(f"/_emulator/mails/{email_id}").status_code == 200
    raw = client.get(f"/_emulator/mails/{email_id}/raw")
    assert raw.status_code == 200, raw.text[:300]
    for index, _ in enumerate(client.get(f"/_emulator/mails/{email_id}").json()["attachments"]):
        assert client.get(f"/_emulator/mails/{email_id}/attachments/{index}").status_code == 200
    return raw.content


# 1. lone surrogates -------------------------------------------------------------------------------
@pytest.mark.parametrize(("params", "expected"), [
    ({"xsmtpapi": '{"to": ["\\ud800"]}'}, 40813),
    ({"xsmtpapi": '{"to": ["\\ud800@example.com"]}'}, 40813),
    ({"xsmtpapi": '{"to": ["ben@example.com"], "sub": {"%a%": ["\\udfff"]}}'}, 40813),
    ({"xsmtpapi": '{"to": ["ben@example.com"], "pubsub": {"%a%": "x\\ud800"}}'}, 40813),
    ({"xsmtpapi": '{"to": ["ben@example.com"], "section": {"\\ud800": "x"}}'}, 40813),
    ({"headers": '{"X-A": "\\ud800"}'}, 40869),
    ({"headers": '{"X-A": "ok", "X-B": "a\\udc00b"}'}, 40869),
])
def test_a_json_escaped_lone_surrogate_is_the_parameters_invalid_code(api, params, expected):
    answer = send(api, **params)
    assert answer["statusCode"] == expected, answer
    assert answer["result"] is False and answer["info"] == {}


def test_a_lone_surrogate_in_member_vars_is_40522(api):
    alias = f"news@{api.account['domain']}"
    assert api.code("addresslist/add", address=alias, name="News") == 200
    assert api.code("addressmember/add", address=alias, members="ann@example.com",
                    vars='{"a": "\\ud800"}') == 40522
    assert api.code("addressmember/add", address=alias, members="ann@example.com;bob@example.com",
                    vars='{"a": "1"};{"\\udbff": "2"}') == 40522
    assert api.call("addressmember/list", address=alias)["info"]["dataList"] == []


@pytest.mark.parametrize(("name", "expected"), [
    ("subject", 40809), ("fromName", 40804), ("to", 40806), ("from", 40802), ("headers", 40869),
    ("xsmtpapi", 40813),
])
def test_a_utf7_body_holding_a_lone_surrogate_is_the_parameters_invalid_code(api, name, expected):
    # `+2AA-` is U+D800 in UTF-7: a lone surrogate after decoding
    fields = {**BASE, name: "+2AA-"}
    body = "&".join(f"{k}={v}" for k, v in fields.items()).replace("+2AA-", "%2B2AA-")
    response = form(api, "mail/send", body.encode(), "utf-7")
    assert response.status_code == 200, response.text[:300]
    assert response.json()["statusCode"] == expected, response.json()


def test_a_utf7_surrogate_in_a_parameter_without_an_invalid_code_reads_as_a_replacement(api, client):
    body = "&".join(f"{k}={v}" for k, v in BASE.items())
    answer = form(api, "mail/send", (body + "&html=%2B2AA-x").encode(), "utf-7").json()
    assert answer["statusCode"] == 40871, answer  # html's own text rule
    alias = f"news@{api.account['domain']}"
    assert api.code("addresslist/add", address=alias, name="News") == 200
    names = f"address={alias}&members=ann@example.com&names=%2B2AA-Ann".encode()
    assert form(api, "addressmember/add", names, "utf-7").json()["statusCode"] == 200
    assert api.call("addressmember/list", address=alias)["info"]["dataList"][0]["name"] == "\ufffdAnn"
    answer = form(api, "mail/send", (body + "&sendRequestId=%2B2AA-").encode(), "utf-7").json()
    assert answer["statusCode"] == 200, answer
    assert form(api, "mail/send", (body + "&sendRequestId=%2B2AA-").encode(), "utf-7").json()["statusCode"] == 40000
    assert form(api, "label/add", b"labelName=%2B2AA-", "utf-7").json()["statusCode"] == 40105
    assert form(api, "label/get", b"labelId=%2B2AA-", "utf-7").json()["statusCode"] == 40103


@pytest.mark.parametrize("charset", ["idna", "undefined", "punycode", "utf-8\x00", "base64"])
def test_a_charset_that_cannot_replace_reads_the_form_as_utf8(api, charset):
    response = form(api, "label/add", "labelName=名字".encode(), charset)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["statusCode"] == 200
    assert response.json()["info"]["data"]["labelName"] == "名字"
    assert api.code("label/list") == 200


def test_a_charset_that_cannot_replace_keeps_the_connection(live_server):
    """Over a real server: the next request on the same keep-alive connection is answered."""
    import httpx

    with httpx.Client(base_url=live_server, timeout=10) as http:
        account = http.post("/_emulator/accounts", json={}).json()
        creds = f"apiUser={account['apiUser']}&apiKey={account['apiKey']}".encode()
        for charset in ("idna", "undefined"):
            first = http.post("/apiv2/userinfo/get", content=creds,
                              headers={"content-type": f"application/x-www-form-urlencoded; charset={charset}"})
            assert first.status_code == 200 and first.json()["statusCode"] == 200, first.text[:300]
            second = http.post("/apiv2/userinfo/get", content=creds,
                               headers={"content-type": "application/x-www-form-urlencoded"})
            assert second.status_code == 200 and second.json()["statusCode"] == 200


# 1. integers past Python's 4,300-digit limit ------------------------------------------------------
def test_integers_of_any_length(api):
    label = api.call("label/add", labelName="only")["info"]["data"]
    huge = "9" * 5000
    assert api.code("label/list", start=huge) == 40002
    assert api.code("label/list", limit=huge) == 40004
    assert api.code("label/get", labelId=huge) == 40103
    assert api.code("label/get", labelId="0" * 4301) == 40103
    padded = "0" * 5000 + str(label["labelId"])
    assert api.call("label/get", labelId=padded)["info"]["data"] == label
    assert api.code("mail/taskinfo", maillistTaskId=huge) == 6001
    assert send(api, labelId=padded)["statusCode"] == 200
    assert api.code("label/list", start="0" * 5000 + "1", limit="0" * 5000 + "100") == 200


# 2. every accepted mail can be read back ----------------------------------------------------------
@pytest.mark.parametrize("brk", OTHER_LINE_BREAKS, ids=lambda c: f"U+{ord(c):04X}")
def test_other_line_breaks_in_header_bound_parameters_are_refused(api, brk):
    assert send(api, subject=f"a{brk}b")["statusCode"] == 40809
    assert send(api, fromName=f"a{brk}Bcc: x@example.com")["statusCode"] == 40804
    assert send(api, to=f'"a{brk}b" <ben@example.com>')["statusCode"] == 40806
    assert send(api, **{"from": f"a{brk}b <shop@example.com>"})["statusCode"] == 40802
    assert send(api, replyTo=f"a{brk}b <r@example.com>")["statusCode"] == 40811
    assert send(api, headers=json.dumps({"X-A": f"a{brk}b"}))["statusCode"] == 40869
    assert send(api, xsmtpapi=json.dumps({"to": [f"a{brk}b <ben@example.com>"]}))["statusCode"] == 40880


@pytest.mark.parametrize("brk", OTHER_LINE_BREAKS + ["\r\n"], ids=lambda c: f"U+{ord(c[-1]):04X}")
def test_line_breaks_in_file_names_and_cids_are_written_safely(api, client, brk):
    files = [("attachments", (f"a{brk}Bcc: evil@example.com.txt", b"data", "text/plain")),
             ("embeddedImage", (f"i{brk}x.png", b"\x89PNG", "image/png"))]
    answer = send(api, files=files, embeddedCid=f"c{brk}Bcc: evil@example.com",
                  html="<img src='cid:c'>")
    assert answer["statusCode"] == 200, answer
    raw = read_back(client, answer["info"]["emailIdList"][0])
    assert b"\nBcc:" not in raw and b"\rBcc:" not in raw


def test_crlf_substituted_into_the_subject_never_becomes_a_header(api, client):
    xsmtpapi = {"to": ["ben@example.com"], "sub": {"%s%": ["x\r\nBcc: evil@example.com"]}}
    answer = send(api, subject="Hi %s%", xsmtpapi=json.dumps(xsmtpapi))
    assert answer["statusCode"] == 200, answer
    email_id = answer["info"]["emailIdList"][0]
    mail = client.get(f"/_emulator/mails/{email_id}").json()
    assert "\r" not in mail["subject"] and "\n" not in mail["subject"]
    assert mail["subject"] == "Hi x  Bcc: evil@example.com"
    raw = read_back(client, email_id)
    assert b"\nBcc:" not in raw
    assert mail["variables"]["%s%"] == "x\r\nBcc: evil@example.com"  # the value itself is kept


@pytest.mark.parametrize("brk", ["\u2028", "\x85", "\x0b"], ids=lambda c: f"U+{ord(c):04X}")
def test_other_line_breaks_substituted_into_the_subject_become_spaces(api, client, brk):
    xsmtpapi = {"to": ["ben@example.com"], "sub": {"%s%": [f"x{brk}y"]}}
    answer = send(api, subject="%s%", xsmtpapi=json.dumps(xsmtpapi))
    email_id = answer["info"]["emailIdList"][0]
    assert client.get(f"/_emulator/mails/{email_id}").json()["subject"] == "x y"
    read_back(client, email_id)


def test_an_attachment_with_a_non_latin1_content_type_downloads_as_octet_stream(api, client):
    files = [("attachments", ("a.bin", b"payload", "image/пнг")),
             ("attachments", ("b.txt", b"text", "text/plain"))]
    answer = send(api, files=files)
    assert answer["statusCode"] == 200, answer
    email_id = answer["info"]["emailIdList"][0]
    first = client.get(f"/_emulator/mails/{email_id}/attachments/0")
    assert first.status_code == 200 and first.content == b"payload"
    assert first.headers["content-type"] == "application/octet-stream"
    assert client.get(f"/_emulator/mails/{email_id}/attachments/1").headers["content-type"].startswith("text/plain")
    read_back(client, email_id)
