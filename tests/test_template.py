"""template/* (api.md §2.2) and /_emulator/templates/review: codes, shapes, the state machine."""

import re

import pytest

from tests.conftest import Api, fault_rules, new_account

TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
BASE = {"name": "Order shipped", "html": "<p>Hi %name%, order %order% is on its way.</p>",
        "subject": "Your order %order% has shipped", "templateType": "0"}


def add(api: Api, invoke_name: str = "order_shipped", **overrides) -> dict:
    return api.call("template/add", invokeName=invoke_name, **{**BASE, **overrides})


def stat(api: Api, invoke_name: str = "order_shipped") -> int:
    response = api.call("template/get", invokeName=invoke_name)
    assert response["statusCode"] == 200, response
    return response["info"]["data"]["templateStat"]


def review(client, api: Api, approve: bool, invoke_name: str = "order_shipped"):
    return client.post("/_emulator/templates/review",
                       json={"account": api.account["userName"], "invokeName": invoke_name, "approve": approve})


@pytest.fixture
def manual(client) -> Api:
    return Api(client, new_account(client, templateReview="manual"))


# shapes -----------------------------------------------------------------------------------------
def test_add_get_list_shapes_match_the_examples(api):
    response = add(api)
    assert response["statusCode"] == 200 and response["result"] is True
    data = response["info"]["data"]
    assert list(response["info"]) == ["data"]
    assert TIME.fullmatch(data.pop("gmtCreated"))
    assert data == {"name": "Order shipped", "invokeName": "order_shipped", "templateType": 0, "templateStat": 1,
                    "gmtUpdated": "", "subject": "Your order %order% has shipped",
                    "html": "<p>Hi %name%, order %order% is on its way.</p>", "text": "", "contentSummary": ""}

    got = api.call("template/get", invokeName="order_shipped")["info"]
    assert list(got) == ["data"]
    assert got["data"] == {**data, "gmtCreated": got["data"]["gmtCreated"]}
    assert TIME.fullmatch(got["data"]["gmtCreated"])

    listed = api.call("template/list")["info"]
    assert listed["count"] == 1 and listed["total"] == 1
    row = listed["dataList"][0]
    assert set(row) == {"name", "invokeName", "templateType", "templateStat", "gmtCreated", "gmtUpdated"}
    assert row == {"name": "Order shipped", "invokeName": "order_shipped", "templateType": 0, "templateStat": 1,
                   "gmtCreated": got["data"]["gmtCreated"], "gmtUpdated": ""}


def test_text_and_content_summary_are_stored_as_sent(api):
    add(api, text=" plain %name% ", contentSummary="摘要 summary", templateType="1")
    data = api.call("template/get", invokeName="order_shipped")["info"]["data"]
    assert data["text"] == " plain %name% "
    assert data["contentSummary"] == "摘要 summary"
    assert data["templateType"] == 1


def test_blank_content_summary_counts_as_absent(api):
    assert add(api, contentSummary="  ")["statusCode"] == 200
    assert api.call("template/get", invokeName="order_shipped")["info"]["data"]["contentSummary"] == ""


def test_update_changes_fields_and_sets_gmt_updated(api):
    add(api)
    response = api.call("template/update", invokeName="order_shipped", name="New", html="<b>x</b>", text="x",
                        subject="S2", templateType="1", contentSummary="sum")
    assert response["statusCode"] == 200 and response["info"] == {"count": 1}
    data = api.call("template/get", invokeName="order_shipped")["info"]["data"]
    assert (data["name"], data["html"], data["text"], data["subject"], data["templateType"],
            data["contentSummary"]) == ("New", "<b>x</b>", "x", "S2", 1, "sum")
    assert TIME.fullmatch(data["gmtUpdated"])


def test_update_without_fields_keeps_them(api):
    add(api, text="keep")
    assert api.call("template/update", invokeName="order_shipped")["info"] == {"count": 1}
    data = api.call("template/get", invokeName="order_shipped")["info"]["data"]
    assert data["text"] == "keep" and data["name"] == "Order shipped"


