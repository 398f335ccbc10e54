"""Contract audit of the mail actions (api.md §2.1, §3, §1.6): cross-row order, blank rules, edge cases."""

import json

import pytest

from .conftest import Api, new_account
from .tasks import tasks_done
from .test_mail_send import BASE, code, full, gz, mails, send
from .test_mail_template import LIST, add_template, make_list, tcode, tsend

XS = json.dumps


@pytest.mark.parametrize("params, expected", [
    ({"to": "bad", "subject": ""}, 40806),
    ({"xsmtpapi": "nojson", "to": "bad"}, 40813),
    ({"xsmtpapi": "null", "to": ""}, 40814),
    ({"from": "bad", "to": "bad"}, 40802),
    ({"fromName": "a\nb", "useAddressList": "x"}, 40804),
    ({"useAddressList": "x", "xsmtpapi": "{"}, 40874),
    ({"to": ";".join(["bad"] * 101)}, 40807),
    ({"to": "a@example.com", "cc": "bad", "bcc": "bad"}, 40853),
    ({"replyTo": ";", "subject": ""}, 40810),
    ({"replyTo": "bad", "subject": ""}, 40811),
    ({"replyTo": "a@x.com;b@x.com;c@x.com;bad", "subject": ""}, 40879),
    ({"subject": "a\rb", "gzipCompress": "x"}, 40809),
    ({"gzipCompress": "", "html": ""}, 40860),
    ({"gzipCompress": "true", "html": "notgzip"}, 40865),
    ({"html": "", "plain": "", "contentSummary": "x" * 201}, 40870),
    ({"contentSummary": "x" * 201, "labelId": "x"}, 40878),
    ({"labelId": "0", "headers": "{}"}, 40103),
    ({"labelName": "x" * 256, "headers": "{}"}, 40105),
    ({"labelId": "1", "labelName": "x" * 256}, 40106),
    ({"headers": "null", "respEmailId": ""}, 40868),
    ({"headers": "[]"}, 40869),
    ({"headers": XS({"bad name": "x"})}, 40869),
    ({"headers": XS({"SC-Custom-a": ""})}, 40902),
    ({"headers": XS({"SC-Custom-a": "a.b"})}, 40902),
    ({"headers": XS({"X-A": "x" * 2000})}, 200),
    ({"embeddedCid": "a", "respEmailId": ""}, 40875),
    ({"respEmailId": "", "useNotification": ""}, 40858),
    ({"respEmailId": "x"}, 40859),
    ({"useNotification": "", "dispositionNotificationTo": "bad"}, 40828),
    ({"useNotification": "x"}, 40829),
    ({"dispositionNotificationTo": "bad"}, 40829),
    ({"cc": "", "bcc": " ", "replyTo": "", "fromName": "", "contentSummary": "", "labelId": "", "labelName": "",
      "headers": "", "embeddedCid": "", "dispositionNotificationTo": "", "sendRequestId": "", "xsmtpapi": ""}, 200),
    ({"cc": ";"}, 40852),
    ({"bcc": " ; "}, 40855),
    ({"to": ";"}, 40805),
    ({"to": ""}, 40805),
])
def test_send_cross_row_order(api, params, expected):
    assert code(api, **params) == expected


@pytest.mark.parametrize("xs, expected", [
    ({"to": ["bad"], "sub": {"%a%": ["1", "2"]}}, 40817),
    ({"to": [], "sub": {"%a%": ["1"]}}, 40817),
    ({"to": ["a@example.com"] * 101, "sub": {"%a%": ["1"]}}, 40817),
    ({"to": [], "pubsub": {"a": "x"}}, 40817),
    ({"to": "a@example.com"}, 40817),
    ({"to": ["a@example.com"], "filters": []}, 40817),
    ({"to": ["a@example.com"], "settings": "x"}, 40817),
    ({"to": ["a@example.com"], "section": {"a": 1}}, 40817),
    ({"sub": {"%a%": []}}, 40817),
    ({"sub": {"%a%": [{"x": 1}]}}, 40817),
    ({"to": None, "sub": None, "pubsub": None}, 200),
    ({"to": [1]}, 40880),
    ([], 40813),
    ("str", 40813),
])
def test_xsmtpapi_row_order(api, xs, expected):
    assert code(api, xsmtpapi=XS(xs)) == expected


