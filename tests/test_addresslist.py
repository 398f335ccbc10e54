"""addresslist/* and addressmember/* (api.md §2.3, §2.4): codes, shapes, members and their vars."""

import json
import re

import pytest

from tests.conftest import Api, fault_rules, new_account

TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
VIP = "vip@maillist.sendcloud.org"
LONG_ALIAS = "a" * 37 + "@example.com"  # 49 characters, a valid address
MAX_ALIAS = "a" * 36 + "@example.com"  # 48 characters


def new_list(api: Api, address: str = VIP, **params) -> dict:
    response = api.call("addresslist/add", address=address, **{"name": "VIP", **params})
    assert response["statusCode"] == 200, response
    return response["info"]["data"]


def members(api: Api, address: str = VIP) -> list[dict]:
    response = api.call("addressmember/list", address=address)
    assert response["statusCode"] == 200, response
    return response["info"]["dataList"]


# addresslist shapes and behaviour ---------------------------------------------------------------
def test_add_shape_matches_the_example(api):
    response = api.call("addresslist/add", address=VIP, name="VIP", desc="top buyers")
    assert response["statusCode"] == 200 and response["result"] is True
    assert list(response["info"]) == ["data"]
    data = response["info"]["data"]
    assert TIME.fullmatch(data["gmtCreated"]) and data["gmtUpdated"] == data["gmtCreated"]
    assert data == {"address": VIP, "name": "VIP", "description": "top buyers", "memberCount": 0, "listType": 0,
                    "gmtCreated": data["gmtCreated"], "gmtUpdated": data["gmtCreated"]}


def test_list_shape_member_count_and_pagination(api):
    new_list(api, "a@maillist.sendcloud.org", listType="1")
    new_list(api, "b@maillist.sendcloud.org", listType="7")
    new_list(api, "c@maillist.sendcloud.org")
    api.call("addressmember/add", address="a@maillist.sendcloud.org", members="x@e.com;y@e.com")
    listed = api.call("addresslist/list")["info"]
    assert listed["count"] == 3 and listed["total"] == 3
    first = listed["dataList"][0]
    assert set(first) == {"address", "name", "description", "memberCount", "listType", "gmtCreated", "gmtUpdated"}
    assert [(r["address"][0], r["memberCount"], r["listType"], r["description"]) for r in listed["dataList"]] == [
        ("a", 2, 1, ""), ("b", 0, 0, ""), ("c", 0, 0, "")]
    api.call("addressmember/delete", address="a@maillist.sendcloud.org", members="x@e.com")
    assert api.call("addresslist/list")["info"]["dataList"][0]["memberCount"] == 1
    page = api.call("addresslist/list", start="1", limit="1")["info"]
    assert [r["address"] for r in page["dataList"]] == ["b@maillist.sendcloud.org"]
    assert page["count"] == 1 and page["total"] == 3
    assert api.call("addresslist/list", limit="0")["info"] == {"dataList": [], "count": 0, "total": 3}


def test_list_address_filter(api):
    new_list(api, "a@maillist.sendcloud.org")
    new_list(api, "b@maillist.sendcloud.org")
    found = api.call("addresslist/list", address="B@maillist.sendcloud.org; a@maillist.sendcloud.org;")["info"]
    assert [r["address"] for r in found["dataList"]] == ["a@maillist.sendcloud.org", "b@maillist.sendcloud.org"]
    none = api.call("addresslist/list", address="zz@maillist.sendcloud.org")["info"]
    assert none == {"dataList": [], "count": 0, "total": 0}


@pytest.mark.parametrize(("params", "code"), [
    ({"address": ""}, 40503), ({"address": ";"}, 40503), ({"address": LONG_ALIAS}, 40504),
    ({"address": "not-an-address"}, 40511), ({"address": f"{VIP};bad"}, 40511),
    ({"start": ""}, 40001), ({"start": "a"}, 40002), ({"limit": " "}, 40003), ({"limit": "500"}, 40004),
])
def test_list_codes(api, params, code):
    assert api.code("addresslist/list", **params) == code


@pytest.mark.parametrize(("params", "code"), [
    ({"address": None}, 40503), ({"address": " "}, 40503), ({"address": LONG_ALIAS}, 40504),
    ({"address": "vip"}, 40511), ({"address": "a@@b.com"}, 40511), ({"address": "a@b"}, 40511),
    ({"name": None}, 40501), ({"name": ""}, 40501), ({"name": "n" * 49}, 40502), ({"name": "a\nb"}, 40502),
    ({"desc": ""}, 40506), ({"desc": "d" * 251}, 40507), ({"desc": "a\x00b"}, 40507),
])
def test_add_codes(api, params, code):
    fields = {"address": VIP, "name": "VIP", **params}
    assert api.code("addresslist/add", **fields) == code
    assert api.call("addresslist/list")["info"]["total"] == 0