def test_delete_removes(api):
    add(api)
    response = api.call("template/delete", invokeName="order_shipped")
    assert response["statusCode"] == 200 and response["info"] == {"count": 1}
    assert api.code("template/get", invokeName="order_shipped") == 40216
    assert api.call("template/list")["info"]["total"] == 0


def test_get_with_get_method_and_case_insensitive_route(api):
    add(api)
    assert api.call("Template/Get", method="GET", invokeName="order_shipped")["statusCode"] == 200


def test_invoke_name_allowed_characters(api):
    assert add(api, "a.B-9_z")["statusCode"] == 200
    assert add(api, "x" * 250)["statusCode"] == 200
    assert add(api, "  padded  ")["statusCode"] == 200
    assert api.call("template/get", invokeName="padded")["info"]["data"]["invokeName"] == "padded"


def test_invoke_name_is_unique_per_account_only(api, other_api):
    add(api)
    assert add(other_api)["statusCode"] == 200


# list filters and pagination --------------------------------------------------------------------
def test_list_filters_and_pagination(api, manual):
    add(api, "t1")
    add(api, "t2", templateType="1")
    add(api, "t3", isSubmitAudit="0")
    names = lambda r: [x["invokeName"] for x in r["info"]["dataList"]]  # noqa: E731
    assert names(api.call("template/list")) == ["t1", "t2", "t3"]
    assert names(api.call("template/list", invokeName="t2")) == ["t2"]
    assert names(api.call("template/list", invokeName="T2")) == []
    assert names(api.call("template/list", templateType="1")) == ["t2"]
    assert names(api.call("template/list", templateType="0")) == ["t1", "t3"]
    assert names(api.call("template/list", templateStat="-2")) == ["t3"]
    assert names(api.call("template/list", templateStat="1")) == ["t1", "t2"]
    assert names(api.call("template/list", templateStat="1", templateType="0")) == ["t1"]
    page = api.call("template/list", start="1", limit="1")["info"]
    assert page["dataList"][0]["invokeName"] == "t2" and page["count"] == 1 and page["total"] == 3
    empty = api.call("template/list", limit="0")["info"]
    assert empty == {"dataList": [], "count": 0, "total": 3}
    assert api.call("template/list", start="5")["info"] == {"dataList": [], "count": 0, "total": 3}
    add(manual, "p", isSubmitAudit="1")
    add(manual, "r")
    review(manual.client, manual, False, "r")
    assert names(manual.call("template/list", templateStat="0")) == ["p"]
    assert names(manual.call("template/list", templateStat="-1")) == ["r"]


@pytest.mark.parametrize(("params", "code"), [
    ({"start": ""}, 40001), ({"start": "-1"}, 40002), ({"start": "x"}, 40002),
    ({"limit": ""}, 40003), ({"limit": "101"}, 40004), ({"limit": "1.5"}, 40004),
    ({"invokeName": ""}, 40201), ({"invokeName": "a b"}, 40202),
    ({"templateType": ""}, 40203), ({"templateType": "2"}, 40204),
    ({"templateStat": " "}, 40205), ({"templateStat": "2"}, 40206), ({"templateStat": "+1"}, 40206),
    ({"templateStat": "-3"}, 40206), ({"templateStat": "x"}, 40206),
])
def test_list_parameter_codes(api, params, code):
    assert api.code("template/list", **params) == code


