"""mail/send (api.md §2.1, §3, §1.11): every code of its table, modes, rendering and the outbox."""

import base64
import gzip
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import Api, fault_rules, new_account

BASE = {"from": "shop@example.com", "to": "ben@example.com", "subject": "Hello", "html": "<p>hi</p>"}


def send(api: Api, files=None, **params) -> dict:
    data = {**BASE, **params}
    return api.call("mail/send", files=files, **data)


def code(api: Api, files=None, **params) -> int:
    return send(api, files=files, **params)["statusCode"]


def mails(client, **filters) -> list[dict]:
    response = client.get("/_emulator/mails", params=filters)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def full(client, email_id: str) -> dict:
    response = client.get(f"/_emulator/mails/{email_id}")
    assert response.status_code == 200, response.text
    return response.json()


def gz(text: str) -> str:
    return base64.b64encode(gzip.compress(text.encode())).decode()


def addresses(n: int, domain: str = "example.com") -> str:
    return ";".join(f"user{i}@{domain}" for i in range(n))


# success ----------------------------------------------------------------------------------------
def test_send_success_ids_and_outbox(api, client, account):
    answer = send(api, to="ben@example.com;Joe <joe@example.com>", cc="cc@example.com", bcc="bcc@example.com")
    assert answer["result"] is True and answer["statusCode"] == 200
    ids = answer["info"]["emailIdList"]
    assert len(ids) == 4
    message_id = ids[0].split("0$ben@example.com")[0]
    assert message_id.endswith(".sc-10_0_0_1-inbound")
    epoch, account_no, seq, rand = message_id.split(".sc-")[0].split("_")
    assert epoch.isdigit() and account_no.isdigit() and seq.isdigit() and 0 <= int(rand) <= 9999
    assert ids == [f"{message_id}0$ben@example.com", f"{message_id}1$joe@example.com",
                   f"{message_id}2$cc@example.com", f"{message_id}3$bcc@example.com"]
    stored = mails(client, account=account["userName"], order="asc")
    assert [m["emailId"] for m in stored] == ids
    assert stored[0]["to"] == "ben@example.com" and stored[0]["messageId"] == message_id
    assert stored[0]["apiUser"] == account["apiUser"] and stored[0]["account"] == account["userName"]
    bcc_mail = full(client, ids[3])
    assert bcc_mail["toList"] == ["ben@example.com", "Joe <joe@example.com>"]
    assert bcc_mail["cc"] == ["cc@example.com"] and bcc_mail["bcc"] == ["bcc@example.com"]
    assert full(client, ids[0])["bcc"] == []


def test_resp_email_id_false_gives_empty_info(api):
    answer = send(api, respEmailId="false")
    assert answer["statusCode"] == 200 and answer["info"] == {}


def test_from_with_name_gives_from_name(api, client):
    email_id = send(api, **{"from": "Shop Team <shop@example.com>"})["info"]["emailIdList"][0]
    mail = full(client, email_id)
    assert mail["from"] == "shop@example.com" and mail["fromName"] == "Shop Team"
    email_id = send(api, **{"from": '"Quoted" <shop@example.com>', "fromName": "Given"})["info"]["emailIdList"][0]
    assert full(client, email_id)["fromName"] == "Given"


def test_html_wins_over_plain_and_plain_alone(api, client):
    email_id = send(api, html="<b>h</b>", plain="p")["info"]["emailIdList"][0]
    mail = full(client, email_id)
    assert mail["html"] == "<b>h</b>" and mail["plain"] is None
    email_id = send(api, html="", plain="only plain")["info"]["emailIdList"][0]
    mail = full(client, email_id)
    assert mail["html"] is None and mail["plain"] == "only plain"


def test_blank_optional_params_count_as_absent(api):
    assert code(api, fromName="", replyTo="", contentSummary="", headers="", cc="", bcc="", labelId="",
                labelName="", embeddedCid="", dispositionNotificationTo="", sendRequestId="", xsmtpapi="") == 200


def test_reply_to_default_and_repeated_keys(api, client):
    email_id = send(api)["info"]["emailIdList"][0]
    assert full(client, email_id)["replyTo"] == ["shop@example.com"]
    email_id = send(api, replyTo=["a@example.com", "b@example.com"])["info"]["emailIdList"][0]
    assert full(client, email_id)["replyTo"] == ["a@example.com", "b@example.com"]