def test_add_limits_accepted(api):
    data = new_list(api, MAX_ALIAS, name="n" * 48, desc="d" * 250)
    assert data["address"] == MAX_ALIAS and data["description"] == "d" * 250


def test_duplicate_alias_is_case_insensitive(api, other_api):
    new_list(api)
    assert api.code("addresslist/add", address=VIP.upper(), name="x") == 40505
    assert api.call("addresslist/list")["info"]["total"] == 1
    new_list(other_api)  # aliases are unique per account only


def test_update_renames_and_keeps_members(api):
    new_list(api, desc="old")
    api.call("addressmember/add", address=VIP, members="ben@example.com")
    response = api.call("addresslist/update", address=VIP.upper(), newAddress="gold@maillist.sendcloud.org",
                        name="Gold", desc="new")
    assert response["statusCode"] == 200 and response["info"] == {"count": 1}
    row = api.call("addresslist/list")["info"]["dataList"][0]
    assert (row["address"], row["name"], row["description"], row["memberCount"]) == (
        "gold@maillist.sendcloud.org", "Gold", "new", 1)
    assert api.code("addressmember/list", address=VIP) == 40517
    assert [m["member"] for m in members(api, "gold@maillist.sendcloud.org")] == ["ben@example.com"]
    assert members(api, "gold@maillist.sendcloud.org")[0]["address"] == "gold@maillist.sendcloud.org"


def test_update_with_nothing_to_change_answers_count_1(api):
    new_list(api)
    assert api.call("addresslist/update", address=VIP)["info"] == {"count": 1}
    assert api.call("addresslist/update", address=VIP, newAddress=VIP.upper())["info"] == {"count": 1}
    assert api.call("addresslist/list")["info"]["dataList"][0]["address"] == VIP.upper()


@pytest.mark.parametrize(("params", "code"), [
    ({"address": None}, 40503), ({"address": ""}, 40503), ({"address": LONG_ALIAS}, 40504),
    ({"address": "x"}, 40511), ({"address": "nope@maillist.sendcloud.org"}, 40517),
    ({"newAddress": ""}, 40509), ({"newAddress": LONG_ALIAS}, 40510), ({"newAddress": "x@y"}, 40511),
    ({"newAddress": "other@maillist.sendcloud.org"}, 40505),
    ({"name": ""}, 40501), ({"name": "n" * 49}, 40502),
    ({"desc": " "}, 40506), ({"desc": "d" * 251}, 40507),
])
def test_update_codes(api, params, code):
    new_list(api, desc="keep")
    new_list(api, "other@maillist.sendcloud.org", name="Other")
    assert api.code("addresslist/update", **{"address": VIP, **params}) == code
    row = api.call("addresslist/list", address=VIP)["info"]["dataList"][0]
    assert (row["name"], row["description"]) == ("VIP", "keep")


def test_delete_removes_the_list_and_its_members(api):
    new_list(api)
    api.call("addressmember/add", address=VIP, members="a@e.com;b@e.com")
    response = api.call("addresslist/delete", address=VIP)
    assert response["statusCode"] == 200 and response["info"] == {"count": 1}
    assert api.call("addresslist/list")["info"]["total"] == 0
    assert api.code("addresslist/delete", address=VIP) == 40517
    new_list(api)
    assert members(api) == []


@pytest.mark.parametrize(("value", "code"), [
    (None, 40503), ("", 40503), (LONG_ALIAS, 40504), ("bad", 40511), ("nope@maillist.sendcloud.org", 40517)])
def test_delete_codes(api, value, code):
    new_list(api)
    assert api.code("addresslist/delete", address=value) == code
    assert api.call("addresslist/list")["info"]["total"] == 1


def test_another_accounts_list_is_absent(api, other_api):
    new_list(other_api)
    other_api.call("addressmember/add", address=VIP, members="secret@example.com")
    assert api.code("addresslist/update", address=VIP, name="x") == 40517
    assert api.code("addresslist/delete", address=VIP) == 40517
    for action, extra in (("list", {}), ("get", {"members": "secret@example.com"}),
                          ("add", {"members": "me@example.com"}), ("update", {"members": "secret@example.com"}),
                          ("delete", {"members": "secret@example.com"})):
        assert api.code(f"addressmember/{action}", address=VIP, **extra) == 40517
    assert api.call("addresslist/list")["info"]["total"] == 0
    assert api.call("addresslist/list", address=VIP)["info"]["total"] == 0
    assert [m["member"] for m in members(other_api)] == ["secret@example.com"]
    assert other_api.call("addresslist/list")["info"]["dataList"][0]["name"] == "VIP"


