"""Contract audit of addresslist/addressmember/template (api.md §1.6, §2.2–§2.4): within-row check order,
the list's gmtUpdated following its members, uniqueness under parallel requests."""

from collections import Counter
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from sendcloud_emulator.app import create_app
from sendcloud_emulator.settings import Settings
from tests.conftest import Api
from tests.conftest import new_account as new_client_account
from tests.pg import BACKENDS, database
from tests.tasks import tasks_done
from tests.test_races import burst, new_account, post

VIP = "vip@maillist.sendcloud.org"
LONG = "a" * 37 + "@example.com"  # 49 characters, a valid address


@pytest.fixture
def vip(api):
    assert api.code("addresslist/add", address=VIP, name="VIP") == 200
    return VIP


# §1.6: within one row the invalid checks run in the order of the cell, each over every item -----------
@pytest.mark.parametrize("action", ["add", "get", "update", "delete"])
def test_members_too_long_is_checked_before_not_an_address(api, vip, action):
    assert api.code(f"addressmember/{action}", address=vip, members=f"not-an-address;{LONG}") == 40513


def test_new_members_too_long_is_checked_before_not_an_address(api, vip):
    assert api.code("addressmember/update", address=vip, members="a@x.com;b@x.com",
                    newMembers=f"not-an-address;{LONG}") == 40513


@pytest.mark.parametrize("action", ["add", "update"])
def test_vars_not_flat_is_checked_before_too_long(api, vip, action):
    long_value = '{"a":"%s"}' % ("x" * 1025)
    assert api.code(f"addressmember/{action}", address=vip, members="a@x.com;b@x.com",
                    vars=f"{long_value};[1]") == 40522


def test_list_filter_too_long_is_checked_before_not_an_address(api):
    assert api.code("addresslist/list", address=f"not-an-address;{LONG}") == 40504


# the list's gmtUpdated moves whenever its members (and memberCount) change ----------------------------
def _list(api, address):
    return api.call("addresslist/list", address=address)["info"]["dataList"][0]


def _advance(api, seconds: int) -> None:
    """Moves the account's clock on (control-api.md "Clock"); only this account's time changes."""
    response = api.client.put(f"/_emulator/accounts/{api.account['userName']}/clock", json={"advanceSeconds": seconds})
    assert response.status_code == 200, response.text