# parameter codes --------------------------------------------------------------------------------
@pytest.mark.parametrize(("params", "code"), [
    ({"invokeName": None}, 40201), ({"invokeName": ""}, 40201), ({"invokeName": "  "}, 40201),
    ({"invokeName": "a b"}, 40202), ({"invokeName": "a/b"}, 40202), ({"invokeName": "x" * 251}, 40202),
    ({"invokeName": "名字"}, 40202),
    ({"name": None}, 40207), ({"name": ""}, 40207), ({"name": "a\nb"}, 40208), ({"name": "n" * 251}, 40208),
    ({"html": None}, 40211), ({"html": " "}, 40211), ({"html": "a\x00b"}, 40212),
    ({"text": ""}, 40213), ({"text": "a\x00"}, 40214),
    ({"subject": None}, 40209), ({"subject": ""}, 40209), ({"subject": "a\rb"}, 40210),
    ({"subject": "s" * 256}, 40210),
    ({"templateType": None}, 40203), ({"templateType": ""}, 40203), ({"templateType": "2"}, 40204),
    ({"templateType": "-1"}, 40204), ({"templateType": "a"}, 40204),
    ({"contentSummary": "好" * 67}, 40878),
    ({"isSubmitAudit": ""}, 40221), ({"isSubmitAudit": "yes"}, 40222), ({"isSubmitAudit": "2"}, 40222),
])
def test_add_parameter_codes(api, params, code):
    fields = {"invokeName": "t", **BASE, **params}
    assert api.code("template/add", **fields) == code
    assert api.call("template/list")["info"]["total"] == 0


def test_add_limits_accepted(api):
    assert add(api, name="n" * 250, subject="s" * 255, contentSummary="好" * 66 + "ab",
               isSubmitAudit="True")["statusCode"] == 200


@pytest.mark.parametrize(("params", "code"), [
    ({"invokeName": None}, 40201), ({"invokeName": ""}, 40201), ({"invokeName": "a b"}, 40202),
    ({"invokeName": "nope"}, 40216),
    ({"name": ""}, 40207), ({"name": "a\nb"}, 40208),
    ({"html": ""}, 40211), ({"html": "\x00"}, 40212),
    ({"text": " "}, 40213), ({"text": "\x00"}, 40214),
    ({"subject": ""}, 40209), ({"subject": "s" * 256}, 40210),
    ({"templateType": ""}, 40203), ({"templateType": "3"}, 40204),
    ({"contentSummary": "x" * 201}, 40878),
    ({"isSubmitAudit": " "}, 40221), ({"isSubmitAudit": "no"}, 40222),
])
def test_update_parameter_codes(api, params, code):
    add(api, "t")
    fields = {"invokeName": "t", **params}
    assert api.code("template/update", **fields) == code
    data = api.call("template/get", invokeName="t")["info"]["data"]
    assert data["gmtUpdated"] == "" and data["name"] == BASE["name"]


@pytest.mark.parametrize("action", ["get", "delete", "submit"])
@pytest.mark.parametrize(("value", "code"), [(None, 40201), ("", 40201), ("a&b", 40202), ("nope", 40216)])
def test_invoke_name_codes_of_get_delete_submit(api, action, value, code):
    add(api, "t")
    assert api.code(f"template/{action}", invokeName=value) == code


@pytest.mark.parametrize(("cancel", "code"), [("", 40224), ("2", 40225), ("maybe", 40225)])
def test_submit_cancel_codes(api, cancel, code):
    add(api, "t", isSubmitAudit="0")
    assert api.code("template/submit", invokeName="t", cancel=cancel) == code
    assert stat(api, "t") == -2


def test_duplicate_invoke_name(api):
    add(api)
    assert add(api, name="other")["statusCode"] == 40220
    assert api.call("template/get", invokeName="order_shipped")["info"]["data"]["name"] == "Order shipped"
    assert add(api, "Order_Shipped")["statusCode"] == 200  # invokeName is case-sensitive


def test_cap_of_50_templates(api):
    for i in range(50):
        assert add(api, f"t{i}")["statusCode"] == 200
    assert add(api, "t50")["statusCode"] == 40219
    assert add(api, "t0")["statusCode"] == 40220  # the invokeName row comes before the final check
    assert api.call("template/list")["info"]["total"] == 50
    api.call("template/delete", invokeName="t3")
    assert add(api, "t50")["statusCode"] == 200


