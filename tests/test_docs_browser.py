"""/docs (Swagger UI) and /redoc in Chromium with every request off the server refused: the API docs
work offline, show every operation, and "Try it out" sends an attachment."""

import json

import httpx
import pytest

from sendcloud_emulator.pytest_plugin import EmulatorServer
from tests.conftest import make_settings
from tests.test_ui_browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS, _need_browser

pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _need_browser()
    with EmulatorServer(make_settings(tmp_path_factory, lang="en")) as live:
        yield live


@pytest.fixture
def offline_page(server):
    """A tab whose requests to anywhere but the server are aborted and recorded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
        refused = []

        def only_the_server(route):
            if route.request.url.startswith(server.url):
                route.continue_()
            else:
                refused.append(route.request.url)
                route.abort()

        context.route("**/*", only_the_server)
        page = context.new_page()
        page.set_default_timeout(4 * WAIT_MS)  # Swagger UI renders 100+ operations: slow on a loaded machine
        yield page, refused
        browser.close()


def _operations(server) -> list[tuple[str, str]]:
    paths = httpx.get(f"{server.url}/openapi.json", timeout=30).json()["paths"]
    return [(path, method) for path, item in paths.items() for method in item]


def test_swagger_ui_renders_every_operation_without_the_internet(offline_page, server):
    page, refused = offline_page
    page.goto("/docs")
    page.wait_for_selector(".opblock")
    operations = _operations(server)
    assert page.locator(".opblock").count() == len(operations)
    for path in ("/apiv2/mail/send", "/apiv2/label/list", "/_emulator/health"):
        assert page.locator(f".opblock-summary-path[data-path='{path}']").count() >= 1
    assert refused == []


def test_try_it_out_sends_an_attachment(offline_page, server):
    page, refused = offline_page
    page.goto("/docs")
    page.wait_for_selector(".opblock")
    operation = page.locator(".opblock-post", has=page.locator("[data-path='/apiv2/mail/send']"))
    # (deep linking rewrites the URL fragment on click: that is no navigation to wait for)
    operation.locator(".opblock-summary").first.click(no_wait_after=True)
    operation.get_by_role("button", name="Try it out").click()
    # Typed fields, from the declarations: an integer, a boolean, a file part (binary), a required one.
    types = {name: operation.locator(f"tr[data-property-name='{name}'] .parameter__type").inner_text()
             for name in ("labelId", "respEmailId", "attachments", "from")}
    assert types["labelId"].startswith("integer") and types["respEmailId"].startswith("boolean"), types
    assert "binary" in types["attachments"] and types["from"].startswith("string"), types
    assert operation.locator("tr[data-property-name='from'] .parameter__name.required").count() == 1
    # The form starts with working values for the demo account; only the file is added.
    subject = f"Docs attachment {id(page)}"
    operation.locator("tr[data-property-name='subject'] input").fill(subject)
    operation.locator("tr[data-property-name='attachments'] input[type=file]").set_input_files(
        {"name": "invoice.txt", "mimeType": "text/plain", "buffer": b"total: 42\n"})
    operation.get_by_role("button", name="Execute").click()
    body = operation.locator(".live-responses-table .response-col_description pre").first
    body.wait_for()
    reply = json.loads(body.inner_text())
    assert reply["statusCode"] == 200, reply
    assert len(reply["info"]["emailIdList"]) == 2
    mails = httpx.get(f"{server.url}/_emulator/mails", params={"subject": subject}, timeout=30).json()
    found = [m for m in mails["items"] if m["subject"] == subject] if "items" in mails else mails
    assert found, mails
    email_id = reply["info"]["emailIdList"][0]
    mail = httpx.get(f"{server.url}/_emulator/mails/{email_id}", timeout=30).json()
    assert [a["filename"] for a in mail["attachments"]] == ["invoice.txt"]
    assert refused == []


def test_redoc_renders_the_operations_without_the_internet(offline_page):
    page, refused = offline_page
    page.goto("/redoc")
    page.locator("h2", has_text="Send one mail to to/cc/bcc").first.wait_for()
    assert page.locator("h2", has_text="List the account's labels").count() == 2  # its GET and its POST
    # ReDoc's bundle asks for its vendor logo (the sidebar's "API docs by Redocly" badge); nothing else
    assert all(url.endswith("/logo-mini.svg") for url in refused), refused
