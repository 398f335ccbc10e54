"""The control API cannot be reached by accident or from a web page (issue 13 item 3).

- a webhook URL that reaches the emulator itself is 40706, and no callback is ever sent to one;
- state-changing /_emulator routes refuse cross-site (browser) requests with 403;
- with an admin token, the UI cookie is not the token and no page puts the token in a URL.
"""

import os
import re
import sqlite3
import time
from datetime import UTC, datetime

import httpx
import pytest

from . import live
from .conftest import new_account
from .receiver import Receiver

# The TestClient's server is http://testserver (port 80) and its settings say port 8000.
OWN_URLS = [
    "http://127.0.0.1:8000/_emulator/reset", "http://localhost:8000/hook", "http://LOCALHOST.:8000/x",
    "http://127.1:8000/", "http://0x7f000001:8000/", "http://2130706433:8000/", "http://[::1]:8000/",
    "http://[::ffff:127.0.0.1]:8000/", "http://0.0.0.0:8000/", "http://app.localhost:8000/",
    "http://testserver/_emulator/reset", "http://testserver:80/anything",
    "http://127.0.0.1:1/_emulator/reset", "http://127.0.0.1:65000/apiv2/label/add", "https://localhost/ui/x",
]


@pytest.mark.parametrize("url", OWN_URLS)
def test_a_webhook_url_reaching_the_emulator_is_40706(api, url):
    assert api.code("webhook/add", categoryName="all", event="deliver", url=url) == 40706
    assert api.call("webhook/list")["info"]["dataList"] == []


def test_webhook_update_to_the_emulator_is_40706_and_other_loopback_receivers_pass(api):
    hook = "http://127.0.0.1:9/sendcloud-hook"
    assert api.code("webhook/add", categoryName="all", event="deliver", url=hook) == 200
    assert api.code("webhook/update", categoryName="all", url=hook,
                    newUrl="http://127.0.0.1:8000/_emulator/reset") == 40706
    assert api.code("webhook/update", categoryName="all", url=hook, newUrl="http://localhost:8000/") == 40706
    assert api.call("webhook/list")["info"]["dataList"][0]["url"] == hook
    # the old URL only names the configuration: it is matched, not called
    assert api.code("webhook/update", categoryName="all", url=hook, newUrl="http://127.0.0.1:9/other") == 200


def test_a_stored_webhook_to_the_emulator_is_never_called(tmp_path):
    """A configuration that reaches the emulator (stored before the rule, or by hand) is refused by
    the sender: the emulator's /_emulator/reset is never called, every account stays."""
    db = tmp_path / "emulator.db"
    env = {**os.environ, "SC_EMULATOR_WEBHOOK_PROBE": "false", "SC_EMULATOR_LOG_LEVEL": "warning",
           "SC_EMULATOR_WEBHOOK_RETRY_SCALE": "0.0001"}
    process, base = live.start(f"sqlite:///{db}", env)
    try:
        live.wait_ready(process, base)
        with httpx.Client(base_url=base, timeout=30) as http:
            account = http.post("/_emulator/accounts", json={"userName": "keeps_its_data"}).json()
            now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
            with sqlite3.connect(db) as connection:
                account_id = connection.execute("SELECT id FROM account WHERE user_name = 'keeps_its_data'").fetchone()[0]
                connection.execute(
                    "INSERT INTO webhookconfig (account_id, category_name, url, events, created_at, updated_at) "
                    "VALUES (?, 'all', ?, 'request,deliver', ?, ?)", (account_id, f"{base}/_emulator/reset", now, now))
            creds = {"apiUser": account["apiUser"], "apiKey": account["apiKey"]}
            sent = http.post("/apiv2/mail/send", data={**creds, "from": "a@example.com", "to": "b@example.com",
                                                       "subject": "s", "html": "h"}).json()
            assert sent["statusCode"] == 200, sent
            deadline = time.monotonic() + 60
            while True:
                attempts = http.get("/_emulator/webhook-deliveries", params={"account": "keeps_its_data"}).json()
                done = [a for a in attempts["items"] if a.get("status") == "failed"]
                if len(done) >= 2 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert len(done) >= 2, attempts
            assert all("emulator itself" in (a.get("error") or "") for a in attempts["items"]), attempts
            assert http.post("/apiv2/userinfo/get", data=creds).json()["statusCode"] == 200
            names = [a["userName"] for a in http.get("/_emulator/accounts").json()]
            assert "keeps_its_data" in names
    finally:
        live.stop(process)