def _seconds_between(earlier: str, later: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


def test_member_update_and_delete_move_the_lists_gmt_updated(api, vip):
    frozen = api.client.put(f"/_emulator/accounts/{api.account['userName']}/clock", json={"frozen": True})
    assert frozen.status_code == 200, frozen.text
    assert api.call("addressmember/add", address=vip, members="a@x.com;b@x.com")["info"]["count"] == 2
    created = _list(api, vip)
    _advance(api, 60)
    assert api.call("addressmember/update", address=vip, members="a@x.com", names="Ann")["info"]["count"] == 1
    member = api.call("addressmember/get", address=vip, members="a@x.com")["info"]["dataList"][0]
    updated = _list(api, vip)
    assert updated["gmtUpdated"] == member["gmtUpdated"]
    assert _seconds_between(created["gmtUpdated"], updated["gmtUpdated"]) == 60
    _advance(api, 60)
    assert api.call("addressmember/delete", address=vip, members="b@x.com")["info"]["count"] == 1
    deleted = _list(api, vip)
    assert _seconds_between(updated["gmtUpdated"], deleted["gmtUpdated"]) == 60 and deleted["memberCount"] == 1
    # nothing changed → the list stays as it is
    assert api.call("addressmember/delete", address=vip, members="zz@x.com")["info"]["count"] == 0
    assert api.call("addressmember/update", address=vip, members="zz@x.com", names="Z")["info"]["count"] == 0
    assert _list(api, vip) == deleted


# uniqueness under parallel requests (§1.11 Atomicity) ---------------------------------------------
def test_parallel_adds_of_one_alias_in_any_case_give_exactly_one(live_server):
    account = new_account(live_server)
    creds = {"apiUser": account["apiUser"], "apiKey": account["apiKey"]}
    bodies = [{**creds, "address": VIP.upper() if i % 2 else VIP, "name": "VIP"} for i in range(20)]
    answers = burst(live_server, "/apiv2/addresslist/add", bodies)
    assert Counter(a["statusCode"] for a in answers) == {200: 1, 40505: 19}
    assert post(live_server, "/apiv2/addresslist/list", **creds)["info"]["total"] == 1


def test_parallel_adds_of_one_invoke_name_give_exactly_one(live_server):
    account = new_account(live_server)
    creds = {"apiUser": account["apiUser"], "apiKey": account["apiKey"]}
    body = {**creds, "invokeName": "same", "name": "n", "html": "<p>x</p>", "subject": "s", "templateType": "0"}
    answers = burst(live_server, "/apiv2/template/add", [body] * 20)
    assert Counter(a["statusCode"] for a in answers) == {200: 1, 40220: 19}
    assert post(live_server, "/apiv2/template/list", **creds)["info"]["total"] == 1


def test_parallel_adds_of_one_member_keep_one_row(live_server):
    account = new_account(live_server)
    creds = {"apiUser": account["apiUser"], "apiKey": account["apiKey"]}
    assert post(live_server, "/apiv2/addresslist/add", **creds, address=VIP, name="VIP")["statusCode"] == 200
    bodies = [{**creds, "address": VIP, "members": "Ben@x.com" if i % 2 else "ben@x.com", "names": f"n{i}"}
              for i in range(20)]
    answers = burst(live_server, "/apiv2/addressmember/add", bodies)
    assert Counter((a["statusCode"], a["info"].get("count")) for a in answers) == {(200, 1): 20}
    listed = post(live_server, "/apiv2/addresslist/list", **creds)["info"]["dataList"][0]
    assert listed["memberCount"] == 1


# member vars keep numbers as the JSON text sent (like xsmtpapi, docs/decisions.md) ---------------------
def test_member_vars_numbers_are_stored_and_rendered_as_sent(client, api, vip):
    assert api.code("template/add", invokeName="money", name="n", subject="s %a%", templateType="1",
                    html="<p>%a%|%b%|%c%|%d%</p>") == 200
    assert api.code("addressmember/add", address=vip, members="ben@x.com",
                    vars='{"a": 1.50, "b": 1e3, "c": 288, "d": -0.0}') == 200
    stored = api.call("addressmember/list", address=vip)["info"]["dataList"][0]["vars"]
    assert stored == '{"a":1.50,"b":1e3,"c":288,"d":-0.0}'
    sent = api.call("mail/sendtemplate", batch=True, **{"from": "shop@x.com"}, templateInvokeName="money",
                    useAddressList="true", to=vip)
    assert sent["statusCode"] == 40821
    task = sent["info"]["maillistTaskId"][0]
    tasks_done(client, sent)
    items = client.get("/_emulator/mails", params={"maillistTaskId": task}).json()["items"]
    mail = client.get(f"/_emulator/mails/{items[0]['emailId']}").json()
    assert mail["subject"] == "s 1.50" and mail["html"] == "<p>1.50|1e3|288|-0.0</p>"


# §2.3: renaming an alias keeps the members; tasks already created keep the old alias text ------------
def test_renamed_alias_keeps_members_and_tasks_keep_the_old_alias(client, api, vip):
    api.call("addressmember/add", address=vip, members="a@x.com;b@x.com")
    send = {"from": "shop@x.com", "useAddressList": "true", "subject": "s", "html": "h"}
    sent = api.call("mail/send", batch=True, **send, to=vip)
    (task,) = sent["info"]["maillistTaskId"]
    tasks_done(client, sent)
    renamed = "Club@Example.com"
    assert api.call("addresslist/update", address=vip.upper(), newAddress=renamed)["info"] == {"count": 1}
    listed = api.call("addresslist/list")["info"]["dataList"]
    assert [(x["address"], x["memberCount"]) for x in listed] == [(renamed, 2)]
    assert [m["address"] for m in api.call("addressmember/list", address="club@example.com")["info"]["dataList"]] == [
        renamed, renamed]
    assert api.call("mail/taskinfo", maillistTaskId=str(task))["info"]["data"]["addressList"] == vip
    assert api.code("mail/send", batch=True, **send, to=vip) == 40863
    answer = api.call("mail/send", batch=True, **send, to="club@example.com")
    (second,) = answer["info"]["maillistTaskId"]
    data = api.call("mail/taskinfo", maillistTaskId=str(second))["info"]["data"]
    assert data["addressList"] == renamed and data["memberCount"] == 2
    assert api.call("addresslist/delete", address=renamed)["info"] == {"count": 1}
    assert api.call("mail/taskinfo", maillistTaskId=str(task))["info"]["data"]["memberCount"] == 2
    assert api.code("addressmember/list", address=renamed) == 40517
    assert api.call("addresslist/add", address=renamed, name="again")["info"]["data"]["memberCount"] == 0
    assert api.call("addressmember/list", address=renamed)["info"]["total"] == 0


# NUL in identifiers never reaches the database (PostgreSQL rejects it in a query): codes, not 501/500 ---
@pytest.fixture(params=BACKENDS)
def backend_client(request, tmp_path):
    with database(request.param, tmp_path) as url:
        with TestClient(create_app(Settings(database_url=url, webhook_probe=False))) as client:
            yield client


def test_nul_in_template_and_list_identifiers_gets_codes(backend_client):
    client = backend_client
    account = new_client_account(client)
    api = Api(client, account)
    assert api.code("template/add", invokeName="t1", name="n", html="h", subject="s", templateType="1") == 200
    assert api.code("addresslist/add", address=VIP, name="v") == 200
    send = {"from": "f@x.com", "xsmtpapi": '{"to":["a@x.com"]}'}
    assert api.code("mail/sendtemplate", batch=True, **send, templateInvokeName="t\x001") == 40823
    assert api.code("mail/sendtemplate", batch=True, **send, templateInvokeName="t1", useAddressList="1",
                    to="v\x00@x.com") == 40862
    assert api.code("template/list", invokeName="t\x001") == 40202
    assert api.code("template/submit", invokeName="t\x001") == 40202
    assert api.code("addresslist/list", address="v\x00@x.com") == 40511
    assert api.code("addressmember/get", address=VIP, members="a\x00@x.com") == 40518
    review = client.post("/_emulator/templates/review",
                         json={"account": account["userName"], "invokeName": "t\x001", "approve": True})
    assert review.status_code == 404
