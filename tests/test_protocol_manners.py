"""Small protocol manners (issue 13 item 5): Allow on 405, nosniff and Referrer-Policy, the mail
body's CSP and inline image URLs, the control API's real 4xx in /openapi.json, a header-read
timeout for slow clients."""

import os
import re
import socket
import subprocess
import sys

import httpx
import pytest

from . import live


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("GET", "/apiv2/mail/send", {"POST"}),
    ("DELETE", "/apiv2/label/list", {"GET", "POST"}),
    ("PATCH", "/apiv2/webhook/add", {"GET", "POST"}),
    ("POST", "/_emulator/faults", {"GET", "PUT", "DELETE"}),
    ("PATCH", "/_emulator/mails", {"GET", "DELETE"}),
    ("PUT", "/_emulator/health", {"GET"}),
])
def test_405_says_which_methods_are_allowed(client, method, path, allowed):
    response = client.request(method, path)
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers["allow"].split(",")}, response.headers["allow"]


def _mail_with_image(api, html: str) -> str:
    files = [("embeddedImage", ("i.png", b"\x89PNG\r\n", "image/png")),
             ("attachments", ("a.txt", b"text", "text/plain"))]
    answer = api.call("mail/send", files=files, **{"from": "a@example.com", "to": "b@example.com", "subject": "s",
                                                   "html": html, "embeddedCid": "c1"})
    assert answer["statusCode"] == 200, answer
    return answer["info"]["emailIdList"][0]


def test_ui_pages_and_downloads_say_nosniff_and_a_referrer_policy(client, api):
    email_id = _mail_with_image(api, "<p><img src='cid:c1'></p>")
    for path in ("/", "/ui/accounts", f"/ui/mails/{email_id}", f"/ui/mails/{email_id}/body",
                 f"/_emulator/mails/{email_id}/raw", f"/_emulator/mails/{email_id}/attachments/0",
                 f"/_emulator/mails/{email_id}/attachments/1", "/ui/static/app.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] in ("no-referrer", "same-origin"), path


def test_a_mails_base_href_cannot_redirect_its_inline_images(client, api):
    email_id = _mail_with_image(api, '<base href="http://evil.example/"><p><img src="cid:c1"></p>')
    response = client.get(f"/ui/mails/{email_id}/body")
    assert "base-uri 'none'" in response.headers["content-security-policy"]
    sources = re.findall(r'<img src="([^"]+)"', response.text)
    assert len(sources) == 1 and sources[0].startswith("http://testserver/_emulator/mails/"), sources
    assert client.get(sources[0].removeprefix("http://testserver")).content == b"\x89PNG\r\n"


def test_openapi_documents_the_control_apis_real_4xx(client):
    paths = client.get("/openapi.json").json()["paths"]
    control = {(p, m): op for p, ops in paths.items() if p.startswith("/_emulator") for m, op in ops.items()}
    assert control
    for (path, method), operation in control.items():
        codes = set(operation["responses"])
        assert "422" not in codes, (path, method)
        if path != "/_emulator/health":
            assert "401" in codes, (path, method)
        if method != "get":
            assert "403" in codes, (path, method)
    assert "400" in control[("/_emulator/accounts", "post")]["responses"]
    assert "404" in control[("/_emulator/mails/{email_id}", "get")]["responses"]


def test_a_client_too_slow_with_its_headers_is_disconnected(tmp_path):
    env = {**os.environ, "SC_EMULATOR_WEBHOOK_PROBE": "false", "SC_EMULATOR_LOG_LEVEL": "warning",
           "SC_EMULATOR_HEADER_TIMEOUT": "1"}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([sys.executable, "-m", "sendcloud_emulator", "serve", "--port", str(port),
                                "--database", f"sqlite:///{tmp_path / 'emulator.db'}"], env=env)
    try:
        live.wait_ready(process, base)
        with socket.create_connection(("127.0.0.1", port), timeout=30) as slow, \
                socket.create_connection(("127.0.0.1", port), timeout=30) as silent:
            slow.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never ends its headers
            try:
                assert slow.recv(1024) == b""  # closed by the server, not by our 30 s timeout
                assert silent.recv(1024) == b""  # a connection that never sends anything too
            except ConnectionResetError:
                pass
        # a normal client, and a slow body after complete headers, are served
        assert httpx.get(f"{base}/_emulator/health", timeout=30).status_code == 200
    finally:
        live.stop(process)