def test_list_mode_ignores_cc_bcc_xsmtpapi(client):
    acc = new_account(client)
    api = Api(client, acc)
    make_list(api, members=[("m1@example.com", "M1", {}), ("m2@example.com", "M2", {})])
    ans = api.call("mail/send", batch=True, **{**BASE, "useAddressList": "true", "to": f"{LIST};{LIST.upper()}",
                                              "cc": "bad", "bcc": ";", "xsmtpapi": "nojson"})
    assert ans["result"] is True and ans["statusCode"] == 40821
    assert len(ans["info"]["maillistTaskId"]) == 1
    tid = ans["info"]["maillistTaskId"][0]
    tasks_done(client, ans)
    info = api.call("mail/taskinfo", maillistTaskId=str(tid))
    assert info["statusCode"] == 200
    assert set(info["info"]["data"]) == {"maillistTaskId", "apiUser", "addressList", "memberCount", "gmtCreated",
                                         "gmtUpdated", "status"}
    assert info["info"]["data"]["memberCount"] == 2 and info["info"]["data"]["status"] == "请求完毕"
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 2


@pytest.mark.parametrize("to, expected", [
    (";".join(f"l{i}@maillist.example.com" for i in range(6)), 40864),
    ("bad;" + ";".join(f"l{i}@maillist.example.com" for i in range(5)), 40864),
    ("bad", 40862),
    ("nope@maillist.example.com", 40863),
    (";", 40872),
    ("", 40872),
])
def test_list_mode_to_row(client, to, expected):
    api = Api(client, new_account(client))
    assert api.call("mail/send", batch=True, **{**BASE, "useAddressList": "1", "to": to})["statusCode"] == expected


def test_list_mode_headers_limit(client):
    api = Api(client, new_account(client))
    make_list(api)
    big = XS({"X-A": "x" * 1020})
    assert api.call("mail/send", batch=True, **{**BASE, "useAddressList": "1", "to": LIST, "headers": big})[
        "statusCode"] == 40869
    assert code(api, headers=big) == 200


def test_taskinfo_faults(api, other_api, client):
    for value in ("", "0", "x", "-1", "99999999"):
        assert api.code("mail/taskinfo", maillistTaskId=value) == 6001
    assert api.call("mail/taskinfo")["statusCode"] == 6001


def test_send_request_id_failed_then_ok(api):
    assert code(api, sendRequestId="abc", subject="") == 40808
    assert code(api, sendRequestId="abc") == 200
    assert code(api, sendRequestId="abc") == 40000
    assert code(api, sendRequestId=" abc ") == 40000


def test_quota_includes_suppressed_and_whole_refusal(client):
    api = Api(client, new_account(client, quota=3))
    assert api.call("unsubscribe/add", email="ben@example.com")["statusCode"] == 200
    assert code(api, to="ben@example.com;joe@example.com") == 200
    assert code(api, to="a@example.com;b@example.com") == 40904
    assert code(api, to="a@example.com") == 200
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 3


def test_message_id_override_and_gzip(api, client):
    ans = send(api, headers=XS({"Message-ID": "<custom@x.com>", "From": "evil@x.com"}), gzipCompress="true",
               html=gz("<p>zipped</p>"), plain=gz("plain"))
    eid = ans["info"]["emailIdList"][0]
    raw = client.get(f"/_emulator/mails/{eid}/raw").text
    assert "Message-ID: <custom@x.com>" in raw and "evil@x.com" not in raw
    m = full(client, eid)
    assert m["html"] == "<p>zipped</p>" and m["plain"] is None
    for key in ("emailId", "messageId", "apiUser", "account", "from", "fromName", "to", "cc", "bcc", "replyTo",
                "subject", "html", "plain", "headers", "labelId", "templateInvokeName", "attachments", "status",
                "events", "createdAt"):
        assert key in m