def test_label_id_and_label_name(api, client):
    label_id = api.call("label/add", labelName="promo")["info"]["data"]["labelId"]
    email_id = send(api, labelId=str(label_id), labelName="ignored")["info"]["emailIdList"][0]
    assert full(client, email_id)["labelId"] == label_id
    email_id = send(api, labelName="fresh-label")["info"]["emailIdList"][0]
    created = full(client, email_id)["labelId"]
    listed = api.call("label/list", query="fresh-label")["info"]["dataList"]
    assert [x["labelId"] for x in listed] == [created]
    assert mails(client, labelId=created)[0]["emailId"] == email_id


def test_label_errors(api, other_api):
    assert code(api, labelId="abc") == 40103
    assert code(api, labelId="0") == 40103
    assert code(api, labelId="99999999") == 40106
    foreign = other_api.call("label/add", labelName="theirs")["info"]["data"]["labelId"]
    assert code(api, labelId=str(foreign)) == 40106
    assert code(api, labelName="x" * 256) == 40105
    assert code(api, labelName="a\nb") == 40105


def test_gzip_compress(api, client):
    email_id = send(api, gzipCompress="true", html=gz("<p>zipped</p>"), plain=gz("p"))["info"]["emailIdList"][0]
    assert full(client, email_id)["html"] == "<p>zipped</p>"
    assert code(api, gzipCompress="") == 40860
    assert code(api, gzipCompress="yes") == 40861
    assert code(api, gzipCompress="true", html="not gzip") == 40865
    assert code(api, gzipCompress="true", html=gz("<p>x</p>"), plain="not gzip") == 40866


def test_headers_kept_reserved_dropped(api, client):
    headers = {"X-Order": "42", "SC-Custom-Tag": "abc", "Subject": "nope", "From": "evil@example.com"}
    email_id = send(api, headers=json.dumps(headers))["info"]["emailIdList"][0]
    mail = full(client, email_id)
    assert mail["headers"] == {"X-Order": "42", "SC-Custom-Tag": "abc"}
    raw = client.get(f"/_emulator/mails/{email_id}/raw").text
    assert "X-Order: 42" in raw and "SC-Custom-Tag: abc" in raw and "evil@example.com" not in raw


@pytest.mark.parametrize("value, expected", [
    ("{}", 40868), ("null", 40868), ("[1]", 40869), ("not json", 40869), ('{"X-A": 1}', 40869),
    ('{"Bad Name": "v"}', 40869), ('{"X:A": "v"}', 40869), ('{"SC-Custom-a": ""}', 40902),
    ('{"SC-Custom-a": "a.b"}', 40902),
])
def test_header_errors(api, value, expected):
    assert code(api, headers=value) == expected


def test_content_summary(api, client):
    email_id = send(api, contentSummary="摘要" * 33)["info"]["emailIdList"][0]  # 198 bytes
    assert full(client, email_id)["contentSummary"] == "摘要" * 33
    assert code(api, contentSummary="x" * 201) == 40878
    assert code(api, contentSummary="摘" * 67) == 40878  # 201 bytes


def test_notification(api, client):
    email_id = send(api, useNotification="True")["info"]["emailIdList"][0]
    raw = client.get(f"/_emulator/mails/{email_id}/raw").text
    assert "Disposition-Notification-To: shop@example.com" in raw
    email_id = send(api, useNotification="false", dispositionNotificationTo="rr@example.com")["info"]["emailIdList"][0]
    assert full(client, email_id)["dispositionNotificationTo"] == "rr@example.com"
    email_id = send(api)["info"]["emailIdList"][0]
    assert "Disposition-Notification-To" not in client.get(f"/_emulator/mails/{email_id}/raw").text
    assert code(api, useNotification="") == 40828
    assert code(api, useNotification="maybe") == 40829
    assert code(api, dispositionNotificationTo="not-an-address") == 40829


def test_resp_email_id_errors(api):
    assert code(api, respEmailId="") == 40858
    assert code(api, respEmailId="nah") == 40859


