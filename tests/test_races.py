"""Caps and uniqueness under parallel requests on a real server (api.md §1.11 Atomicity)."""

import asyncio
import uuid
from collections import Counter

import httpx


def new_account(base: str) -> dict:
    r = httpx.post(f"{base}/_emulator/accounts", json={"userName": f"race_{uuid.uuid4().hex[:10]}"}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def burst(base: str, path: str, bodies: list[dict]) -> list[dict]:
    """Send every body at once (one connection each) and return the envelopes in order."""
    async def run():
        limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
            responses = await asyncio.gather(*(http.post(path, data=body) for body in bodies))
        assert all(r.status_code == 200 for r in responses)
        return [r.json() for r in responses]

    return asyncio.run(run())


def post(base: str, path: str, **data) -> dict:
    return httpx.post(f"{base}{path}", data=data, timeout=30).json()


def test_60_parallel_domain_adds_give_exactly_5(live_server):
    account = new_account(live_server)
    creds = {"apiUser": account["apiUser"], "apiKey": account["apiKey"]}
    bodies = [{**creds, "name": f"race{i}.example.cn"} for i in range(60)]
    answers = burst(live_server, "/apiv2/domain/add", bodies)
    assert Counter(a["statusCode"] for a in answers) == {200: 5, 41012: 55}
    listed = post(live_server, "/apiv2/domain/list", **creds, type="1")["info"]
    won = sorted(a["info"]["data"]["name"] for a in answers if a["statusCode"] == 200)
    assert listed["total"] == 5 and sorted(d["name"] for d in listed["dataList"]) == won


def test_60_parallel_apiuser_adds_give_exactly_8(live_server):
    account = new_account(live_server)  # starts with 2 API_USERs, the cap is 10
    creds = {"apiUser": account["apiUser"], "apiKey": account["apiKey"]}
    tag = uuid.uuid4().hex[:8]
    bodies = [{**creds, "name": f"r{tag}_{i}", "emailType": str(i % 2), "domainName": account["domain"]}
              for i in range(60)]
    answers = burst(live_server, "/apiv2/apiuser/add", bodies)
    assert Counter(a["statusCode"] for a in answers) == {200: 8, 41112: 52}
    listed = post(live_server, "/apiv2/apiuser/list", **creds)["info"]
    assert listed["total"] == 10
    won = {a["info"]["data"]["name"] for a in answers if a["statusCode"] == 200}
    assert won <= {u["name"] for u in listed["dataList"]}


def test_20_parallel_label_adds_of_one_name_give_exactly_one(live_server):
    account = new_account(live_server)
    creds = {"apiUser": account["apiUser"], "apiKey": account["apiKey"]}
    answers = burst(live_server, "/apiv2/label/add", [{**creds, "labelName": "同名 label"}] * 20)
    assert Counter(a["statusCode"] for a in answers) == {200: 1, 40113: 19}
    listed = post(live_server, "/apiv2/label/list", **creds)["info"]
    assert listed["total"] == 1 and listed["dataList"][0]["labelName"] == "同名 label"


def test_parallel_apiuser_adds_of_one_name_across_accounts_give_exactly_one(live_server):
    accounts = [new_account(live_server) for _ in range(4)]
    name = f"shared_{uuid.uuid4().hex[:10]}"
    bodies = [{"apiUser": a["apiUser"], "apiKey": a["apiKey"], "name": name, "emailType": "0",
               "domainName": a["domain"]} for a in accounts for _ in range(5)]
    answers = burst(live_server, "/apiv2/apiuser/add", bodies)
    assert Counter(a["statusCode"] for a in answers) == {200: 1, 41119: 19}
