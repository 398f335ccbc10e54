"""The UI's server-sent events over real HTTP (a uvicorn process): what the list and mail pages are
pushed when mail arrives, changes or is deleted. The browser side is in test_ui_browser.py."""

import json
import time
import uuid

import httpx
import pytest

WAIT = 30.0


class Stream:
    """An event-stream client that, like the page, reconnects with its latest cursors after `bye`."""

    def __init__(self, base: str, path: str, params: dict):
        self.base, self.path, self.params = base, path, dict(params)
        self.http = httpx.Client(base_url=base, timeout=WAIT)
        self.response = None
        self.lines = None
        self.opened = 0

    def _open(self):
        self.close()
        self.response = self.http.send(self.http.build_request("GET", self.path, params=self.params), stream=True)
        assert self.response.status_code == 200, self.response.read()
        assert self.response.headers["content-type"].startswith("text/event-stream")
        self.lines = self.response.iter_lines()
        self.opened += 1

    def next(self) -> tuple[str, dict]:
        """The next event other than ready/bye (reconnecting after bye)."""
        if self.lines is None:
            self._open()
        deadline = time.monotonic() + WAIT
        event, data = None, None
        while time.monotonic() < deadline:
            try:
                line = next(self.lines)
            except StopIteration:
                self._open()
                continue
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and event:
                if event == "bye":
                    self._open()
                elif event != "ready":
                    return event, data
                event, data = None, None
        raise AssertionError("no event within the wait")

    def until(self, name: str, check) -> dict:
        """Events until one named `name` passes `check` (earlier ones may carry part of the change)."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            event, data = self.next()
            if event == name and check(data):
                return data
        raise AssertionError(f"no matching {name} event")

    def close(self):
        if self.response is not None:
            self.response.close()
            self.response = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        self.http.close()


@pytest.fixture
def live_account(live_server):
    with httpx.Client(base_url=live_server, timeout=WAIT) as http:
        response = http.post("/_emulator/accounts", json={"userName": f"sse_{uuid.uuid4().hex[:10]}"})
        assert response.status_code == 201, response.text
        account = response.json()

        def send(subject: str, to: str = "reader@example.com") -> str:
            reply = http.post("/apiv2/mail/send", data={
                "apiUser": account["apiUser"], "apiKey": account["apiKey"], "from": f"shop@{account['domain']}",
                "to": to, "subject": subject, "html": "<p>x</p>"}).json()
            assert reply["statusCode"] == 200, reply
            return reply["info"]["emailIdList"][0]

        yield account, send, http


def test_list_stream_pushes_new_changed_and_deleted_rows(live_server, live_account):
    account, send, http = live_account
    kept = send("Already there")
    kept_id = http.get("/_emulator/mails", params={"account": account["userName"]}).json()["items"][0]["emailId"]
    assert kept_id == kept
    page = http.get("/", params={"account": account["userName"]}).text
    after = page.split('data-after="')[1].split('"')[0]
    events = page.split('data-events="')[1].split('"')[0]
    with Stream(live_server, "/ui/mails/stream", {"account": account["userName"], "after": after,
                                                  "events": events}) as stream:
        new = send("Pushed to the page")
        data = stream.until("page", lambda d: len(d["order"]) == 2)
        assert data["total"] == 2 and data["fresh"] == [data["order"][0]] and int(after) not in data["fresh"]
        assert "Pushed to the page" in data["html"] and new in data["html"]
        assert "Already there" not in data["html"]  # rows the page has are not sent again
        # An event on a shown mail sends that row again, with its mark.
        assert http.post("/_emulator/events", json={"emailId": kept, "event": "open"}).status_code == 201
        data = stream.until("page", lambda d: 'data-mark="open"' in d["html"])
        assert kept in data["html"] and "Pushed to the page" not in data["html"]
        # A deletion (here by a script) leaves the order.
        assert http.delete(f"/_emulator/mails/{new}").status_code == 204
        data = stream.until("page", lambda d: len(d["order"]) == 1)
        assert data["total"] == 1 and data["html"] == ""
        assert http.delete("/_emulator/mails", params={"account": account["userName"]}).json() == {"deleted": 1}
        data = stream.until("page", lambda d: d["order"] == [])
        assert data["total"] == 0 and data["totalText"] in ("共 0 封", "0 mails")


def test_list_stream_follows_only_its_filter(live_server, live_account):
    account, send, http = live_account
    with Stream(live_server, "/ui/mails/stream", {"account": account["userName"], "to": "anna@example.com",
                                                  "after": 0, "events": 0}) as stream:
        send("For bert", to="bert@example.com")
        send("For anna", to="anna@example.com")
        data = stream.until("page", lambda d: d["total"] >= 1)
        assert "For anna" in data["html"] and "For bert" not in data["html"] and data["total"] == 1


def test_mail_stream_pushes_events_and_deletion(live_server, live_account):
    _account, send, http = live_account
    email_id = send("Followed")
    page = http.get(f"/ui/mails/{email_id}").text
    events = page.split('data-events="')[1].split('"')[0]
    attempts = page.split('data-attempts="')[1].split('"')[0]
    with Stream(live_server, f"/ui/mails/{email_id}/stream", {"events": events, "attempts": attempts}) as stream:
        assert http.post("/_emulator/events", json={"emailId": email_id, "event": "soft_bounce"}).status_code == 201
        data = stream.until("mail", lambda d: 'data-event="soft_bounce"' in d["timeline"])
        assert data["status"] == "soft_bounce" and int(data["events"]) > int(events)
        assert 'id="mail-deliveries-empty"' in data["deliveries"]
        assert http.delete(f"/_emulator/mails/{email_id}").status_code == 204
        assert stream.until("gone", lambda d: True) == {}


@pytest.mark.parametrize("query", ["labelId=abc", "status=nope", "after=x", "events=-1", "after=99999999999999999999",
                                   "account=nobody", "q=%25_%27", "labelId=99999999999999999999"])
def test_bad_stream_parameters_are_ignored_not_errors(live_server, query):
    with httpx.stream("GET", f"{live_server}/ui/mails/stream?{query}", timeout=WAIT) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        assert next(lines).startswith("retry: ")
        assert next(lines) == "event: ready"


def test_streams_of_unknown_mails_say_gone(live_server):
    with Stream(live_server, "/ui/mails/no-such-mail/stream", {}) as stream:
        assert stream.next() == ("gone", {})
