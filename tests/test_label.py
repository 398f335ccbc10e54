"""label/list, get, add, update, delete (api.md §2.5, §1.7)."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from .conftest import fault_rules

TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
BAD_IDS = ["abc", "0", "00", "-1", "+1", "1.5", "1e3", "2147483648", "99999999999999999999", "１", "0x10", "1 2"]


def assert_recent(text: str) -> None:
    """A `yyyy-MM-dd HH:mm:ss` time in Asia/Shanghai (the default zone), close to now."""
    assert TIME.fullmatch(text), text
    moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert abs(datetime.now(ZoneInfo("UTC")) - moment) < timedelta(minutes=2)


def add(api, name: str) -> dict:
    r = api.call("label/add", labelName=name)
    assert r["statusCode"] == 200, r
    return r["info"]["data"]


def names(api, **params) -> list[str]:
    r = api.call("label/list", **params)
    assert r["statusCode"] == 200, r
    return [row["labelName"] for row in r["info"]["dataList"]]


# success shapes ------------------------------------------------------------------------------------
def test_add_answers_the_new_label(api):
    r = api.call("label/add", labelName="spring-promo")
    assert r["result"] is True and r["statusCode"] == 200 and r["message"] == "请求成功"
    assert list(r["info"]) == ["data"]
    data = r["info"]["data"]
    assert list(data) == ["labelId", "labelName", "gmtCreated", "gmtUpdated"]
    assert isinstance(data["labelId"], int) and data["labelId"] >= 1
    assert data["labelName"] == "spring-promo"
    assert_recent(data["gmtCreated"])
    assert data["gmtUpdated"] == data["gmtCreated"]


def test_get_answers_the_same_data_as_add(api):
    data = add(api, "getme")
    r = api.call("label/get", labelId=str(data["labelId"]))
    assert r["statusCode"] == 200 and r["result"] is True
    assert r["info"] == {"data": data}
    # GET works as well as POST, and whitespace around the id is ignored
    assert api.call("label/get", method="GET", labelId=f" {data['labelId']} ")["info"] == {"data": data}


def test_list_shape_order_and_totals(api):
    created = [add(api, n) for n in ("one", "two", "three")]
    r = api.call("label/list")
    assert r["statusCode"] == 200
    assert list(r["info"]) == ["dataList", "count", "total"]
    assert r["info"]["dataList"] == created  # oldest first, same fields as get
    assert r["info"]["count"] == 3 and r["info"]["total"] == 3
    for row in r["info"]["dataList"]:
        assert list(row) == ["labelId", "labelName", "gmtCreated", "gmtUpdated"]


def test_empty_list(api):
    r = api.call("label/list")
    assert r["info"] == {"dataList": [], "count": 0, "total": 0}


def test_list_pagination(api):
    for i in range(7):
        add(api, f"page{i}")
    r = api.call("label/list", start="2", limit="3")["info"]
    assert [x["labelName"] for x in r["dataList"]] == ["page2", "page3", "page4"]
    assert r["count"] == 3 and r["total"] == 7
    r = api.call("label/list", start="5", limit="100")["info"]
    assert [x["labelName"] for x in r["dataList"]] == ["page5", "page6"] and r["count"] == 2 and r["total"] == 7
    r = api.call("label/list", limit="0")["info"]
    assert r == {"dataList": [], "count": 0, "total": 7}
    r = api.call("label/list", start="7")["info"]
    assert r == {"dataList": [], "count": 0, "total": 7}
    r = api.call("label/list", start="2147483647", limit="100")["info"]
    assert r == {"dataList": [], "count": 0, "total": 7}
    r = api.call("label/list", start="006", limit="001")["info"]  # leading zeros are allowed
    assert [x["labelName"] for x in r["dataList"]] == ["page6"]
    r = api.call("label/list", start=" 1 ", limit=" 1 ")["info"]  # surrounding whitespace is ignored
    assert [x["labelName"] for x in r["dataList"]] == ["page1"]


def test_default_limit_is_100(api):
    for i in range(101):
        api.call("label/add", labelName=f"many{i:03d}")
    r = api.call("label/list")["info"]
    assert r["count"] == 100 and r["total"] == 101 and len(r["dataList"]) == 100
    assert r["dataList"][-1]["labelName"] == "many099"
    assert api.call("label/list", limit="100")["info"]["count"] == 100


def test_list_query_is_a_case_insensitive_substring(api):
    for n in ("Spring-Promo", "autumn promo", "SPRINGFIELD", "winter", "促销活动", "ÄRGER"):
        add(api, n)
    assert names(api, query="spring") == ["Spring-Promo", "SPRINGFIELD"]
    assert names(api, query="PROMO") == ["Spring-Promo", "autumn promo"]
    assert names(api, query="促销") == ["促销活动"]
    assert names(api, query="ärger") == ["ÄRGER"]
    assert names(api, query="ÄRGER") == ["ÄRGER"]
    assert names(api, query="nomatch") == []
    assert names(api, query="%") == []  # no LIKE wildcards
    assert names(api, query="_") == []
    r = api.call("label/list", query="o", start="1", limit="1")["info"]
    assert [x["labelName"] for x in r["dataList"]] == ["autumn promo"] and r["count"] == 1 and r["total"] == 2


def test_list_query_of_255_characters_is_accepted(api):
    add(api, "q" * 255)
    assert names(api, query="q" * 255) == ["q" * 255]


def test_update_renames(api):
    data = add(api, "before")
    r = api.call("label/update", labelId=str(data["labelId"]), labelName="after")
    assert r == {"result": True, "statusCode": 200, "message": "请求成功", "info": {"count": 1}}
    got = api.call("label/get", labelId=str(data["labelId"]))["info"]["data"]
    assert got["labelName"] == "after" and got["labelId"] == data["labelId"]
    assert got["gmtCreated"] == data["gmtCreated"]
    assert_recent(got["gmtUpdated"]) and got["gmtUpdated"] >= got["gmtCreated"]
    # the old name is free again, and renaming to its own name is fine
    assert api.code("label/add", labelName="before") == 200
    assert api.code("label/update", labelId=str(data["labelId"]), labelName="after") == 200


def test_delete(api):
    data = add(api, "doomed")
    keep = add(api, "kept")
    r = api.call("label/delete", labelId=str(data["labelId"]))
    assert r == {"result": True, "statusCode": 200, "message": "请求成功", "info": {"count": 1}}
    assert api.code("label/get", labelId=str(data["labelId"])) == 40106
    assert api.code("label/delete", labelId=str(data["labelId"])) == 40106
    assert api.code("label/update", labelId=str(data["labelId"]), labelName="x") == 40106
    assert api.call("label/list")["info"]["dataList"] == [keep]
    again = add(api, "doomed")  # ids are never reused
    assert again["labelId"] > keep["labelId"] > data["labelId"]


def test_success_is_200_not_the_legacy_success_codes(api):
    # 40100 / 40107 / 40109 are never emitted: add, delete and update answer 200
    data = add(api, "legacy")
    assert api.code("label/update", labelId=str(data["labelId"]), labelName="legacy2") not in (40109,)
    assert api.code("label/delete", labelId=str(data["labelId"])) not in (40107,)
    assert api.code("label/add", labelName="legacy3") not in (40100,)
    assert {api.code("label/add", labelName="legacy4"), api.code("label/add", labelName="legacy5")} == {200}


def test_label_ids_come_from_one_emulator_wide_sequence(api, other_api):
    a = add(api, "same-name")
    b = add(other_api, "same-name")  # names are unique per account only
    c = add(api, "next")
    assert a["labelId"] < b["labelId"] < c["labelId"]


def test_names_are_stored_exactly_as_sent(api):
    for n in ("  padded  ", "标签名称", "emoji 🎉 label", "tab\there", "a" * 255, "名" * 255, "'quoted\" <b>"):
        data = add(api, n)
        assert data["labelName"] == n
        assert api.call("label/get", labelId=str(data["labelId"]))["info"]["data"]["labelName"] == n


# codes ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("action", ["get", "update", "delete"])
def test_label_id_missing_or_blank_is_40102(api, action):
    extra = {"labelName": "n"} if action == "update" else {}
    assert api.code(f"label/{action}", **extra) == 40102
    assert api.code(f"label/{action}", labelId="", **extra) == 40102
    assert api.code(f"label/{action}", labelId="  ", **extra) == 40102
    r = api.call(f"label/{action}", labelId="", **extra)
    assert r == {"result": False, "statusCode": 40102, "message": "标签ID不能为空", "info": {}}


@pytest.mark.parametrize("action", ["get", "update", "delete"])
@pytest.mark.parametrize("bad", BAD_IDS)
def test_label_id_not_an_id_is_40103(api, action, bad):
    extra = {"labelName": "n"} if action == "update" else {}
    r = api.call(f"label/{action}", labelId=bad, **extra)
    assert r == {"result": False, "statusCode": 40103, "message": "标签ID非法", "info": {}}


@pytest.mark.parametrize("action", ["get", "update", "delete"])
def test_unknown_label_id_is_40106(api, action):
    extra = {"labelName": "n"} if action == "update" else {}
    for unknown in ("2147483647", "999999999"):
        r = api.call(f"label/{action}", labelId=unknown, **extra)
        assert r == {"result": False, "statusCode": 40106, "message": "标签ID对应的标签不存在", "info": {}}


@pytest.mark.parametrize("action", ["add", "update"])
def test_label_name_missing_or_blank_is_40104(api, action):
    extra = {"labelId": str(add(api, "exists")["labelId"])} if action == "update" else {}
    assert api.code(f"label/{action}", **extra) == 40104
    assert api.code(f"label/{action}", labelName="", **extra) == 40104
    r = api.call(f"label/{action}", labelName=" \t ", **extra)
    assert r == {"result": False, "statusCode": 40104, "message": "标签名称不能为空", "info": {}}


@pytest.mark.parametrize("action", ["add", "update"])
@pytest.mark.parametrize("bad", ["x" * 256, "名" * 256, "line\nbreak", "carriage\rreturn", "nul\x00byte", "\r\nx"])
def test_label_name_invalid_is_40105(api, action, bad):
    extra = {"labelId": str(add(api, "exists")["labelId"])} if action == "update" else {}
    r = api.call(f"label/{action}", labelName=bad, **extra)
    assert r == {"result": False, "statusCode": 40105, "message": "标签名称的长度应该为1-255个字符", "info": {}}


def test_label_name_taken_is_40113(api):
    first = add(api, "taken")
    second = add(api, "other")
    r = api.call("label/add", labelName="taken")
    assert r == {"result": False, "statusCode": 40113, "message": "标签名称已经存在", "info": {}}
    assert api.code("label/update", labelId=str(second["labelId"]), labelName="taken") == 40113
    assert names(api) == ["taken", "other"]  # nothing changed
    assert api.call("label/get", labelId=str(first["labelId"]))["info"]["data"] == first


def test_label_names_differing_in_case_are_distinct(api):
    add(api, "Case")
    assert api.code("label/add", labelName="case") == 200


def test_query_blank_is_40111(api):
    for blank in ("", "   "):
        r = api.call("label/list", query=blank)
        assert r == {"result": False, "statusCode": 40111, "message": "query不能为空", "info": {}}


@pytest.mark.parametrize("bad", ["q" * 256, "a\nb", "a\rb", "a\x00b"])
def test_query_invalid_is_40112(api, bad):
    assert api.call("label/list", query=bad)["statusCode"] == 40112


# pagination codes (§1.7) ------------------------------------------------------------------------------
def test_start_blank_is_40001(api):
    for blank in ("", "  "):
        r = api.call("label/list", start=blank)
        assert r == {"result": False, "statusCode": 40001, "message": "start不能为空", "info": {}}


@pytest.mark.parametrize("bad", ["-1", "a", "1.5", "2147483648", "+3", "1e2", "٣"])
def test_start_invalid_is_40002(api, bad):
    r = api.call("label/list", start=bad)
    assert r == {"result": False, "statusCode": 40002, "message": "start非法", "info": {}}


def test_limit_blank_is_40003(api):
    for blank in ("", " "):
        r = api.call("label/list", limit=blank)
        assert r == {"result": False, "statusCode": 40003, "message": "limit不能为空", "info": {}}


@pytest.mark.parametrize("bad", ["101", "-1", "x", "2147483648", "100.0", "1000"])
def test_limit_invalid_is_40004(api, bad):
    r = api.call("label/list", limit=bad)
    assert r == {"result": False, "statusCode": 40004, "message": "limit非法", "info": {}}


# validation order (§1.6) ------------------------------------------------------------------------------
def test_list_checks_query_then_start_then_limit(api):
    assert api.code("label/list", query="", start="", limit="") == 40111
    assert api.code("label/list", query="x" * 256, start="-1", limit="x") == 40112
    assert api.code("label/list", start="", limit="") == 40001
    assert api.code("label/list", start="-1", limit="") == 40002
    assert api.code("label/list", start="0", limit="") == 40003


def test_update_checks_label_id_fully_before_label_name(api):
    own = add(api, "own")
    add(api, "busy")
    assert api.code("label/update") == 40102
    assert api.code("label/update", labelId="x", labelName="") == 40103
    assert api.code("label/update", labelId="2147483647", labelName="") == 40106
    assert api.code("label/update", labelId=str(own["labelId"]), labelName="") == 40104
    assert api.code("label/update", labelId=str(own["labelId"]), labelName="a\nb") == 40105
    assert api.code("label/update", labelId=str(own["labelId"]), labelName="busy") == 40113


def test_add_checks_name_before_uniqueness(api):
    add(api, "x" * 255)
    assert api.code("label/add", labelName="x" * 256) == 40105


# fault-only codes (control-api.md Faults) ----------------------------------------------------------
@pytest.mark.parametrize("action,code", [("add", 40101), ("delete", 40108), ("update", 40110)])
def test_fault_only_label_codes_come_from_fault_rules(api, action, code):
    label = add(api, f"fault-{action}")
    rule = {"module": "label", "action": action, "apiUser": api.api_user, "statusCode": code, "count": 1}
    with fault_rules(api.client, rule):
        params = {"labelName": "fresh", "labelId": str(label["labelId"])}
        r = api.call(f"label/{action}", **params)
        assert r["statusCode"] == code and r["result"] is False and r["info"] == {}
        # the rule fired once; the same request now succeeds
        assert api.code(f"label/{action}", **params) == 200


# English ------------------------------------------------------------------------------------------------
def test_english_messages_for_label_codes(en_api):
    assert en_api.call("label/get", labelId="x")["message"] == "invalid label ID"
    assert en_api.call("label/get", labelId="123456789")["message"] == "the label corresponding to label ID does not exist"
    en_api.call("label/add", labelName="dup")
    assert en_api.call("label/add", labelName="dup")["message"] == "label name already exists"
    assert en_api.call("label/list", start="")["message"] == "start cannot be empty"