# the parameter table, one fault at a time --------------------------------------------------------
@pytest.mark.parametrize("params, expected", [
    ({"from": None}, 40801), ({"from": " "}, 40801), ({"from": "nope"}, 40802), ({"from": "A <nope>"}, 40802),
    ({"fromName": "x" * 256}, 40804), ({"fromName": "a\rb"}, 40804),
    ({"to": None}, 40805), ({"to": ""}, 40805), ({"to": " ; ;"}, 40805),
    ({"to": "ok@example.com;bad@"}, 40806),
    ({"cc": ";"}, 40852), ({"cc": "bad"}, 40853),
    ({"bcc": ";"}, 40855), ({"bcc": "bad"}, 40856),
    ({"replyTo": ";"}, 40810), ({"replyTo": "a@example.com;b@example.com;c@example.com;d@example.com"}, 40879),
    ({"replyTo": "bad"}, 40811),
    ({"subject": None}, 40808), ({"subject": "  "}, 40808), ({"subject": "x" * 256}, 40809),
    ({"subject": "a\nb"}, 40809),
    ({"html": "a\x00b"}, 40871), ({"html": "", "plain": "a\x00b"}, 40831),
    ({"html": None, "plain": None}, 40870), ({"html": " ", "plain": ""}, 40870),
    ({"useAddressList": ""}, 40873), ({"useAddressList": "perhaps"}, 40874),
])
def test_parameter_faults(api, params, expected):
    data = {**BASE, **params}
    data = {k: v for k, v in data.items() if v is not None}
    answer = api.client.post("/apiv2/mail/send", data={**api.creds(), **data}).json()
    assert answer["statusCode"] == expected
    assert answer["result"] is False and answer["info"] == {}


def test_detail_suffix_names_the_first_bad_address(api):
    # The text of return-codes.tsv, then the detail of api.md §1.5.
    answer = send(api, to="ok@example.com;bad@;worse@")
    assert answer["statusCode"] == 40806 and answer["message"] == "收件人地址数组中, 存在非法地址. 参数to: bad@"
    assert send(api, cc="x@")["message"] == "cc地址格式错误. 参数cc: x@"  # 40853
    assert send(api, bcc="y@")["message"] == "bcc地址格式错误. 参数bcc: y@"  # 40856
    answer = send(api, xsmtpapi=json.dumps({"to": ["a@example.com", "zz"]}))
    assert answer["statusCode"] == 40880 and answer["message"] == "xsmtpapi中to字段含有非法邮箱格式. 参数to: zz"


def test_validation_order_first_fault_wins(api):
    assert code(api, **{"from": "bad"}, to="bad", subject="") == 40802
    assert code(api, to="bad", subject="") == 40806
    assert code(api, subject="", html="", plain="") == 40808


def test_plain_validated_even_when_html_given(api):
    assert code(api, html="<p>x</p>", plain="a\x00b") == 40831


@pytest.mark.parametrize("name, empty_code, many_code", [
    ("to", None, 40807), ("cc", None, 40854), ("bcc", None, 40857)])
def test_hundred_recipients_pass_and_101_fail(api, name, empty_code, many_code):
    assert code(api, **{name: addresses(100)}) == 200
    assert code(api, **{name: addresses(101)}) == many_code


def test_cc_bcc_ignored_with_xsmtpapi_to(api, client):
    answer = send(api, to="bad", cc="bad", bcc="bad", xsmtpapi=json.dumps({"to": ["x@example.com"]}))
    assert answer["statusCode"] == 200
    assert answer["info"]["emailIdList"][0].endswith("0$x@example.com")


# xsmtpapi -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [
    ("not json", 40813), ("[1,2]", 40813), ('"text"', 40813), ("{}", 40814), ("null", 40814),
    ('{"to": "a@example.com"}', 40817), ('{"sub": {"name": ["x"]}}', 40817), ('{"sub": {"%n%": "x"}}', 40817),
    ('{"sub": {"%n%": [{"a": 1}]}}', 40817), ('{"sub": {"%n%": [[1]]}}', 40817), ('{"sub": {"%n%": []}}', 40817),
    ('{"to": ["a@example.com"], "sub": {"%n%": ["x", "y"]}}', 40817), ('{"pubsub": {"n": "x"}}', 40817),
    ('{"pubsub": {"%n%": {"a": 1}}}', 40817), ('{"pubsub": []}', 40817), ('{"section": {"a": 1}}', 40817),
    ('{"filters": []}', 40817), ('{"settings": "x"}', 40817), ('{"sub": []}', 40817),
    ('{"to": []}', 40816), ('{"to": ["a@example.com", 5]}', 40880), ('{"to": ["nope"]}', 40880),
])
def test_xsmtpapi_errors(api, value, expected):
    assert code(api, xsmtpapi=value) == expected