# isolation --------------------------------------------------------------------------------------
def test_another_accounts_template_is_absent(api, other_api):
    add(other_api, "theirs")
    for action in ("get", "update", "delete", "submit"):
        assert api.code(f"template/{action}", invokeName="theirs") == 40216
    assert api.call("template/list")["info"]["total"] == 0
    assert api.call("template/list", invokeName="theirs")["info"]["dataList"] == []
    data = other_api.call("template/get", invokeName="theirs")["info"]["data"]
    assert data["name"] == BASE["name"] and data["templateStat"] == 1


# the state machine ------------------------------------------------------------------------------
def _to(client, api: Api, target: int, invoke_name: str = "order_shipped") -> None:
    """Bring a template of a manual-review account to `target`."""
    add(api, invoke_name, isSubmitAudit="0")
    if target == -2:
        return
    assert api.code("template/submit", invokeName=invoke_name) == 200
    if target == 0:
        return
    assert review(client, api, target == 1, invoke_name).status_code == 200


@pytest.mark.parametrize(("start", "audit", "expected"), [
    (-2, "1", 0), (-2, "0", -2), (-1, "1", 0), (-1, "0", -2), (1, "1", 0), (1, "0", -2),
])
def test_update_edges_manual(client, manual, start, audit, expected):
    _to(client, manual, start)
    assert stat(manual) == start
    assert manual.code("template/update", invokeName="order_shipped", isSubmitAudit=audit) == 200
    assert stat(manual) == expected


@pytest.mark.parametrize(("start", "audit", "expected"), [
    (-2, "1", 1), (-2, "0", -2), (-1, "1", 1), (-1, "0", -2), (1, "1", 1), (1, "0", -2),
])
def test_update_edges_auto(client, api, manual, start, audit, expected):
    # reach the start state under manual review, then switch the account to auto
    _to(client, manual, start)
    client.patch(f"/_emulator/accounts/{manual.account['userName']}", json={"templateReview": "auto"})
    assert manual.code("template/update", invokeName="order_shipped", isSubmitAudit=audit) == 200
    assert stat(manual) == expected


def test_update_default_is_submit_audit_is_1(client, api, manual):
    add(api, isSubmitAudit="0")
    api.call("template/update", invokeName="order_shipped", name="x")
    assert stat(api) == 1
    _to(client, manual, -2)
    manual.call("template/update", invokeName="order_shipped", name="x")
    assert stat(manual) == 0


@pytest.mark.parametrize("audit", ["0", "1"])
def test_update_while_pending_is_40223(client, manual, audit):
    _to(client, manual, 0)
    assert manual.code("template/update", invokeName="order_shipped", name="x", isSubmitAudit=audit) == 40223
    data = manual.call("template/get", invokeName="order_shipped")["info"]["data"]
    assert data["name"] == BASE["name"] and data["templateStat"] == 0


def test_update_while_pending_is_40223_before_field_codes(client, manual):
    _to(client, manual, 0)
    assert manual.code("template/update", invokeName="order_shipped", name="") == 40223


@pytest.mark.parametrize(("audit", "auto_stat", "manual_stat"), [("1", 1, 0), ("0", -2, -2), (None, 1, 0)])
def test_add_edges(api, manual, audit, auto_stat, manual_stat):
    assert add(api, isSubmitAudit=audit)["info"]["data"]["templateStat"] == auto_stat
    assert add(manual, isSubmitAudit=audit)["info"]["data"]["templateStat"] == manual_stat
    assert stat(api) == auto_stat and stat(manual) == manual_stat


def _submit_and_check(manual, start: int, cancel: str, expected: int) -> None:
    """template/submit from templateStat `start`: `expected` is the new templateStat (200) or the error
    code (the stat stays `start`)."""
    code = manual.code("template/submit", invokeName="order_shipped", cancel=cancel)
    if expected in (-2, -1, 0, 1):
        assert code == 200
        assert stat(manual) == expected
    else:
        assert code == expected
        assert stat(manual) == start


