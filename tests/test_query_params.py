"""Filter parameters of the statistics, query and suppression actions (api.md §1.7, §1.8, §2.9)."""

import pytest

WINDOWED = ["statday/list", "stathour/list", "invalidstat/list", "data/emailStatus", "bounce/list",
            "bounce/delete", "bounce/count", "unsubscribe/list", "unsubscribe/delete", "spamreported/list",
            "openandclick/list"]


@pytest.mark.parametrize("path", WINDOWED)
def test_window_required(api, path):
    assert api.code(path) == 40006


@pytest.mark.parametrize("path", WINDOWED)
@pytest.mark.parametrize("days", ["", " ", "0", "-1", "abc", "1.5", "93", "2147483648"])
def test_bad_days(api, path, days):
    assert api.code(path, days=days) == 40006


@pytest.mark.parametrize("path", WINDOWED)
def test_days_ok(api, path):
    days = 30 if path == "data/emailStatus" else 92
    assert api.code(path, days=days) == 200
    assert api.code(path, days=" 1 ") == 200


def test_email_status_days_limit(api):
    assert api.code("data/emailStatus", days=31) == 40006
    assert api.code("data/emailStatus", days=30) == 200


@pytest.mark.parametrize("path", WINDOWED)
def test_start_date_rules(api, path):
    assert api.code(path, endDate="2026-01-01") == 40007
    assert api.code(path, startDate="", endDate="2026-01-01") == 40007
    assert api.code(path, startDate="2026-02-30", endDate="2026-03-01") == 40007
    assert api.code(path, startDate="2026-1-01", endDate="2026-03-01") == 40007
    assert api.code(path, startDate="2026-01-01") == 40008
    assert api.code(path, startDate="2026-01-01", endDate="") == 40008
    assert api.code(path, startDate="2026-01-01", endDate="2026-13-01") == 40008
    assert api.code(path, startDate="2026-01-02", endDate="2026-01-01") == 40008
    assert api.code(path, startDate="2026-01-01", endDate="2026-01-01") == 200


@pytest.mark.parametrize("path", ["statday/list", "stathour/list", "invalidstat/list", "bounce/list",
                                  "bounce/count", "unsubscribe/list", "spamreported/list", "openandclick/list"])
def test_window_length(api, path):
    assert api.code(path, startDate="2026-01-01", endDate="2026-04-02") == 200  # 92 days inclusive
    assert api.code(path, startDate="2026-01-01", endDate="2026-04-03") == 40008


def test_email_status_window_length(api):
    assert api.code("data/emailStatus", startDate="2026-01-01", endDate="2026-01-30") == 200
    assert api.code("data/emailStatus", startDate="2026-01-01", endDate="2026-01-31") == 40008


def test_days_wins_over_dates(api):
    # startDate/endDate are neither used nor validated when days is given
    assert api.code("statday/list", days=1, startDate="bad", endDate="worse") == 200


@pytest.mark.parametrize("path", ["bounce/list", "bounce/delete", "unsubscribe/list", "unsubscribe/delete",
                                  "spamreported/list", "openandclick/list", "data/emailStatus"])
def test_email_param(api, path):
    assert api.code(path, email="") == 40011
    assert api.code(path, email="not-an-address") == 40012
    assert api.code(path, email="a@b") == 40012
    assert api.code(path, email="ann@example.com") == 200


@pytest.mark.parametrize("path", ["bounce/list", "bounce/delete", "unsubscribe/list", "unsubscribe/delete",
                                  "spamreported/list", "openandclick/list"])
def test_email_ignores_window(api, path):
    assert api.code(path, email="ann@example.com", days="abc", startDate="x") == 200


def test_email_status_validates_window_with_email(api):
    assert api.code("data/emailStatus", email="ann@example.com", days="abc") == 40006
    assert api.code("data/emailStatus", email="ann@example.com", startDate="2026-01-01") == 40008


