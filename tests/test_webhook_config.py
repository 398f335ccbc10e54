"""webhook/list, add, update, delete (api.md §2.18): parameter rules, uniqueness, the URL probe."""

import pytest
from fastapi.testclient import TestClient

from sendcloud_emulator.app import create_app

from .conftest import Api, make_settings, new_account
from .receiver import Receiver, closed_port_url

URL = "https://hooks.example.com/sendcloud"


def test_add_and_list(api):
    r = api.call("webhook/add", categoryName="all", event="deliver,INVALID;11,unknown", url=URL)
    assert r["statusCode"] == 200 and r["result"] is True
    data = r["info"]["data"]
    assert data["url"] == URL and data["categoryName"] == "all"
    assert data["event"] == "deliver,invalid,open"  # names, in the documented order, unknown items dropped
    assert len(data["gmtCreated"]) == 19
    api.call("webhook/add", categoryName=api.api_user, event="18", url=URL)
    info = api.call("webhook/list")["info"]
    assert info["count"] == 2 and info["total"] == 2
    assert [d["categoryName"] for d in info["dataList"]] == ["all", api.api_user]  # oldest first
    assert api.call("webhook/list", categoryName=api.api_user)["info"]["total"] == 1
    assert api.call("webhook/list", event="open")["info"]["dataList"][0]["categoryName"] == "all"
    assert api.call("webhook/list", event="request,open")["info"]["total"] == 2
    assert api.call("webhook/list", event="click")["info"]["total"] == 0
    assert api.call("webhook/list", url=URL + "/x")["info"]["total"] == 0


def test_add_codes(api):
    assert api.code("webhook/add", event="deliver", url=URL) == 40701
    assert api.code("webhook/add", categoryName=" ", event="deliver", url=URL) == 40701
    assert api.code("webhook/add", categoryName="someone_else", event="deliver", url=URL) == 40702
    assert api.code("webhook/add", categoryName="all", url=URL) == 40703
    assert api.code("webhook/add", categoryName="all", event="", url=URL) == 40703
    assert api.code("webhook/add", categoryName="all", event="route,99,xx", url=URL) == 40704
    assert api.code("webhook/add", categoryName="all", event="deliver") == 40705
    assert api.code("webhook/add", categoryName="all", event="deliver", url="") == 40705
    for bad in ("ftp://x.example.com/", "hooks.example.com/x", "http://", "https:///path",
                "http://a b.example.com/", "https://x.example.com/" + "a" * 240):
        assert api.code("webhook/add", categoryName="all", event="deliver", url=bad) == 40706, bad
    assert api.code("webhook/add", categoryName="all", event="deliver", url=URL) == 200
    assert api.code("webhook/add", categoryName="all", event="open", url=URL) == 40708
    # the same url under another categoryName is another configuration
    assert api.code("webhook/add", categoryName=api.api_user, event="open", url=URL) == 200


def test_category_of_another_account(api, other_api):
    assert api.code("webhook/add", categoryName=other_api.api_user, event="deliver", url=URL) == 40702
    assert api.code("webhook/add", categoryName=api.account["batchApiUser"], event="deliver", url=URL) == 200
    other_api.call("webhook/add", categoryName="all", event="deliver", url=URL + "/other")
    assert api.code("webhook/delete", categoryName="all", url=URL + "/other") == 40709
    assert all(d["url"] != URL + "/other" for d in api.call("webhook/list")["info"]["dataList"])


def test_update(api):
    api.call("webhook/add", categoryName="all", event="deliver", url=URL)
    api.call("webhook/add", categoryName="all", event="deliver", url=URL + "/2")
    assert api.code("webhook/update", url=URL, newEvent="open") == 40701
    assert api.code("webhook/update", categoryName="nobody_x", url=URL, newEvent="open") == 40702
    assert api.code("webhook/update", categoryName="all", newEvent="open") == 40705
    assert api.code("webhook/update", categoryName="all", url="nope", newEvent="open") == 40706
    assert api.code("webhook/update", categoryName="all", url=URL + "/9", newEvent="open") == 40709
    assert api.code("webhook/update", categoryName="all", url=URL, newCategoryName="") == 40701
    assert api.code("webhook/update", categoryName="all", url=URL, newCategoryName="nobody_x") == 40702
    assert api.code("webhook/update", categoryName="all", url=URL, newEvent="") == 40703
    assert api.code("webhook/update", categoryName="all", url=URL, newEvent="bogus") == 40704
    assert api.code("webhook/update", categoryName="all", url=URL, newUrl="") == 40705
    assert api.code("webhook/update", categoryName="all", url=URL, newUrl="mailto:x@y.com") == 40706
    assert api.code("webhook/update", categoryName="all", url=URL, newUrl=URL + "/2") == 40708
    assert api.code("webhook/update", categoryName="all", url=URL) == 40712
    r = api.call("webhook/update", categoryName="all", url=URL, newEvent="open,click", newUrl=URL + "/3")
    assert r["statusCode"] == 200 and r["info"] == {"count": 1}
    r = api.call("webhook/update", categoryName="all", url=URL + "/3", newCategoryName=api.api_user)
    assert r["statusCode"] == 200
    rows = api.call("webhook/list", url=URL + "/3")["info"]["dataList"]
    assert rows == [{"url": URL + "/3", "categoryName": api.api_user, "event": "click,open",
                     "gmtCreated": rows[0]["gmtCreated"]}]
    # moving onto an existing (categoryName, url) pair clashes
    api.call("webhook/add", categoryName="all", event="deliver", url=URL + "/3")
    assert api.code("webhook/update", categoryName=api.api_user, url=URL + "/3", newCategoryName="all") == 40708