@pytest.mark.parametrize(("start", "cancel", "expected"), [
    (-2, "0", 0), (-2, "1", 40229),
    (-1, "0", 0), (-1, "1", 40228),
    (0, "0", 40226), (0, "1", -2),
    (1, "0", 40227), (1, "1", 40229),
])
def test_submit_edges_manual(client, manual, start, cancel, expected):
    _to(client, manual, start)
    _submit_and_check(manual, start, cancel, expected)


@pytest.mark.parametrize(("start", "cancel", "expected"), [
    (-2, "0", 1), (-2, "1", 40229),
    (-1, "0", 1), (-1, "1", 40228),
    (0, "0", 40226), (0, "1", -2),
    (1, "0", 40227), (1, "1", 40229),
])
def test_submit_edges_auto(client, manual, start, cancel, expected):
    _to(client, manual, start)
    client.patch(f"/_emulator/accounts/{manual.account['userName']}", json={"templateReview": "auto"})
    _submit_and_check(manual, start, cancel, expected)


def test_submit_default_cancel_is_0_and_answers_count(api):
    add(api, isSubmitAudit="0")
    response = api.call("template/submit", invokeName="order_shipped")
    assert response["statusCode"] == 200 and response["info"] == {"count": 1}
    assert stat(api) == 1
    assert api.code("template/submit", invokeName="order_shipped", cancel="false") == 40227


def test_gmt_updated_after_submit_and_review(client, manual):
    add(manual, "a", isSubmitAudit="0")
    add(manual, "b")
    manual.call("template/submit", invokeName="a")
    got = lambda n: manual.call("template/get", invokeName=n)["info"]["data"]["gmtUpdated"]  # noqa: E731
    assert TIME.fullmatch(got("a"))
    assert got("b") == ""
    assert review(client, manual, True, "b").status_code == 200
    assert TIME.fullmatch(got("b"))


# the review control route -----------------------------------------------------------------------
def test_review_approve_and_reject(client, manual):
    add(manual, "a")
    add(manual, "r")
    response = review(client, manual, True, "a")
    assert response.status_code == 200
    body = response.json()
    assert body["templateStat"] == 1 and body["invokeName"] == "a"
    assert review(client, manual, False, "r").json()["templateStat"] == -1
    assert stat(manual, "a") == 1 and stat(manual, "r") == -1


def test_review_by_api_user(client, manual):
    add(manual, "a")
    response = client.post("/_emulator/templates/review",
                           json={"apiUser": manual.api_user, "invokeName": "a", "approve": True})
    assert response.status_code == 200 and stat(manual, "a") == 1


def test_review_refusals(client, manual, other_api):
    add(manual, "a", isSubmitAudit="0")
    assert review(client, manual, True, "a").status_code == 400  # not pending
    assert stat(manual, "a") == -2
    assert review(client, manual, True, "missing").status_code == 404
    assert client.post("/_emulator/templates/review", json={"invokeName": "a", "approve": True}).status_code == 400
    add(other_api, "theirs", isSubmitAudit="0")
    assert review(client, manual, True, "theirs").status_code == 404


# fault-only codes -------------------------------------------------------------------------------
@pytest.mark.parametrize(("action", "code"), [("add", 40215), ("delete", 40217), ("update", 40218)])
def test_fault_only_codes_through_fault_rules(client, api, action, code):
    if action != "add":
        add(api)
    rule = {"module": "template", "action": action, "apiUser": api.api_user, "statusCode": code, "count": 1}
    with fault_rules(client, rule):
        params = BASE if action == "add" else {}
        response = api.call(f"template/{action}", invokeName="order_shipped", **params)
        assert response["statusCode"] == code and response["result"] is False and response["info"] == {}
        if action == "add":
            assert api.code("template/get", invokeName="order_shipped") == 40216
        else:
            assert api.call("template/get", invokeName="order_shipped")["info"]["data"]["gmtUpdated"] == ""