# addressmember ------------------------------------------------------------------------------------
def test_member_add_list_shape_matches_the_example(api):
    new_list(api)
    response = api.call("addressmember/add", address=VIP, members="ben@example.com;amy@example.com",
                        names="Ben", vars='{"money":"99"};{"%money%":"5","vip":true,"n":1.5,"z":null}')
    assert response["statusCode"] == 200 and response["info"] == {"count": 2}
    listed = api.call("addressmember/list", address=VIP)["info"]
    assert listed["count"] == 2 and listed["total"] == 2
    ben, amy = listed["dataList"]
    assert TIME.fullmatch(ben["gmtCreated"]) and ben["gmtUpdated"] == ben["gmtCreated"]
    assert ben == {"address": VIP, "member": "ben@example.com", "name": "Ben", "vars": '{"money":"99"}',
                   "gmtCreated": ben["gmtCreated"], "gmtUpdated": ben["gmtCreated"]}
    assert amy["name"] == "" and json.loads(amy["vars"]) == {"money": "5", "vip": True, "n": 1.5, "z": None}


def test_member_without_vars_has_empty_vars(api):
    new_list(api)
    api.call("addressmember/add", address=VIP, members="a@e.com")
    assert members(api)[0]["vars"] == "" and members(api)[0]["name"] == ""


def test_semicolon_inside_a_json_string_does_not_split(api):
    new_list(api)
    response = api.call("addressmember/add", address=VIP, members="a@e.com;b@e.com",
                        vars='{"note":"x;y"} ; {"k":"a\\";b"}')
    assert response["statusCode"] == 200, response
    assert [json.loads(m["vars"]) for m in members(api)] == [{"note": "x;y"}, {"k": 'a";b'}]


def test_names_are_positional(api):
    new_list(api)
    api.call("addressmember/add", address=VIP, members="a@e.com;b@e.com;c@e.com", names=";Bee; ;Dee;Extra")
    assert [m["name"] for m in members(api)] == ["", "Bee", ""]


def test_adding_an_existing_member_replaces_it(api):
    new_list(api)
    api.call("addressmember/add", address=VIP, members="a@e.com", names="A", vars='{"v":"1"}')
    response = api.call("addressmember/add", address=VIP, members="A@E.com;b@e.com;b@e.com",
                        names="A2;B1;B2", vars='{"v":"2"};{"v":"b1"};{"v":"b2"}')
    assert response["info"] == {"count": 2}
    got = members(api)
    assert [(m["member"].lower(), m["name"], json.loads(m["vars"])) for m in got] == [
        ("a@e.com", "A2", {"v": "2"}), ("b@e.com", "B2", {"v": "b2"})]


def test_member_list_pagination(api):
    new_list(api)
    api.call("addressmember/add", address=VIP, members=";".join(f"m{i}@e.com" for i in range(5)))
    page = api.call("addressmember/list", address=VIP, start="2", limit="2")["info"]
    assert [m["member"] for m in page["dataList"]] == ["m2@e.com", "m3@e.com"]
    assert page["count"] == 2 and page["total"] == 5


def test_member_get_returns_only_found(api):
    new_list(api)
    api.call("addressmember/add", address=VIP, members="a@e.com;b@e.com;c@e.com")
    found = api.call("addressmember/get", address=VIP, members="C@e.com;zz@e.com;a@e.com")["info"]
    assert [m["member"] for m in found["dataList"]] == ["a@e.com", "c@e.com"]
    assert found["count"] == 2 and found["total"] == 2
    assert set(found["dataList"][0]) == {"address", "member", "name", "vars", "gmtCreated", "gmtUpdated"}