def test_delete(api):
    api.call("webhook/add", categoryName="all", event="deliver,open,click", url=URL)
    assert api.code("webhook/delete", url=URL) == 40701
    assert api.code("webhook/delete", categoryName="all") == 40705
    assert api.code("webhook/delete", categoryName="all", url="x") == 40706
    assert api.code("webhook/delete", categoryName="all", url=URL + "/none") == 40709
    assert api.code("webhook/delete", categoryName="all", url=URL, event="") == 40703
    assert api.code("webhook/delete", categoryName="all", url=URL, event="nothing") == 40704
    r = api.call("webhook/delete", categoryName="all", url=URL, event="open")
    assert r["statusCode"] == 200 and r["info"] == {"count": 1}
    assert api.call("webhook/list")["info"]["dataList"][0]["event"] == "deliver,click"
    api.call("webhook/delete", categoryName="all", url=URL, event="deliver;click")
    assert api.call("webhook/list")["info"]["total"] == 0  # no event left: the configuration is gone
    api.call("webhook/add", categoryName="all", event="deliver", url=URL)
    assert api.code("webhook/delete", categoryName="all", url=URL) == 200
    assert api.code("webhook/delete", categoryName="all", url=URL) == 40709


def test_list_codes(api):
    assert api.code("webhook/list", url="") == 40705
    assert api.code("webhook/list", url="x") == 40706
    assert api.code("webhook/list", categoryName="") == 40701
    assert api.code("webhook/list", categoryName="nobody_x") == 40702
    assert api.code("webhook/list", event="") == 40703
    assert api.code("webhook/list", event="zzz") == 40704


def test_event_list_without_items_and_repeated_keys(api):
    """§1.6: a list holding no item gets the empty code; §1.3: repeated list keys are joined with `;`."""
    for blank in (",", ";", " , ; ", ",,"):
        assert api.code("webhook/add", categoryName="all", event=blank, url=URL) == 40703, blank
        assert api.code("webhook/list", event=blank) == 40703, blank
    response = api.client.post("/apiv2/webhook/add", data={**api.creds(), "categoryName": "all",
                                                           "event": ["open", "click"], "url": URL})
    assert response.json()["info"]["data"]["event"] == "click,open"
    assert api.code("webhook/update", categoryName="all", url=URL, newEvent=";") == 40703
    assert api.code("webhook/delete", categoryName="all", url=URL, event=" ;, ") == 40703
    # events the configuration does not hold: nothing changes (docs/decisions.md)
    assert api.call("webhook/delete", categoryName="all", url=URL, event="request")["info"] == {"count": 1}
    assert api.call("webhook/list")["info"]["dataList"][0]["event"] == "click,open"


@pytest.fixture(scope="module")
def probing_api(tmp_path_factory):
    settings = make_settings(tmp_path_factory, webhook_probe=True)
    with TestClient(create_app(settings)) as client:
        yield Api(client, new_account(client))


def test_probe(probing_api):
    api = probing_api
    with Receiver() as ok, Receiver(default=500) as failing, Receiver(delay=3.5) as slow:
        assert api.code("webhook/add", categoryName="all", event="deliver", url=ok.url) == 200
        probe = ok.requests[0]
        assert probe["headers"]["Content-Type"].startswith("application/json") and probe["body"] == b"{}"
        assert api.code("webhook/add", categoryName="all", event="deliver", url=failing.url) == 40707
        assert api.code("webhook/add", categoryName="all", event="deliver", url=closed_port_url()) == 40707
        assert api.code("webhook/add", categoryName="all", event="deliver", url=slow.url) == 40707
        # 40708 is checked before the probe
        assert api.code("webhook/add", categoryName="all", event="open", url=ok.url) == 40708
        # update probes a given newUrl only
        before = len(ok.requests)
        assert api.code("webhook/update", categoryName="all", url=ok.url, newEvent="open") == 200
        assert len(ok.requests) == before
        assert api.code("webhook/update", categoryName="all", url=ok.url, newUrl=failing.url) == 40707
        assert api.call("webhook/list")["info"]["dataList"][0]["url"] == ok.url
        assert api.code("webhook/update", categoryName="all", url=ok.url, newUrl=ok.url + "?v=2") == 200
