"""bounce, unsubscribe and spamreported actions (api.md §2.14–§2.16) without sends."""


def test_unsubscribe_add_list_delete(api, other_api):
    assert api.code("unsubscribe/add") == 40011
    assert api.code("unsubscribe/add", email=" ") == 40011
    assert api.code("unsubscribe/add", email="nope") == 40012
    r = api.call("unsubscribe/add", email="Ann@QQ.com")
    # success is 200, never the documented-but-unused 40401
    assert r["statusCode"] == 200 and r["statusCode"] != 40401 and r["result"] is True
    entry = r["info"]["data"]
    assert entry["email"] == "Ann@QQ.com" and entry["domain"] == "qq.com"
    assert entry["labelId"] == 0 and entry["apiUser"] == api.api_user
    assert len(entry["unsubscribeTime"]) == 19
    # adding it again (any letter case) returns the existing entry
    again = api.call("unsubscribe/add", email="ann@qq.com", batch=True)["info"]["data"]
    assert again == entry
    api.call("unsubscribe/add", email="ben@example.com", batch=True)
    info = api.call("unsubscribe/list", days=1)["info"]
    assert info["total"] == 2 and info["count"] == 2
    assert [d["email"] for d in info["dataList"]] == ["ben@example.com", "Ann@QQ.com"]  # newest first
    assert info["dataList"][0]["apiUser"] == api.account["batchApiUser"]
    assert api.call("unsubscribe/list", days=1, apiUserList=api.api_user)["info"]["total"] == 1
    assert api.call("unsubscribe/list", days=1, labelIdList="0")["info"]["total"] == 2
    assert api.call("unsubscribe/list", days=1, labelIdList="5")["info"]["total"] == 0
    page = api.call("unsubscribe/list", days=1, start=1, limit=1)["info"]
    assert page["count"] == 1 and page["total"] == 2 and page["dataList"][0]["email"] == "Ann@QQ.com"
    assert api.call("unsubscribe/list", email="ANN@qq.com")["info"]["total"] == 1
    # another account sees nothing
    assert other_api.call("unsubscribe/list", days=1)["info"]["total"] == 0
    assert other_api.call("unsubscribe/delete", email="ann@qq.com")["info"] == {"count": 0}
    r = api.call("unsubscribe/delete", email="ann@qq.com")
    assert r["statusCode"] == 200 and r["statusCode"] != 40403 and r["info"] == {"count": 1}
    assert api.call("unsubscribe/delete", days=1)["info"] == {"count": 1}
    assert api.call("unsubscribe/list", days=1)["info"]["total"] == 0


def test_window_selects_by_entry_time(api):
    api.call("unsubscribe/add", email="old@example.com")
    assert api.call("unsubscribe/list", startDate="2020-01-01", endDate="2020-01-31")["info"]["total"] == 0
    assert api.call("unsubscribe/delete", startDate="2020-01-01", endDate="2020-01-31")["info"] == {"count": 0}
    assert api.call("unsubscribe/list", days=1)["info"]["total"] == 1


def test_bounce_and_spam_empty(api):
    assert api.call("bounce/list", days=1)["info"] == {"dataList": [], "count": 0, "total": 0}
    r = api.call("bounce/delete", email="gone@example.com")
    assert r["statusCode"] == 200 and r["statusCode"] != 40601 and r["info"] == {"count": 0}
    assert api.call("bounce/count", days=7)["info"] == {"count": 0}
    assert api.call("spamreported/list", days=1)["info"] == {"dataList": [], "count": 0, "total": 0}
