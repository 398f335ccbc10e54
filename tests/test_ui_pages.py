"""The web UI's pages over HTTP (no browser): routes, language, the mail body's policy, paging."""

import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from sendcloud_emulator.app import create_app
from tests.conftest import make_settings, wait_until


def send(api, subject="Hello", html="<p>hi</p>", to="reader@example.com", **params) -> str:
    reply = api.call("mail/send", **{"from": f"shop@{api.account['domain']}", "to": to, "subject": subject,
                                     "html": html, **params})
    assert reply["statusCode"] == 200, reply
    return reply["info"]["emailIdList"][0]


def test_pages_answer_html(client, api):
    email_id = send(api, subject="Page check")
    user = api.account["userName"]
    for path in ("/", f"/?account={user}", f"/ui/mails/{email_id}", "/ui/accounts", f"/ui/accounts/{user}",
                 f"/ui/accounts/{user}/templates", f"/ui/accounts/{user}/addresslists",
                 f"/ui/accounts/{user}/webhooks", f"/ui/accounts/{user}/stats", f"/ui/accounts/{user}/bounces",
                 f"/ui/accounts/{user}/unsubscribes", f"/ui/accounts/{user}/spamreports"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
    assert "Page check" in client.get(f"/?account={user}").text


def test_unknown_things_are_404_pages(client):
    assert client.get("/ui/mails/no-such-mail").status_code == 404
    assert client.get("/ui/mails/no-such-mail/body").status_code == 404
    assert client.get("/ui/accounts/no_such_account").status_code == 404
    assert client.get("/ui/static/../router.py").status_code == 404
    assert client.get("/ui/static/nothing.js").status_code == 404


def test_bad_filters_and_cursors_are_ignored_not_errors(client):
    for query in ("labelId=abc", "status=nope", "before=x", "after=-1", "labelId=99999999999999999999",
                  "before=99999999999999999999999", "account=nobody", "q=%25_%27"):
        assert client.get(f"/?{query}").status_code == 200, query


def test_mail_body_is_served_under_a_sandboxing_policy(client, api):
    email_id = send(api, html="<p id=x>body</p><script>alert(1)</script>")
    response = client.get(f"/ui/mails/{email_id}/body")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # falls back to default-src 'none': no script at all
    sandbox = re.search(r"sandbox([^;]*)", policy).group(1)
    assert "allow-scripts" not in sandbox and "allow-same-origin" not in sandbox
    assert "http:" not in policy and "https:" not in policy  # remote images off by default
    assert "<p id=x>body</p>" in response.text
    remote = client.get(f"/ui/mails/{email_id}/body?images=1").headers["content-security-policy"]
    assert "img-src 'self' data: blob: cid: http: https:" in remote


def test_mail_view_shows_the_parts(client, api):
    email_id = send(api, subject="Parts", html="<p>x</p>", headers='{"X-Order": "42"}')
    text = client.get(f"/ui/mails/{email_id}").text
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in text
    assert f"/_emulator/mails/{quote(email_id)}/raw" in text
    headers = text[text.index('id="message-headers"'):]
    assert "<th>X-Order</th><td>42</td>" in headers and "<th>MIME-Version</th>" in headers
    assert "<th>Subject</th><td>Parts</td>" in headers
    assert 'data-event="request"' in text and 'data-event="deliver"' in text


def test_keyset_pages_cover_every_mail_once(client, api):
    user = api.account["userName"]
    to = ";".join(f"r{i}@example.com" for i in range(120))
    api.call("mail/send", **{"from": f"shop@{api.account['domain']}", "to": to, "subject": "Bulk", "html": "<p>b</p>",
                             "xsmtpapi": '{"to": [%s]}' % ",".join(f'"r{i}@example.com"' for i in range(100))})
    seen, path = [], f"/?account={user}"
    while path:
        text = client.get(path).text
        seen += re.findall(r'<tr data-id="(\d+)"', text)
        older = re.search(r'id="older" href="([^"]+)"', text)
        path = older.group(1).replace("&amp;", "&") if older else None
    assert len(seen) == 100 == len(set(seen))
    assert seen == sorted(seen, key=int, reverse=True)
    second = client.get(f"/?account={user}&before={seen[49]}").text  # page 2, as page 1's "older" link
    assert re.findall(r'<tr data-id="(\d+)"', second) == seen[50:100]
    newer = re.search(r'id="newer" href="([^"]+)"', second)
    assert newer is not None
    back = re.findall(r'<tr data-id="(\d+)"', client.get(newer.group(1).replace("&amp;", "&")).text)
    assert back == seen[:50]


def test_language_follows_query_then_cookie_then_setting(client):
    assert "SendCloud emulator" in client.get("/?lang=en").text
    assert "SendCloud emulator" in client.get("/ui/accounts").text  # the cookie keeps it
    assert "SendCloud 模拟器" in client.get("/ui/accounts?lang=zh").text
    client.cookies.clear()


def test_the_default_language_is_the_setting(tmp_path_factory):
    with TestClient(create_app(make_settings(tmp_path_factory, lang="en"))) as english:
        assert "SendCloud emulator" in english.get("/").text
        assert "SendCloud 模拟器" in english.get("/?lang=zh").text


def test_admin_token_guards_the_ui(guarded):
    assert guarded.get("/").status_code == 401
    assert guarded.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/?token=s3cret").status_code == 200
    page = guarded.get("/ui/accounts")  # the cookie set by ?token= carries on
    assert page.status_code == 200
    assert '<meta name="sc-admin-token" content="s3cret">' in page.text  # the page's script calls /_emulator/
    guarded.cookies.clear()
    assert guarded.get("/ui/accounts", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_webhook_page_shows_configurations_and_attempts(client, api):
    hook = "http://127.0.0.1:9/sendcloud-hook"  # the discard port: nothing answers, the attempt fails
    assert api.call("webhook/add", categoryName="all", event="deliver", url=hook)["statusCode"] == 200
    email_id = send(api, subject="Hooked")
    user = api.account["userName"]
    wait_until(lambda: client.get("/_emulator/webhook-deliveries", params={"account": user}).json()["items"],
               "no webhook attempt was recorded")
    text = client.get(f"/ui/accounts/{user}/webhooks").text
    assert hook in text and 'id="deliveries"' in text and email_id[:20] in text
    assert 'id="mail-deliveries"' in client.get(f"/ui/mails/{email_id}").text


def test_mail_view_lists_the_variables_used(client, api):
    reply = api.call("mail/send", **{"from": f"shop@{api.account['domain']}", "subject": "Hi %name%",
                                     "html": "<p>Hello %name%, order %order%</p>",
                                     "xsmtpapi": '{"to": ["ann@example.com"], '
                                                 '"sub": {"%name%": ["Ann"], "%order%": ["A-17"]}}'})
    assert reply["statusCode"] == 200, reply
    text = client.get(f"/ui/mails/{reply['info']['emailIdList'][0]}").text
    table = text[text.index('id="variables"'):]
    assert "<th>%name%</th>" in table and "Ann" in table and "A-17" in table
    assert "Hi Ann" in text


def test_admin_token_cookie_opens_only_control_api_reads(guarded):
    assert guarded.get("/_emulator/accounts").status_code == 401
    guarded.get("/?token=s3cret")  # sets the UI cookie
    assert guarded.get("/_emulator/accounts").status_code == 200  # downloads and images of the UI
    assert guarded.post("/_emulator/reset?account=nobody").status_code == 401  # writes still need the header
    guarded.cookies.clear()


def test_label_filter_and_address_lists_page(client, api):
    user = api.account["userName"]
    send(api, subject="In the label", labelName="promo")
    send(api, subject="Without label")
    label_id = api.call("label/list")["info"]["dataList"][0]["labelId"]
    text = client.get(f"/?account={user}&labelId={label_id}").text
    assert "In the label" in text and "Without label" not in text
    assert api.call("addresslist/add", address=f"news@{api.account['domain']}", name="News")["statusCode"] == 200
    assert api.call("addressmember/add", address=f"news@{api.account['domain']}", members="ann@example.com",
                    names="Ann")["statusCode"] == 200
    page = client.get(f"/ui/accounts/{user}/addresslists").text
    assert f"news@{api.account['domain']}" in page and "ann@example.com" in page


def test_account_page_shows_a_clock_badge_only_while_the_account_travels(client, api):
    user = api.account["userName"]
    assert 'id="account-clock"' not in client.get(f"/ui/accounts/{user}?lang=en").text
    client.put(f"/_emulator/accounts/{user}/clock", json={"now": "2035-06-07T08:09:10+08:00", "frozen": True})
    page = client.get(f"/ui/accounts/{user}/stats?lang=en").text
    badge = re.search(r'<span class="tag clock frozen" id="account-clock"[^>]*>([^<]*)</span>', page)
    assert badge and badge.group(1) == "Account clock 2035-06-07 08:09:10 · frozen"
    client.put(f"/_emulator/accounts/{user}/clock", json={"frozen": False})
    running = client.get(f"/ui/accounts/{user}?lang=zh").text
    assert re.search(r'<span class="tag clock" id="account-clock"[^>]*>账户时钟 2035-06-07 08:09:1\d</span>', running)
    assert client.delete(f"/_emulator/accounts/{user}/clock").status_code == 204
    assert 'id="account-clock"' not in client.get(f"/ui/accounts/{user}").text


def test_the_list_page_and_the_control_api_filter_alike(client, api):
    """Both read mails through the domain's one filter: the same query shows the same mails."""
    user = api.account["userName"]
    label_id = api.call("label/add", labelName=f"same-filter-{user}")["info"]["data"]["labelId"]
    wanted = send(api, subject="Invoice 7%_", to="Mixed.Case@example.com", labelId=label_id)
    send(api, subject="Welcome", to="other@example.com")
    assert client.post("/_emulator/events", json={"emailId": wanted, "event": "invalid"}).status_code == 201
    queries = [f"account={user}", f"account={user}&to=mixed.case@EXAMPLE.com", f"account={user}&q=7%25_",
               f"account={user}&labelId={label_id}", f"account={user}&status=invalid",
               f"account={user}&apiUser={api.account['apiUser']}", f"account={user}&q=nothing-like-this",
               "account=no_such_account_here", f"account={user}&source=smtp"]
    for query in queries:
        shown = re.findall(r'data-email-id="([^"]+)"', client.get(f"/?{query}").text)
        listed = [m["emailId"] for m in client.get(f"/_emulator/mails?{query}").json()["items"]]
        assert shown == listed, query
    for query in (f"q=7%25_", f"labelId={label_id}", "status=invalid", "to=mixed.case@EXAMPLE.com"):
        assert re.findall(r'data-email-id="([^"]+)"', client.get(f"/?account={user}&{query}").text) == [wanted]
