"""Fault rules (/_emulator/faults), the per-account rate limit (50001) and the admin token."""

import threading
import time

import pytest
from fastapi.testclient import TestClient

from sendcloud_emulator.app import create_app

from .conftest import Api, make_settings, new_account, wait_until


# Every code no ordinary request produces (api.md §6 "fault only"), plus 501 and 50001, with the
# exact zh message of return-codes.tsv.
FAULT_ONLY = [
    (501, "服务器异常"),
    (50001, "536 Frequency limited"),
    (40101, "标签创建失败"),
    (40108, "标签删除失败"),
    (40110, "标签更新失败"),
    (40215, "模板创建失败"),
    (40217, "模板删除失败"),
    (40218, "模板更新失败"),
    (40301, "用户不存在"),
    (40402, "取消订阅记录创建失败"),
    (40404, "取消订阅记录删除失败"),
    (40508, "地址列表创建失败"),
    (40516, "添加成员失败"),
    (40519, "删除成员失败"),
    (40602, "退信记录删除失败"),
    (40710, "webhook配置创建失败"),
    (40711, "webhook配置删除失败"),
    (40822, "地址列表任务创建失败"),
    (40826, "参数subject和模板主题不能同时为空"),
    (40851, "会议邮件拼装失败"),
    (40901, "邮件发送失败"),
    (40902, "邮件处理发生未知异常"),
    (40908, "邮件内容和邮件模板匹配不通过"),
    (40911, "邮件内容和邮件模板匹配时出现编码错误"),
    (41109, "用户信息不存在"),
    (49901, "url格式错误"),
    (49902, "http请求执行异常"),
    (49903, "http请求执行失败"),
    (49905, "http返回结果解析错误"),
    (49906, "http其他错误"),
    (49904, "http请求执行成功"),  # "not emitted" by any request, but a rule can answer it (result false)
]


@pytest.mark.parametrize("code,message", FAULT_ONLY, ids=[str(c) for c, _ in FAULT_ONLY])
def test_fault_answers_its_exact_code_and_message(api, faults, code, message):
    faults({"module": "label", "action": "add", "apiUser": api.api_user, "statusCode": code})
    reply = api.call("label/add", labelName="never stored")
    assert reply == {"result": False, "statusCode": code, "message": message, "info": {}}
    # Nothing was stored: the fault answered before the handler ran.
    assert api.call("label/list", method="GET")["info"]["total"] == 0


def test_fault_rule_is_shown_counted_and_cleared(client, api, faults):
    shown = faults({"module": "label", "action": "list", "apiUser": api.api_user, "statusCode": 40901, "count": 2})
    assert shown["rules"][0]["statusCode"] == 40901 and shown["rules"][0]["fired"] == 0
    codes = [api.code("label/list") for _ in range(3)]
    assert codes == [40901, 40901, 200]  # count limits how often it fires
    rules = client.get("/_emulator/faults").json()["rules"]
    assert rules[0]["fired"] == 2 and rules[0]["count"] == 2
    assert client.delete("/_emulator/faults").status_code == 204
    assert client.get("/_emulator/faults").json() == {"rules": []}


def test_probability_zero_never_fires_and_one_always_fires(api, faults):
    faults({"apiUser": api.api_user, "statusCode": 501, "probability": 0})
    assert [api.code("label/list") for _ in range(5)] == [200] * 5
    faults({"apiUser": api.api_user, "statusCode": 501, "probability": 1})
    assert [api.code("label/list") for _ in range(5)] == [501] * 5


def test_match_on_module_action_and_api_user(api, other_api, faults):
    faults({"module": "LABEL", "action": "Get", "apiUser": api.api_user, "statusCode": 40902})
    assert api.code("label/get", labelId=1) == 40902  # module/action match case-insensitively
    assert api.code("label/list") == 200  # other action
    assert api.code("userinfo/get") == 200  # other module
    assert other_api.code("label/get", labelId=1) == 40106  # other apiUser: normal answer
    # The batch API_USER of the same account is another apiUser.
    assert api.code("label/get", labelId=1, batch=True) == 40106


def test_module_only_rule_matches_every_action_of_the_module(api, faults):
    faults({"module": "label", "apiUser": api.api_user, "statusCode": 40901})
    assert api.code("label/list") == 40901
    assert api.code("label/add", labelName="x") == 40901
    assert api.code("domain/list") == 200


def test_first_matching_rule_wins(api, faults):
    faults(
        {"module": "label", "action": "list", "apiUser": api.api_user, "statusCode": 40901},
        {"module": "label", "apiUser": api.api_user, "statusCode": 40902},
    )
    assert api.code("label/list") == 40901
    assert api.code("label/get", labelId=1) == 40902