def test_xsmtpapi_to_hundred_pass_101_fail(api):
    hundred = [f"u{i}@example.com" for i in range(100)]
    assert code(api, xsmtpapi=json.dumps({"to": hundred})) == 200
    assert code(api, xsmtpapi=json.dumps({"to": hundred + ["extra@example.com"]})) == 40827


def test_xsmtpapi_nulls_count_as_absent(api):
    value = {"to": ["a@example.com"], "sub": None, "pubsub": None, "filters": None, "settings": None, "section": None}
    assert code(api, xsmtpapi=json.dumps(value)) == 200
    assert code(api, xsmtpapi=json.dumps({"to": None, "pubsub": {"%a%": "1"}})) == 200


def test_substitution_per_recipient(api, client):
    xsmtpapi = {
        "to": ["Ben <ben@example.com>", "joe@example.com"],
        "sub": {"%name%": ["Ben", "Joe"], "%tier%": ["%gold%", "%silver%"], "%amount%": [288, 1.5],
                "%none%": [None, "n"]},
        "pubsub": {"%shop%": "Acme", "%name%": "ignored"},
        "section": {"gold": "VIP offer", "%silver%": "Member offer"},
        "filters": {"open_tracking": {"settings": {"enable": "0"}}},
    }
    answer = send(api, subject="%name% @ %shop%", html="<p>%name%: %tier% %amount% [%none%] %unknown%</p>",
                  xsmtpapi=json.dumps(xsmtpapi))
    ids = answer["info"]["emailIdList"]
    assert ids[0].endswith("0$ben@example.com") and ids[1].endswith("1$joe@example.com")
    ben, joe = full(client, ids[0]), full(client, ids[1])
    assert ben["subject"] == "Ben @ Acme" and joe["subject"] == "Joe @ Acme"
    assert ben["html"] == "<p>Ben: VIP offer 288 [] %unknown%</p>"
    assert joe["html"] == "<p>Joe: Member offer 1.5 [n] %unknown%</p>"
    assert ben["toList"] == ["Ben <ben@example.com>"]
    assert ben["xsmtpapi"] == {"filters": {"open_tracking": {"settings": {"enable": "0"}}}}


def test_substitution_single_pass_longer_keys_first(api, client):
    xsmtpapi = {"to": ["a@example.com"], "sub": {"%a%": ["%ab%"], "%ab%": ["X"], "%b%": ["%a%"]}}
    email_id = send(api, html="%ab%|%a%|%b%", plain="", xsmtpapi=json.dumps(xsmtpapi))["info"]["emailIdList"][0]
    assert full(client, email_id)["html"] == "X|%ab%|%a%"


def test_sub_without_to_uses_first_value_for_broadcast(api, client):
    answer = send(api, to="a@example.com;b@example.com", html="hi %n% %p%",
                  xsmtpapi=json.dumps({"sub": {"%n%": ["first", "second"]}, "pubsub": {"%p%": 7}}))
    for email_id in answer["info"]["emailIdList"]:
        assert full(client, email_id)["html"] == "hi first 7"


def test_plain_substituted_and_from_name_not(api, client):
    email_id = send(api, html="", plain="dear %n%", fromName="%n%",
                    xsmtpapi=json.dumps({"to": ["a@example.com"], "sub": {"%n%": ["Ann"]}}))["info"]["emailIdList"][0]
    mail = full(client, email_id)
    assert mail["plain"] == "dear Ann" and mail["fromName"] == "%n%"


def test_unsubscribe_link(api, client):
    email_id = send(api, html="<a href='%%user_defined_unsubscribe_link%%'>u</a>")["info"]["emailIdList"][0]
    html = full(client, email_id)["html"]
    from urllib.parse import quote
    assert html == f"<a href='https://track.sendcloud.test/unsubscribe/{quote(email_id, safe='')}'>u</a>"