@pytest.mark.parametrize("path", ["statday/list", "stathour/list", "invalidstat/list", "unsubscribe/list",
                                  "data/emailStatus", "openandclick/list"])
def test_api_user_list(api, path):
    assert api.code(path, days=1, apiUserList="") == 40010
    assert api.code(path, days=1, apiUserList=";") == 40010
    assert api.code(path, days=1, apiUserList="a" * 65) == 40016
    assert api.code(path, days=1, apiUserList="ok;bad name") == 40016
    assert api.code(path, days=1, apiUserList="bad!") == 40016
    assert api.code(path, days=1, apiUserList="nobody_here;x.y@z-w") == 200


@pytest.mark.parametrize("path", ["statday/list", "stathour/list", "invalidstat/list", "unsubscribe/list"])
def test_label_id_list(api, path):
    assert api.code(path, days=1, labelIdList="") == 40009
    assert api.code(path, days=1, labelIdList=" ; ") == 40009
    assert api.code(path, days=1, labelIdList="1;x") == 40015
    assert api.code(path, days=1, labelIdList="-1") == 40015
    assert api.code(path, days=1, labelIdList="0;12") == 200


@pytest.mark.parametrize("path", ["data/emailStatus", "openandclick/list"])
def test_label_id_filter(api, path):
    assert api.code(path, days=1, labelId="") == 40014
    assert api.code(path, days=1, labelId="abc") == 40015
    assert api.code(path, days=1, labelId="-3") == 40015
    assert api.code(path, days=1, labelId="0") == 200


@pytest.mark.parametrize("path", ["statday/list", "invalidstat/list"])
def test_domain_list_and_aggregate(api, path):
    assert api.code(path, days=1, domainList="") == 40013
    assert api.code(path, days=1, domainList=";;") == 40013
    assert api.code(path, days=1, domainList="nowhere.example") == 200
    assert api.code(path, days=1, aggregate="") == 40017
    assert api.code(path, days=1, aggregate="2") == 40017
    assert api.code(path, days=1, aggregate="yes") == 40017
    assert api.code(path, days=1, aggregate="True") == 200


@pytest.mark.parametrize("path", ["bounce/list", "unsubscribe/list", "spamreported/list", "openandclick/list",
                                  "data/emailStatus"])
def test_paging(api, path):
    assert api.code(path, days=1, start="") == 40001
    assert api.code(path, days=1, start="-1") == 40002
    assert api.code(path, days=1, limit="") == 40003
    assert api.code(path, days=1, limit="101") == 40004
    assert api.code(path, days=1, start="0", limit="0") == 200


def test_validation_order_window_before_filters(api):
    # one fault per request: the first failing row answers
    assert api.code("statday/list", days="x", apiUserList="") == 40006
    assert api.code("statday/list", days=1, apiUserList="", labelIdList="") == 40010
    assert api.code("statday/list", days=1, labelIdList="", domainList="") == 40009
    assert api.code("statday/list", days=1, domainList="", aggregate="9") == 40013
    assert api.code("data/emailStatus", email="bad", labelId="") == 40012
    assert api.code("data/emailStatus", labelId="", days="x") == 40014


def test_empty_shapes(api):
    info = api.call("data/emailStatus", days=1)["info"]
    assert info == {"total": "0", "voListSize": 0, "voList": []}
    info = api.call("statday/list", days=1)["info"]
    assert info == {"dataList": [], "count": 0, "total": 0}
    info = api.call("statday/list", days=1, aggregate=1)["info"]
    assert info["count"] == 1 and info["total"] == 1
    assert info["dataList"]["requestNum"] == "0" and info["dataList"]["uniqueOpenNum"] == "0"
    assert info["dataList"]["deliveredPercent"] == 0
    info = api.call("invalidstat/list", days=1, aggregate=1)["info"]
    assert info["dataList"]["recipientNotFound"] == 0 and info["count"] == 1
    assert api.call("bounce/count", days=1)["info"] == {"count": 0}