def test_exhausted_rule_lets_the_next_match(api, faults):
    faults(
        {"module": "label", "apiUser": api.api_user, "statusCode": 40901, "count": 1},
        {"module": "label", "apiUser": api.api_user, "statusCode": 40902},
    )
    assert [api.code("label/list") for _ in range(3)] == [40901, 40902, 40902]


def test_faults_apply_after_authentication(client, api, faults):
    faults({"module": "label", "statusCode": 40901})
    reply = client.post("/apiv2/label/list", data={"apiUser": api.api_user, "apiKey": "wrong"}).json()
    assert reply["statusCode"] == 40005
    # ...and after routing: an unknown action is 404 whatever the rules say.
    faults({"statusCode": 40901})
    assert client.post("/apiv2/label/nothing", data=api.creds()).status_code == 404


def test_faults_apply_before_validation(api, faults):
    faults({"module": "label", "action": "add", "apiUser": api.api_user, "statusCode": 40901})
    assert api.code("label/add") == 40901  # labelName missing would be 40104
    assert api.code("label/add", labelName="x" * 300) == 40901  # too long would be 40105


def test_faults_apply_after_the_rate_limit(client, api, faults):
    client.patch(f"/_emulator/accounts/{api.account['userName']}", json={"rateLimitPerMinute": 2})
    faults({"apiUser": api.api_user, "statusCode": 40901})
    assert [api.code("label/list") for _ in range(3)] == [40901, 40901, 50001]


def test_latency_only_rule_delays_then_answers_normally(api, faults):
    faults({"module": "label", "action": "list", "apiUser": api.api_user, "latencyMs": 300})
    started = time.monotonic()
    assert api.code("label/list") == 200
    assert time.monotonic() - started >= 0.3


def test_latency_then_code(api, faults):
    faults({"module": "userinfo", "apiUser": api.api_user, "latencyMs": 200, "statusCode": 50001})
    started = time.monotonic()
    assert api.code("userinfo/get") == 50001
    assert time.monotonic() - started >= 0.2


def test_latency_on_a_write_does_not_block_other_accounts(client, api, other_api, faults):
    """A slow fault must not hold the database's write lock while it waits.

    The fault waits before the handler runs, so the slow label is stored only after the wait: had
    the wait held the write lock, the other account's write would come after that insert."""
    faults({"module": "label", "action": "add", "apiUser": api.api_user, "latencyMs": 3000})
    slow = threading.Thread(target=api.call, args=("label/add",), kwargs={"labelName": "slow"})
    slow.start()
    wait_until(lambda: fired(client) == 1, "the slow request never reached the fault")  # it is inside its wait
    assert other_api.code("label/add", labelName="fast") == 200
    stored_meanwhile = [x["labelName"] for x in api.call("label/list")["info"]["dataList"]]
    slow_still_waiting = slow.is_alive()
    slow.join()
    assert stored_meanwhile == [] and slow_still_waiting
    assert [x["labelName"] for x in api.call("label/list")["info"]["dataList"]] == ["slow"]


def fired(client) -> int:
    """How often the first active rule has fired: a request counts when it reaches the fault."""
    return client.get("/_emulator/faults").json()["rules"][0]["fired"]


@pytest.mark.parametrize("rule,fragment", [
    ({"module": "label"}, "statusCode, latencyMs or both"),
    ({"statusCode": 12345}, "not a documented code"),
    ({"statusCode": 40901, "probability": 1.5}, "probability"),
    ({"statusCode": 40901, "count": 0}, "count"),
    ({"latencyMs": -1}, "latencyMs"),
])
def test_bad_rules_are_refused_with_400(client, faults, rule, fragment):
    faults({"statusCode": 40901, "apiUser": "nobody_here"})
    response = client.put("/_emulator/faults", json={"rules": [rule]})
    assert response.status_code == 400
    assert fragment in response.json()["detail"]
    # The active rules are unchanged by a refused PUT.
    assert client.get("/_emulator/faults").json()["rules"][0]["apiUser"] == "nobody_here"


def test_full_reset_clears_fault_rules(tmp_path_factory):
    with TestClient(create_app(make_settings(tmp_path_factory))) as client:
        client.put("/_emulator/faults", json={"rules": [{"statusCode": 40901}]})
        assert client.post("/_emulator/reset").status_code == 204
        assert client.get("/_emulator/faults").json() == {"rules": []}