def test_hundred_recipients_rendered_per_recipient_via_outbox(api, client, account):
    to = [f"member{i}@example.com" for i in range(100)]
    xsmtpapi = {"to": to, "sub": {"%name%": [f"Name{i}" for i in range(100)], "%n%": list(range(100))}}
    answer = send(api, subject="Hi %name%", html="<p>%name% is number %n%</p>", xsmtpapi=json.dumps(xsmtpapi))
    assert answer["statusCode"] == 200 and len(answer["info"]["emailIdList"]) == 100
    for i in (0, 42, 99):
        found = mails(client, to=f"member{i}@example.com", account=account["userName"])
        assert len(found) == 1 and found[0]["subject"] == f"Hi Name{i}"
        assert full(client, found[0]["emailId"])["html"] == f"<p>Name{i} is number {i}</p>"
    assert client.get("/_emulator/mails", params={"account": account["userName"]}).json()["total"] == 100


# files ------------------------------------------------------------------------------------------
def test_attachments_and_inline_images(api, client):
    files = [("attachments", ("report.pdf", b"%PDF-1.4 data", "application/pdf")),
             ("attachments", ("notes.txt", b"notes", "text/plain")),
             ("embeddedImage", ("logo.png", b"\x89PNG\r\n", "image/png"))]
    answer = send(api, to="a@example.com;b@example.com", html="<img src='cid:logo'>", embeddedCid="logo",
                  files=files)
    assert answer["statusCode"] == 200
    first, second = answer["info"]["emailIdList"]
    mail = full(client, first)
    assert mail["attachments"] == [
        {"filename": "report.pdf", "contentType": "application/pdf", "size": 13, "contentId": None},
        {"filename": "notes.txt", "contentType": "text/plain", "size": 5, "contentId": None},
        {"filename": "logo.png", "contentType": "image/png", "size": 6, "contentId": "logo"}]
    assert client.get(f"/_emulator/mails/{second}/attachments/0").content == b"%PDF-1.4 data"
    assert client.get(f"/_emulator/mails/{second}/attachments/2").content == b"\x89PNG\r\n"
    assert client.get(f"/_emulator/mails/{second}/attachments/3").status_code == 404


def raw_multipart(api: Api, fields: dict, parts: list[tuple[str, str, bytes]]) -> int:
    """Post a hand-made multipart body (file parts as (name, filename, data)), e.g. with filename=""."""
    content, headers = multipart_body({**api.creds(), **fields}, parts)
    response = api.client.post("/apiv2/mail/send", content=content, headers=headers)
    return response.json()["statusCode"]


def multipart_body(fields: dict, parts: list[tuple[str, str, bytes]]) -> tuple[bytes, dict]:
    """A multipart body made by hand (any filename, even ""), and its Content-Type header."""
    boundary = "b0undary42"
    chunks = []
    for name, value in fields.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data in parts:
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n")
        chunks.append(head.encode() + data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_file_faults(api):
    assert raw_multipart(api, BASE, [("attachments", "ok.txt", b"x")]) == 200
    assert raw_multipart(api, BASE, [("attachments", "", b"x")]) == 40818
    assert raw_multipart(api, {**BASE, "embeddedCid": "a"}, [("embeddedImage", "", b"x")]) == 40818
    assert code(api, attachments="text instead of a file") == 40867
    assert code(api, attachments="  ", embeddedImage="") == 200  # a blank field is absent (decisions.md)
    assert code(api, files=[("embeddedImage", ("i.png", b"x", "image/png"))]) == 40875
    assert code(api, embeddedCid="a;b", files=[("embeddedImage", ("i.png", b"x", "image/png"))]) == 40875
    assert code(api, embeddedCid="a") == 40875


def test_ten_megabytes_pass_one_more_byte_fails(api):
    limit = 10485760
    assert code(api, files=[("attachments", ("big.bin", b"\0" * limit, "application/octet-stream"))]) == 200
    files = [("attachments", ("big.bin", b"\0" * (limit - 10), "application/octet-stream")),
             ("embeddedImage", ("i.png", b"\0" * 11, "image/png"))]
    assert code(api, files=files, embeddedCid="i") == 40819


def test_oversized_multipart_body_is_40819(api):
    files = [("attachments", ("huge.bin", b"\0" * 12582913, "application/octet-stream"))]
    assert code(api, files=files) == 40819


# final checks -----------------------------------------------------------------------------------
def test_send_request_id_duplicate(api, other_api):
    assert code(api, sendRequestId="req-1") == 200
    assert code(api, sendRequestId="req-1") == 40000
    assert code(api, sendRequestId=" req-1 ") == 40000
    assert code(other_api, sendRequestId="req-1") == 200  # per account
    assert code(api, sendRequestId="x" * 300) == 200
    assert code(api, sendRequestId="x" * 300) == 40000
    # a refused (failed) request is not remembered
    assert code(api, sendRequestId="req-2", subject="") == 40808
    assert code(api, sendRequestId="req-2") == 200


def test_send_request_id_is_atomic(client, account):
    api = Api(client, account)

    def one(_):
        return code(api, sendRequestId="race-1")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, range(20)))
    assert sorted(results) == [200] + [40000] * 19