def test_sendtemplate_order(api):
    add_template(api)
    assert tcode(api, templateInvokeName="", xsmtpapi="") == 40823
    assert tcode(api, xsmtpapi="") == 40812
    assert tcode(api, xsmtpapi="{}") == 40814
    assert tcode(api, xsmtpapi=XS({"sub": {"%a%": ["x"]}})) == 40815
    assert tcode(api, xsmtpapi=XS({"to": None})) == 40815
    assert tcode(api, xsmtpapi=XS({"to": ["bad"]}), replyTo=";") == 40880
    assert tcode(api, to="bad", cc="bad", html="", plain="", gzipCompress="x") == 200
    assert tcode(api, subject="") == 200
    assert tcode(api, useAddressList="true") == 40820


CAL = {"startTime": "2026-01-01 10:00:00", "endTime": "2026-01-01 11:00:00", "title": "T", "organizerName": "O",
       "organizerEmail": "o@example.com", "location": "L", "participatorNames": "A;B"}


def ccode(api, **params):
    return api.call("mail/sendcalendar", **{**BASE, **CAL, **params})


@pytest.mark.parametrize("params, expected", [
    ({"startTime": "", "to": "bad"}, 40806),
    ({"sendRequestId": "", "startTime": ""}, 40832),
    ({"endTime": "2026-01-01 09:00:00"}, 40835),
    ({"participatorNames": ";"}, 40846),
    ({"participatorEmails": ";"}, 40848),
    ({"participatorEmails": "a@example.com"}, 40850),
    ({"participatorEmails": "bad;a@example.com;c@example.com"}, 40849),
    ({"isCancel": ""}, 40876),
    ({"isUpdate": "x"}, 40876),
    ({"valarmTime": "abc"}, 200),
    ({"valarmTime": ""}, 200),
    ({"description": "", "uid": ""}, 200),
    ({"useAddressList": "bad", "useNotification": "bad", "dispositionNotificationTo": "bad"}, 200),
])
def test_calendar_rows(api, params, expected):
    assert ccode(api, **params)["statusCode"] == expected


def test_calendar_content(api, client):
    ans = ccode(api, uid="u1", participatorEmails="a@example.com;b@example.com", valarmTime="15")
    m = full(client, ans["info"]["emailIdList"][0])
    cal = m["calendar"]
    assert "UID:u1" in cal and "SEQUENCE:0" in cal and "DTSTART;TZID=Asia/Shanghai:20260101T100000" in cal
    assert "BEGIN:VTIMEZONE" in cal and "METHOD:REQUEST" in cal and "BEGIN:VALARM" in cal
    assert "ORGANIZER;CN=O:mailto:o@example.com" in cal
    assert "mailto:a@example.com" in cal
    ans = ccode(api, uid="u1", isUpdate="true", isCancel="true")
    cal = full(client, ans["info"]["emailIdList"][0])["calendar"]
    assert "METHOD:CANCEL" in cal and "SEQUENCE:1" in cal
    raw = client.get(f"/_emulator/mails/{ans['info']['emailIdList'][0]}/raw").text
    assert "text/calendar" in raw and "method=CANCEL" in raw.replace('"', "")
    ans = ccode(api, uid="u1")
    assert "SEQUENCE:1" in full(client, ans["info"]["emailIdList"][0])["calendar"]
    ans = ccode(api)
    cal = full(client, ans["info"]["emailIdList"][0])["calendar"]
    mid = ans["info"]["emailIdList"][0].split("0$")[0]
    assert "UID:" + mid[:60] in cal.replace("\r\n ", "")


def test_empty_filename_before_non_file_field(api):
    from .test_mail_send import raw_multipart

    fields = {**BASE, "attachments": "text", "embeddedCid": "a"}
    assert raw_multipart(api, fields, [("embeddedImage", "", b"x")]) == 40818