# cross-site requests --------------------------------------------------------------------------
def _control_writes(client):
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        if path.startswith("/_emulator"):
            for method in operations:
                if method.upper() not in ("GET", "HEAD", "OPTIONS"):
                    yield method.upper(), re.sub(r"\{[^}]+\}", "demo", path)


FOREIGN = [{"Origin": "http://evil.example"}, {"Origin": "null"}, {"Origin": "http://testserver:8080"},
           {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
           {"Referer": "http://evil.example/page.html"}]


@pytest.mark.parametrize("headers", FOREIGN, ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()))
def test_a_cross_site_reset_is_refused(client, headers):
    account = new_account(client)
    response = client.post("/_emulator/reset", content=b"x=1",
                           headers={"content-type": "application/x-www-form-urlencoded", **headers})
    assert response.status_code == 403, response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    names = [a["userName"] for a in client.get("/_emulator/accounts").json()]
    assert account["userName"] in names


def test_every_state_changing_control_route_refuses_a_foreign_origin(client):
    routes = list(_control_writes(client))
    assert len(routes) >= 8
    for method, path in routes:
        response = client.request(method, path, json={}, headers={"Origin": "http://evil.example"})
        assert response.status_code == 403, (method, path, response.text)


def test_same_origin_and_non_browser_writes_pass(client):
    account = new_account(client)
    for headers in ({"Origin": "http://testserver"}, {"Origin": "http://testserver:80"},
                    {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}, {}):
        response = client.post("/_emulator/reset", params={"account": account["userName"]}, headers=headers)
        assert response.status_code == 204, (headers, response.text)


def test_apiv2_is_not_guarded_by_origin(api):
    """The SendCloud API is called from anywhere (its own clients set no rule here)."""
    response = api.client.post("/apiv2/userinfo/get", data=api.creds(), headers={"Origin": "http://evil.example"})
    assert response.json()["statusCode"] == 200


# the admin token in the web UI ------------------------------------------------------------------
def test_the_ui_cookie_is_not_the_token_and_no_url_holds_it(guarded):
    guarded.cookies.clear()
    signed_in = guarded.get("/?token=s3cret&lang=en", follow_redirects=False)
    assert signed_in.status_code == 303
    assert "token" not in signed_in.headers["location"] and signed_in.headers["location"].startswith("/")
    assert "lang=en" in signed_in.headers["location"]
    cookie = guarded.cookies.get("sc_ui_token")
    assert cookie and "s3cret" not in cookie
    assert "httponly" in signed_in.headers["set-cookie"].lower()
    auth = {"Authorization": "Bearer s3cret"}
    account = guarded.post("/_emulator/accounts", json={}, headers=auth).json()
    for path in ("/", "/ui/accounts", f"/ui/accounts/{account['userName']}",
                 f"/ui/accounts/{account['userName']}/webhooks"):
        page = guarded.get(path)
        assert page.status_code == 200, path
        assert "token=" not in page.text, path
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"]
    assert guarded.get("/_emulator/accounts").status_code == 200  # the cookie opens reads
    guarded.cookies.clear()
    guarded.cookies.set("sc_ui_token", "s3cret")  # the raw token is not a valid cookie
    assert guarded.get("/").status_code == 401
    assert guarded.get("/_emulator/accounts").status_code == 401
    guarded.cookies.clear()