def test_member_update(api):
    new_list(api)
    api.call("addressmember/add", address=VIP, members="a@e.com;b@e.com;c@e.com", names="A;B;C",
             vars='{"v":1};{"v":2};{"v":3}')
    response = api.call("addressmember/update", address=VIP, members="a@e.com;b@e.com;nope@e.com",
                        newMembers="a2@e.com;c@e.com;n2@e.com", names="A2;B2;N2",
                        vars='{"v":10};{"v":20};{"v":30}')
    # a renamed; b's rename onto c (already in the list) is skipped; nope is unknown
    assert response["statusCode"] == 200 and response["info"] == {"count": 1}
    got = {m["member"]: (m["name"], json.loads(m["vars"])) for m in members(api)}
    assert got == {"a2@e.com": ("A2", {"v": 10}), "b@e.com": ("B", {"v": 2}), "c@e.com": ("C", {"v": 3})}
    # without newMembers, names and vars are replaced; absent ones stay
    assert api.call("addressmember/update", address=VIP, members="b@e.com", names="Bee")["info"] == {"count": 1}
    assert api.call("addressmember/get", address=VIP, members="b@e.com")["info"]["dataList"][0]["vars"] == '{"v":2}'
    assert api.call("addressmember/update", address=VIP, members="c@e.com", vars='{"w":"x"}')["info"] == {"count": 1}
    got = {m["member"]: (m["name"], m["vars"]) for m in members(api)}
    assert got["b@e.com"] == ("Bee", '{"v":2}') and got["c@e.com"] == ("C", '{"w":"x"}')


def test_member_delete(api):
    new_list(api)
    api.call("addressmember/add", address=VIP, members="a@e.com;b@e.com;c@e.com")
    response = api.call("addressmember/delete", address=VIP, members="A@e.com;a@e.com;zz@e.com;c@e.com")
    assert response["statusCode"] == 200 and response["info"] == {"count": 2}
    assert [m["member"] for m in members(api)] == ["b@e.com"]


def test_1000_members_in_one_call(api):
    new_list(api)
    many = ";".join(f"m{i}@e.com" for i in range(1000))
    assert api.call("addressmember/add", address=VIP, members=many)["info"] == {"count": 1000}
    assert api.call("addresslist/list")["info"]["dataList"][0]["memberCount"] == 1000
    assert api.call("addressmember/get", address=VIP, members=many)["info"]["total"] == 1000
    assert api.call("addressmember/delete", address=VIP, members=many)["info"] == {"count": 1000}


# addressmember codes ----------------------------------------------------------------------------
LONG_MEMBER = "m" * 38 + "@example.com"  # 50 characters
THOUSAND_AND_ONE = ";".join(f"m{i}@e.com" for i in range(1001))


@pytest.mark.parametrize("action", ["list", "get", "add", "update", "delete"])
@pytest.mark.parametrize(("value", "code"), [
    (None, 40503), ("", 40503), (LONG_ALIAS, 40504), ("x@", 40511), ("nope@maillist.sendcloud.org", 40517)])
def test_member_address_codes(api, action, value, code):
    new_list(api)
    assert api.code(f"addressmember/{action}", address=value, members="a@e.com") == code


@pytest.mark.parametrize("action", ["get", "add", "update", "delete"])
@pytest.mark.parametrize(("value", "code"), [
    (None, 40512), ("", 40512), (" ", 40512), (";", 40514), (" ; ;", 40514), (THOUSAND_AND_ONE, 40515),
    (LONG_MEMBER, 40513), (f"ok@e.com;{LONG_MEMBER}", 40513), ("not-an-address", 40518),
    ("ok@e.com;a b@e.com", 40518),
])
def test_members_codes(api, action, value, code):
    new_list(api)
    api.call("addressmember/add", address=VIP, members="ok@e.com", names="Keep")
    assert api.code(f"addressmember/{action}", address=VIP, members=value) == code
    assert [(m["member"], m["name"]) for m in members(api)] == [("ok@e.com", "Keep")]


@pytest.mark.parametrize("action", ["add", "update"])
@pytest.mark.parametrize(("value", "code"), [
    ("", 40520), ("  ", 40520), (";", 40520),
    ('{"a":"1"}', 40521), ('{"a":"1"};{"a":"2"};{"a":"3"}', 40521),
    ("not json", 40522), ('{"a":1};[1]', 40522), ('{"a":{"b":1}};{"a":1}', 40522), ('{"a":[1]};{}', 40522),
    ('"x";{}', 40522), ('{"a":1} {"b":2}', 40522), ('{"a":1', 40522), ('{"a":NaN};{}', 40522),
    ('{"a":1};{"b":"' + "v" * 1025 + '"}', 40531),
])
def test_vars_codes(api, action, value, code):
    new_list(api)
    api.call("addressmember/add", address=VIP, members="a@e.com;b@e.com", vars='{"k":"1"};{"k":"2"}')
    assert api.code(f"addressmember/{action}", address=VIP, members="a@e.com;b@e.com", vars=value) == code
    assert [m["vars"] for m in members(api)] == ['{"k":"1"}', '{"k":"2"}']