# rate limit ---------------------------------------------------------------------------------------
def test_rate_limit_refuses_past_the_limit_and_does_not_count_refusals(client):
    acct = new_account(client, rateLimitPerMinute=3)
    api = Api(client, acct)
    assert [api.code("label/list") for _ in range(5)] == [200, 200, 200, 50001, 50001]
    reply = api.call("label/add", labelName="x")
    assert reply == {"result": False, "statusCode": 50001, "message": "536 Frequency limited", "info": {}}
    assert api.code("label/list", batch=True) == 50001  # counted per account, not per API_USER
    # Raising the limit to 5: only the 3 accepted requests were counted, so 2 more pass.
    client.patch(f"/_emulator/accounts/{acct['userName']}", json={"rateLimitPerMinute": 5})
    assert [api.code("label/list") for _ in range(3)] == [200, 200, 50001]
    # 0 removes the limit.
    client.patch(f"/_emulator/accounts/{acct['userName']}", json={"rateLimitPerMinute": 0})
    assert [api.code("label/list") for _ in range(4)] == [200] * 4


def test_rate_limit_is_per_account(client):
    limited = Api(client, new_account(client, rateLimitPerMinute=1))
    free = Api(client, new_account(client))
    assert limited.code("label/list") == 200
    assert limited.code("label/list") == 50001
    assert [free.code("label/list") for _ in range(3)] == [200] * 3


def test_rate_limit_counts_only_authenticated_requests(client):
    acct = new_account(client, rateLimitPerMinute=1)
    for _ in range(3):
        reply = client.post("/apiv2/label/list", data={"apiUser": acct["apiUser"], "apiKey": "nope"}).json()
        assert reply["statusCode"] == 40005
    api = Api(client, acct)
    assert api.code("label/list") == 200
    assert api.code("label/list") == 50001


def test_rate_limit_from_fixtures_and_reset_of_the_account(client):
    acct = new_account(client, rateLimitPerMinute=1)
    api = Api(client, acct)
    assert client.get(f"/_emulator/accounts/{acct['userName']}").json()["rateLimitPerMinute"] == 1
    assert api.code("label/list") == 200
    assert api.code("label/list") == 50001
    # reset?account= clears the account's traffic, its rate-limit window included.
    assert client.post("/_emulator/reset", params={"account": acct["userName"]}).status_code == 204
    assert api.code("label/list") == 200


# admin token --------------------------------------------------------------------------------------
def _control_routes(client):
    """Every /_emulator route and method, from the OpenAPI document (path parameters filled in)."""
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        if path.startswith("/_emulator"):
            for method in operations:
                filled = path
                while "{" in filled:
                    filled = filled[:filled.index("{")] + "demo" + filled[filled.index("}") + 1:]
                yield method.upper(), filled


def test_admin_token_guards_every_control_route_but_health(guarded):
    routes = list(_control_routes(guarded))
    assert len(routes) >= 10
    for method, path in routes:
        if path == "/_emulator/health":
            continue
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
            response = guarded.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.headers["www-authenticate"] == "Bearer"


def test_admin_token_opens_the_control_api(guarded):
    auth = {"Authorization": "Bearer s3cret"}
    assert guarded.get("/_emulator/health").status_code == 200  # health needs no token
    assert guarded.get("/_emulator/accounts", headers=auth).status_code == 200
    created = guarded.post("/_emulator/accounts", json={"userName": "guarded_1"}, headers=auth)
    assert created.status_code == 201
    assert guarded.put("/_emulator/faults", json={"rules": []}, headers=auth).status_code == 200
    assert guarded.post("/_emulator/reset", params={"account": "guarded_1"}, headers=auth).status_code == 204
    # /apiv2 never needs the admin token.
    api = Api(guarded, created.json())
    assert api.code("label/list") == 200


def test_no_admin_token_means_open(client):
    assert client.get("/_emulator/faults").status_code == 200


# daily quota --------------------------------------------------------------------------------------
def test_quota_refuses_the_whole_send_and_a_traffic_reset_frees_it(client):
    acct = new_account(client, quota=3)
    api = Api(client, acct)
    send = {"from": "a@example.com", "subject": "s", "html": "<p>x</p>"}
    assert api.code("mail/send", to="a@example.com;b@example.com", **send) == 200
    reply = api.call("mail/send", to="c@example.com;d@example.com", **send)
    assert reply == {"result": False, "statusCode": 40904, "message": "额度检查失败", "info": {}}
    mails = client.get("/_emulator/mails", params={"account": acct["userName"]}).json()
    assert mails["total"] == 2  # the refused send stored nothing
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 2
    assert api.code("mail/send", to="c@example.com", **send) == 200  # exactly up to the quota
    assert api.code("mail/send", to="e@example.com", **send) == 40904
    # Raising the quota lets sends through again; a traffic reset clears today's usage.
    client.patch(f"/_emulator/accounts/{acct['userName']}", json={"quota": 4})
    assert api.code("mail/send", to="e@example.com", **send) == 200
    assert client.post("/_emulator/reset", params={"account": acct["userName"]}).status_code == 204
    assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 0
    assert api.code("mail/send", to="a@example.com;b@example.com;c@example.com;d@example.com", **send) == 200
