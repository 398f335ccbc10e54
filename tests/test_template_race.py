"""The 50-template cap holds under a 60-way race against a real server (api.md §1.11 Atomicity)."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx


def test_60_parallel_adds_give_exactly_50_templates(live_server):
    created = httpx.post(f"{live_server}/_emulator/accounts", json={"userName": f"race_{uuid.uuid4().hex[:10]}"})
    assert created.status_code == 201, created.text
    account = created.json()
    creds = {"apiUser": account["apiUser"], "apiKey": account["apiKey"]}
    barrier = threading.Barrier(60)

    def add(i: int) -> int:
        with httpx.Client(base_url=live_server, timeout=120) as http:
            barrier.wait()
            response = http.post("/apiv2/template/add", data={**creds, "invokeName": f"race_{i}", "name": "n",
                                                               "html": "<p>x</p>", "subject": "s",
                                                               "templateType": "0"})
            assert response.status_code == 200
            return response.json()["statusCode"]

    with ThreadPoolExecutor(max_workers=60) as pool:
        codes = list(pool.map(add, range(60)))
    assert codes.count(200) == 50, codes
    assert codes.count(40219) == 10, codes
    listed = httpx.post(f"{live_server}/apiv2/template/list", data=creds).json()
    assert listed["info"]["total"] == 50
