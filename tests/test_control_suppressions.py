"""/_emulator/accounts/{userName}/suppressions/{list}: read and empty an account's bounce,
unsubscribe and spam-report lists (the UI's remove buttons use these routes)."""


def send(api, *recipients: str) -> None:
    reply = api.call("mail/send", **{"from": f"shop@{api.account['domain']}", "subject": "s", "html": "<p>x</p>",
                                     "xsmtpapi": '{"to": [%s]}' % ",".join(f'"{r}"' for r in recipients)})
    assert reply["statusCode"] == 200, reply


def path(api, kind: str) -> str:
    return f"/_emulator/accounts/{api.account['userName']}/suppressions/{kind}"


def test_lists_show_what_the_events_put_there(client, api):
    send(api, "invalid@sim.sendcloud.test", "unsubscribe@sim.sendcloud.test", "spam@sim.sendcloud.test")
    bounces = client.get(path(api, "bounces")).json()
    assert bounces["total"] == 1
    entry = bounces["items"][0]
    assert entry["email"] == "invalid@sim.sendcloud.test" and entry["domain"] == "sim.sendcloud.test"
    assert entry["reason"] and entry["apiUser"] is None and "T" in entry["time"]
    unsubscribes = client.get(path(api, "unsubscribes")).json()["items"]
    assert [(u["email"], u["apiUser"], u["labelId"]) for u in unsubscribes] == \
        [("unsubscribe@sim.sendcloud.test", api.api_user, 0)]
    spam = client.get(path(api, "spamreports")).json()["items"]
    assert [s["email"] for s in spam] == ["spam@sim.sendcloud.test"]
    assert client.get(path(api, "bounces"), params={"email": "INVALID@sim.sendcloud.test"}).json()["total"] == 1
    assert client.get(path(api, "bounces"), params={"limit": 0}).json() == {"total": 1, "items": []}


def test_remove_one_address_and_then_all(client, api, other_api):
    for address in ("a@example.com", "b@example.com", "c@example.com"):
        assert api.call("unsubscribe/add", email=address)["statusCode"] == 200
    assert other_api.call("unsubscribe/add", email="a@example.com")["statusCode"] == 200
    response = client.delete(path(api, "unsubscribes"), params={"email": "B@example.com"})
    assert response.status_code == 200 and response.json() == {"deleted": 1}
    assert client.delete(path(api, "unsubscribes"), params={"email": "b@example.com"}).json() == {"deleted": 0}
    listed = api.call("unsubscribe/list", days=1)["info"]  # the SendCloud view agrees
    assert sorted(d["email"] for d in listed["dataList"]) == ["a@example.com", "c@example.com"]
    assert client.delete(path(api, "unsubscribes")).json() == {"deleted": 2}
    assert api.call("unsubscribe/list", days=1)["info"]["total"] == 0
    assert other_api.call("unsubscribe/list", days=1)["info"]["total"] == 1  # another account keeps its own


def test_a_removed_address_is_no_longer_suppressed(client, api):
    send(api, "invalid@sim.sendcloud.test")
    assert client.get(path(api, "bounces")).json()["total"] == 1
    # While listed, a send to it is invalid 401 (§4.1) …
    reply = api.call("mail/send", **{"from": f"shop@{api.account['domain']}", "to": "invalid@sim.sendcloud.test",
                                     "subject": "again", "html": "<p>x</p>"})
    second = reply["info"]["emailIdList"][0]
    assert client.get(f"/_emulator/mails/{second}").json()["subStat"] == 401
    # … and once removed, the next send runs its scripted outcome again (406).
    assert client.delete(path(api, "bounces"), params={"email": "invalid@sim.sendcloud.test"}).json() == {"deleted": 1}
    reply = api.call("mail/send", **{"from": f"shop@{api.account['domain']}", "to": "invalid@sim.sendcloud.test",
                                     "subject": "third", "html": "<p>x</p>"})
    third = reply["info"]["emailIdList"][0]
    assert client.get(f"/_emulator/mails/{third}").json()["subStat"] == 406


def test_bad_requests(client, api):
    assert client.get("/_emulator/accounts/no_such_account/suppressions/bounces").status_code == 404
    assert client.delete("/_emulator/accounts/no_such_account/suppressions/bounces").status_code == 404
    assert client.get(path(api, "blocklist")).status_code == 400
    assert client.delete(path(api, "blocklist")).status_code == 400
    assert client.delete(path(api, "bounces"), params={"email": " "}).status_code == 400
    assert client.get(path(api, "bounces"), params={"limit": 1001}).status_code == 400


def test_admin_token_guards_the_routes(guarded):
    assert guarded.get("/_emulator/accounts/demo/suppressions/bounces").status_code == 401
    assert guarded.delete("/_emulator/accounts/demo/suppressions/bounces").status_code == 401
    auth = {"Authorization": "Bearer s3cret"}
    assert guarded.get("/_emulator/accounts/demo/suppressions/bounces", headers=auth).json() == {"total": 0, "items": []}
    assert guarded.delete("/_emulator/accounts/demo/suppressions/bounces", headers=auth).json() == {"deleted": 0}