def test_vars_value_of_1024_chars_is_accepted(api):
    new_list(api)
    assert api.code("addressmember/add", address=VIP, members="a@e.com", vars=json.dumps({"v": "x" * 1024})) == 200


@pytest.mark.parametrize(("value", "code"), [
    ("a2@e.com", 40521), ("a2@e.com;b2@e.com;c2@e.com", 40521), (";", 40521),
    (f"a2@e.com;{LONG_MEMBER}", 40513), ("a2@e.com;bad", 40518),
])
def test_new_members_codes(api, value, code):
    new_list(api)
    api.call("addressmember/add", address=VIP, members="a@e.com;b@e.com")
    assert api.code("addressmember/update", address=VIP, members="a@e.com;b@e.com", newMembers=value) == code
    assert [m["member"] for m in members(api)] == ["a@e.com", "b@e.com"]


def test_blank_new_members_and_names_count_as_absent(api):
    new_list(api)
    api.call("addressmember/add", address=VIP, members="a@e.com", names="A")
    assert api.call("addressmember/update", address=VIP, members="a@e.com", newMembers="", names="")["info"] == {
        "count": 1}
    assert [(m["member"], m["name"]) for m in members(api)] == [("a@e.com", "A")]


# bad input never breaks the emulator --------------------------------------------------------------
def test_two_megabyte_vars_get_codes(api):
    new_list(api)
    huge_value = json.dumps({"v": "x" * (2 * 1024 * 1024)})
    assert api.code("addressmember/add", address=VIP, members="a@e.com", vars=huge_value) == 40531
    assert api.code("addressmember/add", address=VIP, members="a@e.com", vars="{" * (2 * 1024 * 1024)) == 40522
    assert api.code("addressmember/add", address=VIP, members="a@e.com", vars="[" * 100000) == 40522
    assert api.code("addressmember/add", address=VIP, members="a@e.com",
                    vars='{"a":' + "9" * 5000 + "}") in (40522, 40531)
    assert members(api) == []


def test_members_with_binary_junk_get_codes(api):
    new_list(api)
    assert api.code("addressmember/add", address=VIP, members="\x00@e.com") == 40518
    assert api.code("addressmember/add", address=VIP, members="a@e.com", names="A\x00\r\nB") == 200
    assert members(api)[0]["name"] == "AB"
    assert api.code("addresslist/add", address="\x00x@e.com", name="n") == 40511


# fault-only codes -------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "code", "params"), [
    ("addresslist/add", 40508, {"address": "f@maillist.sendcloud.org", "name": "F"}),
    ("addressmember/add", 40516, {"address": VIP, "members": "a@e.com"}),
    ("addressmember/delete", 40519, {"address": VIP, "members": "a@e.com"}),
])
def test_fault_only_codes_through_fault_rules(client, api, path, code, params):
    new_list(api)
    module, action = path.split("/")
    rule = {"module": module, "action": action, "apiUser": api.api_user, "statusCode": code, "count": 1}
    with fault_rules(client, rule):
        response = api.call(path, **params)
        assert response["statusCode"] == code and response["result"] is False and response["info"] == {}
        assert api.call(path, **params)["statusCode"] == 200  # count 1: the rule fired once


# configuration survives a traffic reset; account deletion removes everything ----------------------
def test_reset_of_traffic_keeps_lists_members_and_templates(client, api):
    new_list(api)
    api.call("addressmember/add", address=VIP, members="a@e.com", vars='{"v":"1"}')
    api.call("template/add", invokeName="t", name="n", html="h", subject="s", templateType="0")
    assert client.post(f"/_emulator/reset?account={api.account['userName']}").status_code == 204
    assert [m["vars"] for m in members(api)] == ['{"v":"1"}']
    assert api.call("template/list")["info"]["total"] == 1


def test_deleting_the_account_removes_lists_members_and_templates(client, api):
    new_list(api)
    api.call("addressmember/add", address=VIP, members="a@e.com;b@e.com")
    api.call("template/add", invokeName="t", name="n", html="h", subject="s", templateType="0")
    assert client.delete(f"/_emulator/accounts/{api.account['userName']}").status_code == 204
    again = Api(client, new_account(client, userName=api.account["userName"], apiUser=api.api_user,
                                     apiKey=api.api_key))
    assert again.call("addresslist/list")["info"]["total"] == 0
    assert again.code("addressmember/list", address=VIP) == 40517
    assert again.call("template/list")["info"]["total"] == 0
