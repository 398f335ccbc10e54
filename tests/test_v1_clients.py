"""Real v1 clients replayed over HTTP against a live server (v1.md §2.2, §2.3, §6): the requests the
npm `sendcloud` 1.7.0 client and `nodemailer-sendcloud-transport` send, field for field and in
their order, and the README's v1 curl example run verbatim."""

import json
import os
import subprocess
from urllib.parse import quote

import httpx
import pytest

from .readme import snippet
from .tasks import tasks_done

SHARED_KEY = "NpmShared0Key001"


def form(pairs: list[tuple[str, str]]) -> str:
    """A body as node's `querystring`/`request` form encoding writes it: pairs in order."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def post(client: httpx.Client, url: str, pairs: list[tuple[str, str]]) -> dict:
    response = client.post(url, content=form(pairs), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


@pytest.fixture
def npm_account(live_server) -> dict:
    """An account whose batch API_USER shares the trigger user's key (what sendByTemplate needs)."""
    response = httpx.post(f"{live_server}/_emulator/accounts",
                          json={"apiKey": SHARED_KEY, "batchApiKey": SHARED_KEY}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def outbox(live_server: str, **filters) -> list[dict]:
    response = httpx.get(f"{live_server}/_emulator/mails", params={"order": "asc", **filters}, timeout=30)
    assert response.status_code == 200
    return response.json()["items"]


def test_readme_v1_curl_runs_verbatim(live_server, tmp_path):
    """The snippet's `127.0.0.1:8000` (scripts/serve's default) reaches the test server through
    curl's own `connect-to` setting, so the text runs unchanged."""
    port = live_server.rsplit(":", 1)[1]
    (tmp_path / ".curlrc").write_text(f"connect-to = 127.0.0.1:8000:127.0.0.1:{port}\n")
    result = subprocess.run(["bash", "-c", snippet("v1-curl")], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "CURL_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    decoder = json.JSONDecoder()  # curl -s prints the two bodies back to back
    sent, end = decoder.raw_decode(result.stdout)
    latest, _ = decoder.raw_decode(result.stdout[end:].lstrip())
    assert list(sent) == ["message", "email_id_list"] and sent["message"] == "success"
    [email_id] = sent["email_id_list"]
    assert email_id.endswith("$ben@example.com")
    assert (latest["emailId"], latest["source"], latest["apiUser"], latest["subject"]) == \
        (email_id, "v1", "demo_trigger", "s")


def test_sendcloud_npm_1_7_0_flows(live_server, npm_account):
    """sendcloud 1.7.0 posts form bodies to http://api.sendcloud.net/webapi/... through `request`;
    with HTTP_PROXY pointing at the emulator the target is absolute-form, on another Host."""
    trigger, batch = npm_account["apiUser"], npm_account["batchApiUser"]
    base = "http://api.sendcloud.net/webapi"
    with httpx.Client(proxy=live_server, timeout=30) as node:
        # templates the app made beforehand (through v1 too)
        for name, kind in (("welcome", "0"), ("promo", "1")):
            assert post(node, f"{base}/template.add.json",
                        [("api_user", trigger), ("api_key", SHARED_KEY), ("invoke_name", name), ("name", name),
                         ("html", "<p>Hi %name%</p>"), ("subject", "Hello %name%"),
                         ("email_type", kind)]) == {"message": "success", "addCount": 1}
        # send(to, subject, html, options): fromname is sent blank when init() had no name
        assert post(node, f"{base}/mail.send.json",
                    [("api_user", trigger), ("api_key", SHARED_KEY), ("from", "bigertech@qq.com"), ("fromname", ""),
                     ("to", "liuxing@example.com"), ("subject", "邮件测试"), ("html", "<h1>Hello world!<h1>"),
                     ("resp_email_id", "true")])["message"] == "success"
        # templateToOne(to, subject, templateName, sub): the trigger user
        assert post(node, f"{base}/mail.send_template.json",
                    [("api_user", trigger), ("api_key", SHARED_KEY), ("from", "bigertech@qq.com"), ("fromname", ""),
                     ("template_invoke_name", "welcome"), ("subject", "账号激活"),
                     ("substitution_vars", json.dumps({"to": ["one@example.com"], "sub": {"%name%": ["狂飙蜗牛"]}},
                                                      ensure_ascii=False, separators=(",", ":")))]) == \
            {"message": "success"}
        # sendByTemplate(to[], subject, templateName, sub): the batch API_USER's name, the trigger key,
        # no fromname, `"sub":{}` when there are no variables
        assert post(node, f"{base}/mail.send_template.json",
                    [("api_user", batch), ("api_key", SHARED_KEY), ("from", "bigertech@qq.com"),
                     ("template_invoke_name", "promo"), ("subject", "Sale"),
                     ("substitution_vars", '{"to":["a@example.com","b@example.com"],"sub":{}}')]) == \
            {"message": "success"}
        # EmailList.createEmailList(address, name, {description}): options first, credentials last
        created = post(node, f"{base}/list.create.json",
                       [("description", "seed users"), ("address", "seed@maillist.sendcloud.org"), ("name", "seed"),
                        ("api_key", SHARED_KEY), ("api_user", trigger)])
        assert created["list"]["members_count"] == 0 and created["list"]["description"] == "seed users"
        # ListMember.addListMember(list, member, name, {vars, upsert}): vars as JSON text
        assert post(node, f"{base}/list_member.add.json",
                    [("vars", '{"%name%":"Ann","%url%":"http://x.example/a"}'), ("upsert", "true"),
                     ("mail_list_addr", "seed@maillist.sendcloud.org"), ("member_addr", "ann@example.com"),
                     ("name", "Ann"), ("api_key", SHARED_KEY), ("api_user", trigger)]) == \
            {"message": "success", "total_counts": 1}
        got = post(node, f"{base}/list_member.get.json",
                   [("mail_list_addr", "seed@maillist.sendcloud.org"), ("api_key", SHARED_KEY), ("api_user", trigger)])
        assert got["members"][0]["vars"] == {"name": "Ann", "url": "http://x.example/a"}  # `%k%` stored as `k`
        assert post(node, f"{base}/list.get.json", [("api_key", SHARED_KEY), ("api_user", trigger)])["count"] == 1
        # sendByMailList(to, subject, templateName): the batch user, use_maillist 'true'
        listed = post(node, f"{base}/mail.send_template.json",
                      [("api_user", batch), ("api_key", SHARED_KEY), ("from", "bigertech@qq.com"),
                       ("template_invoke_name", "promo"), ("subject", "Sale %name%"), ("use_maillist", "true"),
                       ("to", "seed@maillist.sendcloud.org")])
        assert list(listed) == ["message", "mail_list_task_id_list"]
        # updateEmailList(address, {toAddress}), deleteListMember(list, member_addr)
        assert post(node, f"{base}/list.update.json",
                    [("toAddress", "seed2@maillist.sendcloud.org"), ("address", "seed@maillist.sendcloud.org"),
                     ("api_key", SHARED_KEY), ("api_user", trigger)])["list"]["address"] == "seed2@maillist.sendcloud.org"
        assert post(node, f"{base}/list_member.delete.json",
                    [("mail_list_addr", "seed2@maillist.sendcloud.org"), ("member_addr", "ann@example.com"),
                     ("api_key", SHARED_KEY), ("api_user", trigger)]) == {"message": "success", "del_count": 1}
    with httpx.Client(base_url=live_server, timeout=60) as control:
        tasks_done(control, listed)
    stored = outbox(live_server, account=npm_account["userName"])
    assert [(m["to"], m["apiUser"], m["source"], m["subject"]) for m in stored] == [
        ("liuxing@example.com", trigger, "v1", "邮件测试"),
        ("one@example.com", trigger, "v1", "账号激活"),
        ("a@example.com", batch, "v1", "Sale"),
        ("b@example.com", batch, "v1", "Sale"),
        ("ann@example.com", batch, "v1", "Sale Ann"),
    ]
    assert stored[-1]["maillistTaskId"] == listed["mail_list_task_id_list"][0]
    # a batch API_USER with its own key does not authenticate with the trigger key
    other = httpx.post(f"{live_server}/_emulator/accounts", json={}, timeout=30).json()
    with httpx.Client(proxy=live_server, timeout=30) as node:
        assert post(node, f"{base}/mail.send_template.json",
                    [("api_user", other["batchApiUser"]), ("api_key", other["apiKey"]), ("from", "a@b.cn"),
                     ("template_invoke_name", "promo"), ("substitution_vars", '{"to":["a@example.com"],"sub":{}}')]) \
            == {"message": "error", "errors": ["authentication failed"]}


def test_nodemailer_sendcloud_transport_flow(live_server, npm_account):
    """The transport posts `querystring.stringify(mail.data)` plus api_key, api_user: an array `to`
    becomes repeated keys, `text` and `replyTo` are not v1 names, an empty `headers` object is blank."""
    pairs = [("from", "Shop <shop@example.com>"), ("to", "x@example.com"), ("to", "y@example.com"),
             ("subject", "Order 42"), ("text", "plain body"), ("html", "<b>html body</b>"),
             ("replyTo", "help@example.com"), ("headers", ""),
             ("api_key", SHARED_KEY), ("api_user", npm_account["apiUser"])]
    with httpx.Client(timeout=30) as transport:
        assert post(transport, f"{live_server}/webapi/mail.send.json", pairs) == {"message": "success"}
        # the transport hands the raw body to the app's callback: errors arrive the same way
        assert post(transport, f"{live_server}/webapi/mail.send.json", pairs[:1] + pairs[3:]) == \
            {"message": "error", "errors": ["recipient address cannot be empty"]}
    stored = outbox(live_server, account=npm_account["userName"])
    assert [(m["to"], m["source"], m["from"], m["fromName"]) for m in stored] == \
        [("x@example.com", "v1", "shop@example.com", "Shop"), ("y@example.com", "v1", "shop@example.com", "Shop")]
    mail = httpx.get(f"{live_server}/_emulator/mails/{stored[0]['emailId']}", timeout=30).json()
    assert (mail["html"], mail["plain"], mail["replyTo"], mail["toList"]) == \
        ("<b>html body</b>", None, ["shop@example.com"], ["x@example.com", "y@example.com"])
