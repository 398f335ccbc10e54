"""`source` on every stored mail (control-api.md "Sent mail", v1.md §7): the field, the filter, the UI.

Mails of the other doors are made by those doors' own tests; here a stored mail's door is set in the
store to check the control API and the UI read it, and an old database gets the column with "v2".
"""

import sqlite3

from fastapi.testclient import TestClient
from sqlmodel import select

from sendcloud_emulator.app import create_app
from sendcloud_emulator.domain.outbox import Mail

from .conftest import make_settings
from .test_mail_send import full, mails, send


def _set_source(client, email_id: str, source: str) -> None:
    with client.app.state.store.session(write=True) as session:
        mail = session.exec(select(Mail).where(Mail.email_id == email_id)).one()
        mail.source = source
        session.add(mail)


def test_v2_mails_are_v2_in_summary_and_full_view(api, client, account):
    email_id = send(api)["info"]["emailIdList"][0]
    [summary] = mails(client, account=account["userName"])
    assert summary["source"] == "v2"
    assert full(client, email_id)["source"] == "v2"


def test_source_filter_combines_with_the_others(api, client, account):
    user = account["userName"]
    first = send(api, to="one@example.com")["info"]["emailIdList"][0]
    second = send(api, to="two@example.com")["info"]["emailIdList"][0]
    third = send(api, to="three@example.com")["info"]["emailIdList"][0]
    _set_source(client, first, "v1")
    _set_source(client, third, "smtp")
    assert [m["emailId"] for m in mails(client, account=user, source="v1")] == [first]
    assert [m["emailId"] for m in mails(client, account=user, source="v2")] == [second]
    assert [m["emailId"] for m in mails(client, account=user, source="smtp")] == [third]
    assert mails(client, account=user, source="v1", to="two@example.com") == []
    assert [m["source"] for m in mails(client, account=user)] == ["smtp", "v2", "v1"]
    latest = client.get("/_emulator/mails/latest", params={"account": user, "source": "v2"})
    assert latest.status_code == 200 and latest.json()["emailId"] == second
    assert client.get("/_emulator/mails", params={"source": "v3"}).status_code == 400
    deleted = client.delete("/_emulator/mails", params={"account": user, "source": "v1"})
    assert deleted.json() == {"deleted": 1}
    assert [m["emailId"] for m in mails(client, account=user)] == [third, second]


def test_ui_badge_and_source_filter(api, client, account):
    user = account["userName"]
    v1 = send(api, subject="Came by v1")["info"]["emailIdList"][0]
    send(api, subject="Came by v2")
    _set_source(client, v1, "v1")
    page = client.get("/", params={"account": user}).text
    assert page.count('class="tag source s-v1"') == 1  # only the v1 mail carries a badge
    assert '<select name="source"' in page and '<option value="v1"' in page
    only_v1 = client.get("/", params={"account": user, "source": "v1"}).text
    assert "Came by v1" in only_v1 and "Came by v2" not in only_v1
    only_v2 = client.get("/", params={"account": user, "source": "v2"}).text
    assert "Came by v2" in only_v2 and "Came by v1" not in only_v2
    assert '<option value="v2" selected' in only_v2
    assert 'id="mail-source" class="tag source s-v1">v1<' in client.get(f"/ui/mails/{v1}").text
    assert client.get("/", params={"source": "bogus"}).status_code == 200  # ignored, like other bad filters


def test_a_database_from_before_the_column_gets_it_with_v2(tmp_path_factory):
    settings = make_settings(tmp_path_factory)
    with TestClient(create_app(settings)) as client:
        account = client.post("/_emulator/accounts", json={"userName": "old_db"}).json()
        reply = client.post("/apiv2/mail/send", data={"apiUser": account["apiUser"], "apiKey": account["apiKey"],
                                                      "from": "a@example.com", "to": "b@example.com",
                                                      "subject": "s", "html": "h"}).json()
        email_id = reply["info"]["emailIdList"][0]
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:  # what an older version left behind: no `source` column
        db.execute("DROP INDEX IF EXISTS ix_mail_source")
        db.execute("ALTER TABLE mail DROP COLUMN source")
        assert "source" not in [row[1] for row in db.execute("PRAGMA table_info(mail)")]
    with TestClient(create_app(settings)) as client:
        assert full(client, email_id)["source"] == "v2"
        assert [m["emailId"] for m in mails(client, source="v2")] == [email_id]
        reply = client.post("/apiv2/mail/send", data={"apiUser": account["apiUser"], "apiKey": account["apiKey"],
                                                      "from": "a@example.com", "to": "c@example.com",
                                                      "subject": "s", "html": "h"}).json()
        assert reply["statusCode"] == 200
        assert len(mails(client, source="v2")) == 2
    with sqlite3.connect(path) as db:
        assert "ix_mail_source" in [row[1] for row in db.execute("PRAGMA index_list(mail)")]
