"""Replay the requests the official SendCloud Python SDK sends (captured byte for byte), with real
credentials: `True` booleans, explicit nulls in xsmtpapi, `Name <addr>` in from, multipart files."""

import json
import pathlib
from urllib.parse import quote_plus

import pytest

from .conftest import Api, new_account
from .tasks import tasks_done
from .test_mail_send import full, mails

CAPTURED = [json.loads(line) for line in
            (pathlib.Path(__file__).parent / "data" / "official-python-sdk-requests.jsonl").read_text().splitlines()
            if line.strip()]


def replay(client, captured: dict, api_user: str, api_key: str, **extra) -> dict:
    """Send the captured body with the placeholder credentials u/k replaced (and extra urlencoded fields)."""
    body = captured["body"]
    content_type = captured["headers"]["Content-Type"]
    if content_type.startswith("multipart/"):
        body = body.replace('name="apiUser"\r\n\r\nu\r\n', f'name="apiUser"\r\n\r\n{api_user}\r\n')
        body = body.replace('name="apiKey"\r\n\r\nk\r\n', f'name="apiKey"\r\n\r\n{api_key}\r\n')
    else:
        assert body.startswith("apiUser=u&apiKey=k&")
        body = f"apiUser={quote_plus(api_user)}&apiKey={quote_plus(api_key)}&" + body[len("apiUser=u&apiKey=k&"):]
        for key, value in extra.items():
            body += f"&{key}={quote_plus(value)}"
    response = client.post(captured["path"], content=body.encode("utf-8"), headers={"Content-Type": content_type})
    assert response.status_code == 200
    return response.json()


def by_subject(subject: str) -> dict:
    return next(c for c in CAPTURED if any(k == "subject" and v == subject for k, v in c["form"]))


def test_every_captured_request_is_covered():
    subjects = sorted(v for c in CAPTURED for k, v in c["form"] if k == "subject")
    assert subjects == ["list", "official attach", "official common", "official template", "official xsmtpapi %name%"]


def test_common_send(client, account):
    answer = replay(client, by_subject("official common"), account["apiUser"], account["apiKey"])
    assert answer["statusCode"] == 200
    ids = answer["info"]["emailIdList"]  # respEmailId=True
    assert [i.split("$")[1] for i in ids] == ["a@example.com", "b@example.com", "c@example.com"]
    mail = full(client, ids[0])
    assert mail["fromName"] == "Official" and mail["html"] == "<p>hi</p>" and mail["plain"] is None
    assert mail["headers"] == {"X-Custom": "v"} and mail["replyTo"] == ["reply@example.com"]
    assert mail["toList"] == ["a@example.com", "b@example.com"] and mail["cc"] == ["c@example.com"]


def test_attachment_send(client, account):
    answer = replay(client, by_subject("official attach"), account["apiUser"], account["apiKey"])
    assert answer["statusCode"] == 200
    (email_id,) = answer["info"]["emailIdList"]
    mail = full(client, email_id)
    assert mail["plain"] == "see attachment"
    assert mail["attachments"] == [{"filename": "att.txt", "contentType": "application/octet-stream", "size": 16,
                                    "contentId": None}]
    assert client.get(f"/_emulator/mails/{email_id}/attachments/0").content == b"attachment body\n"


def test_xsmtpapi_send_with_nulls_and_true(client, account):
    answer = replay(client, by_subject("official xsmtpapi %name%"), account["apiUser"], account["apiKey"])
    assert answer["statusCode"] == 200
    x_id, y_id = answer["info"]["emailIdList"]
    x, y = full(client, x_id), full(client, y_id)
    assert x["subject"] == "official xsmtpapi X" and y["subject"] == "official xsmtpapi Y"
    assert x["html"] == "<p>hi X 1</p>" and y["html"] == "<p>hi Y 2</p>"
    assert x["dispositionNotificationTo"] == "noreply@example.com"  # useNotification=True
    assert x["labelId"] and x["labelId"] == y["labelId"]  # labelName=lbl created the label
    api = Api(client, account)
    assert [row["labelName"] for row in api.call("label/list")["info"]["dataList"]] == ["lbl"]


def test_from_with_display_name(client, account):
    answer = replay(client, by_subject("official common"), account["apiUser"], account["apiKey"])
    assert answer["statusCode"] == 200
    captured = dict(by_subject("official common"))
    captured["body"] = captured["body"].replace("from=noreply%40example.com", "from=Shop+%3Cnoreply%40example.com%3E")
    captured["body"] = captured["body"].replace("&fromName=Official", "&fromName=")
    answer = replay(client, captured, account["apiUser"], account["apiKey"])
    assert answer["statusCode"] == 200
    mail = full(client, answer["info"]["emailIdList"][0])
    assert mail["from"] == "noreply@example.com" and mail["fromName"] == "Shop"


def test_template_send(client, account):
    api = Api(client, account)
    api.call("template/add", invokeName="test_template", name="t", subject="Template %name%",
             html="<p>Dear %name%</p>", templateType="0")
    answer = replay(client, by_subject("official template"), account["apiUser"], account["apiKey"])
    assert answer["statusCode"] == 200
    (email_id,) = answer["info"]["emailIdList"]
    mail = full(client, email_id)
    assert mail["to"] == "x@example.com" and mail["html"] == "<p>Dear X</p>"
    assert mail["subject"] == "official template"  # the subject parameter overrides the template's


def test_list_template_send(client):
    account = new_account(client)
    api = Api(client, account)
    api.call("template/add", batch=True, invokeName="test_template", name="t", subject="s",
             html="<p>Dear %name%</p>", templateType="1")
    api.call("addresslist/add", address="grp@maillist.sendcloud.org", name="grp")
    api.call("addressmember/add", address="grp@maillist.sendcloud.org", members="m1@example.com;m2@example.com",
             names="M1;M2")
    captured = by_subject("list")
    # the template row comes before useAddressList: a trigger API_USER meets the batch template first
    assert replay(client, captured, account["apiUser"], account["apiKey"])["statusCode"] == 40825
    answer = replay(client, captured, account["batchApiUser"], account["batchApiKey"])
    assert answer["result"] is True and answer["statusCode"] == 40821
    (task_id,) = answer["info"]["maillistTaskId"]
    tasks_done(client, answer)
    found = {m["to"]: full(client, m["emailId"])["html"] for m in mails(client, maillistTaskId=task_id)}
    assert found == {"m1@example.com": "<p>Dear M1</p>", "m2@example.com": "<p>Dear M2</p>"}


@pytest.mark.parametrize("captured", CAPTURED, ids=lambda c: c["path"] + ":" + c["headers"]["Content-Type"][:9])
def test_wrong_credentials_are_40005(client, captured):
    assert replay(client, captured, "nobody_here", "wrongKey")["statusCode"] == 40005