def test_quota(client):
    account = new_account(client, quota=5)
    api = Api(client, account)
    assert code(api, to=addresses(3)) == 200
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 3
    assert code(api, to=addresses(2), cc="x@example.com") == 40904
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 3
    assert code(api, to=addresses(2)) == 200
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 5
    assert code(api, to=addresses(1)) == 40904


def test_duplicate_checked_before_quota(client):
    api = Api(client, new_account(client, quota=1))
    assert code(api, sendRequestId="q") == 200
    assert code(api, sendRequestId="q") == 40000
    assert code(api, sendRequestId="other") == 40904


def test_failed_send_stores_nothing(api, client, account):
    assert code(api, labelName="never-created", headers="{}") == 40868
    assert mails(client, account=account["userName"]) == []
    assert api.call("label/list", query="never-created")["info"]["total"] == 0


def test_address_list_mode_refused_for_trigger_user(api):
    assert code(api, useAddressList="true", to="list@maillist.sendcloud.org") == 40820


def test_get_is_405(api):
    response = api.client.get("/apiv2/mail/send", params=api.creds())
    assert response.status_code == 405


def test_not_emitted_blank_codes(api):
    """40803, 40830 and 40877 are never emitted: a blank fromName, plain or contentSummary is absent."""
    answer = send(api, fromName="", plain="", contentSummary="")
    assert answer["statusCode"] == 200 and answer["statusCode"] not in (40803, 40830, 40877)


# The zh texts of return-codes.tsv, copied exactly.
@pytest.mark.parametrize("action, fault, message", [("send", 40901, "邮件发送失败"),
                                                    ("send", 40902, "邮件处理发生未知异常"),
                                                    ("sendtemplate", 40826, "参数subject和模板主题不能同时为空"),
                                                    ("send", 40822, "地址列表任务创建失败"),
                                                    ("sendcalendar", 40851, "会议邮件拼装失败")])
def test_fault_only_codes_through_fault_rules(client, account, action, fault, message):
    api = Api(client, account)
    rule = {"module": "mail", "action": action, "apiUser": account["apiUser"], "statusCode": fault, "count": 1}
    with fault_rules(client, rule):
        answer = api.call(f"mail/{action}", **BASE)
        assert answer == {"result": False, "statusCode": fault, "message": message, "info": {}}
        assert mails(client, account=account["userName"]) == []
        assert code(api) == 200  # count 1: the rule fired once


def test_numbers_render_as_their_json_text(api, client):
    xsmtpapi = '{"to": ["a@example.com"], "sub": {"%price%": [1.50], "%big%": [1e3], "%t%": [true]}, "pubsub": {"%n%": 007.0}}'
    xsmtpapi = xsmtpapi.replace("007.0", "7.0")
    email_id = send(api, html="%price% %big% %t% %n%", xsmtpapi=xsmtpapi)["info"]["emailIdList"][0]
    assert full(client, email_id)["html"] == "1.50 1e3 true 7.0"


def test_internal_outcome_codes_are_never_answered(client):
    """Success is 200 (40903 is not emitted); the quota and content-matching outcomes 40905, 40906,
    40907, 40909 and 40910 are internal: a send passing the quota, or sending a template, gets 200."""
    api = Api(client, new_account(client, quota=2))
    api.call("template/add", invokeName="inner", name="n", subject="s", html="h", templateType="0")
    answers = [send(api)["statusCode"],
               api.call("mail/sendtemplate", **{"from": "s@example.com"}, templateInvokeName="inner",
                        xsmtpapi=json.dumps({"to": ["a@example.com"]}))["statusCode"],
               send(api)["statusCode"]]
    assert answers == [200, 200, 40904]
    assert not {40903, 40905, 40906, 40907, 40909, 40910} & set(answers)
