"""Address-list sends as background tasks (docs/api.md §2.1 list mode, mail/taskinfo): the request
answers 40821 with the task ids at once, the task worker creates the members' mails in chunks
(one write transaction each, progress committed with the chunk), a restart resumes where it
stopped, a reset drops pending tasks. On SQLite, and on PostgreSQL when one is configured.

No sleeps: the worker's test hook (`allow(n)` chunks, `wait_held()`) stops it between chunks, and
`tasks_done` long-polls /_emulator/tasks/{id}?wait=.
"""

import threading
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from sendcloud_emulator import task_worker
from sendcloud_emulator.app import create_app
from sendcloud_emulator.domain.outbox import Mail, MailEvent
from sendcloud_emulator.domain.sending import TaskMember
from sendcloud_emulator.store.db import Store

from .conftest import Api, make_settings, new_account
from .pg import BACKENDS, database
from .tasks import tasks_done

LIST = "club@maillist.sendcloud.org"
CHUNK = 10
WAIT = 30


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    with database(request.param, tmp_path) as found:
        yield found


def start(tmp_path_factory, url: str, **overrides) -> TestClient:
    settings = make_settings(tmp_path_factory, database_url=url, list_chunk=CHUNK, **overrides)
    return TestClient(create_app(settings))


def worker(client: TestClient) -> task_worker.TaskWorker:
    return client.app.state.services.task_worker


def make_list(api: Api, count: int, alias: str = LIST) -> list[str]:
    members = [f"m{i:03d}@example.com" for i in range(count)]
    assert api.code("addresslist/add", address=alias, name="club") == 200
    assert api.call("addressmember/add", address=alias, members=";".join(members),
                    vars=";".join(f'{{"n": {i}}}' for i in range(count)))["statusCode"] == 200
    return members


def list_send(api: Api, alias: str = LIST) -> dict:
    answer = api.call("mail/send", batch=True, **{"from": "shop@example.com"}, to=alias, useAddressList="true",
                      subject="Hi %recipient%", html="<p>%n%</p>")
    assert answer["statusCode"] == 40821, answer
    return answer


def task_mails(client: TestClient, task_id: int) -> list[dict]:
    response = client.get("/_emulator/mails", params={"maillistTaskId": task_id, "order": "asc", "limit": 500})
    assert response.status_code == 200
    return response.json()["items"]


def taskinfo(api: Api, task_id: int) -> dict:
    answer = api.call("mail/taskinfo", maillistTaskId=str(task_id))
    assert answer["statusCode"] == 200
    return answer["info"]["data"]


def control_task(client: TestClient, task_id: int) -> dict:
    response = client.get(f"/_emulator/tasks/{task_id}")
    assert response.status_code == 200, response.text
    return response.json()


def held(client: TestClient) -> None:
    assert worker(client).wait_held(WAIT), "the task worker did not come to a stop between chunks"


def begin(client: TestClient, count: int, chunks: int) -> tuple[Api, list[str], dict, int]:
    """A fresh account sends to a list of `count` members; the worker runs `chunks` chunks, then stands.
    → (api, members, the answer, its task id)."""
    api = Api(client, new_account(client))
    members = make_list(api, count)
    worker(client).allow(chunks)
    answer = list_send(api)
    (task_id,) = answer["info"]["maillistTaskId"]
    held(client)
    return api, members, answer, task_id


def assert_complete(client: TestClient, task_id: int, members: list[str]) -> list[dict]:
    """Exactly one mail per member, indexed by position, each with one request event."""
    stored = task_mails(client, task_id)
    message_id = stored[0]["messageId"]
    assert [m["emailId"] for m in stored] == [f"{message_id}{i}${m}" for i, m in enumerate(members)]
    with client.app.state.store.session() as session:
        ids = [m.id for m in session.exec(select(Mail).where(Mail.maillist_task_id == task_id))]
        requests = session.exec(select(MailEvent.mail_id).where(MailEvent.mail_id.in_(ids),
                                                                MailEvent.event == "request")).all()
        assert sorted(requests) == sorted(ids)
        assert session.exec(select(TaskMember).where(TaskMember.task_id == task_id)).all() == []
    return stored


def test_answer_comes_at_once_and_the_task_completes(tmp_path_factory, url):
    with start(tmp_path_factory, url) as client:
        api, members, answer, task_id = begin(client, 25, 0)
        # answered before any mail exists; the quota is taken for every member at acceptance
        assert task_mails(client, task_id) == []
        data = taskinfo(api, task_id)
        assert (data["status"], data["memberCount"]) == ("请求中", 25)
        assert control_task(client, task_id)["done"] == 0
        assert api.call("userinfo/get")["info"]["todayUsedQuota"] == 25
        worker(client).allow(None)
        tasks_done(client, answer)
        assert taskinfo(api, task_id)["status"] == "请求完毕"
        stored = assert_complete(client, task_id, members)
        detail = client.get(f"/_emulator/mails/{stored[7]['emailId']}").json()
        assert (detail["subject"], detail["html"]) == ("Hi m007@example.com", "<p>7</p>")


def test_chunks_commit_their_progress_one_at_a_time(tmp_path_factory, url):
    with start(tmp_path_factory, url) as client:
        api, members, answer, task_id = begin(client, 25, 1)
        for done in (10, 20):
            if done > CHUNK:
                worker(client).allow(1)
                held(client)
            assert [m["to"] for m in task_mails(client, task_id)] == members[:done]
            assert control_task(client, task_id)["done"] == done
            assert taskinfo(api, task_id)["status"] == "请求中"
        worker(client).allow(1)  # the last chunk (5 members)
        tasks_done(client, answer)
        assert_complete(client, task_id, members)


def test_a_restart_between_chunks_resumes_without_duplicates(tmp_path_factory, url):
    with start(tmp_path_factory, url) as client:
        api, members, answer, task_id = begin(client, 35, 2)
        assert len(task_mails(client, task_id)) == 20
    # the app stopped between chunks; a new one on the same database takes the task up where it was
    with start(tmp_path_factory, url) as client:
        api = Api(client, api.account)
        assert taskinfo(api, task_id)["status"] == "请求中"
        tasks_done(client, answer)
        assert taskinfo(api, task_id)["status"] == "请求完毕"
        assert_complete(client, task_id, members)


def test_two_stores_racing_on_one_task_create_each_mail_once(tmp_path_factory, url):
    """As `serve --workers N` does: chunk claims of several processes never overlap."""
    with start(tmp_path_factory, url) as client:
        _, members, answer, task_id = begin(client, 95, 0)
        stores = [Store(url) for _ in range(3)]
        barrier = threading.Barrier(len(stores))
        errors = []

        def drain(store: Store) -> None:
            try:
                barrier.wait(WAIT)
                while task_worker.run_chunk(store, task_id, 7).more:
                    pass
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=drain, args=(store,)) for store in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT * 2)
        for store in stores:
            store.engine.dispose()
        assert errors == []
        tasks_done(client, answer)
        assert_complete(client, task_id, members)


def test_another_account_sends_between_the_chunks_of_a_big_list(tmp_path_factory, url):
    with start(tmp_path_factory, url) as client:
        other = Api(client, new_account(client))
        _, _, answer, task_id = begin(client, 30, 1)  # one chunk done, two to go: in the middle of its work
        sent = other.call("mail/send", **{"from": "a@example.com"}, to="busy@example.com", subject="s", html="h")
        assert sent["statusCode"] == 200
        (email_id,) = sent["info"]["emailIdList"]
        assert client.get(f"/_emulator/mails/{email_id}").status_code == 200
        worker(client).allow(None)
        tasks_done(client, answer)
        with client.app.state.store.session() as session:
            rows = [m.id for m in session.exec(select(Mail).where(Mail.maillist_task_id == task_id)
                                               .order_by(Mail.position))]
            mine = session.exec(select(Mail.id).where(Mail.email_id == email_id)).one()
        assert rows[CHUNK - 1] < mine < rows[CHUNK]  # written between the first chunk and the second


@pytest.mark.parametrize("how", ["account", "everything"])
def test_a_reset_drops_pending_tasks(tmp_path_factory, url, how):
    with start(tmp_path_factory, url) as client:
        api, _, _, task_id = begin(client, 30, 1)
        first_chunk = task_mails(client, task_id)
        assert len(first_chunk) == CHUNK
        params = {"account": api.account["userName"]} if how == "account" else {}
        assert client.post("/_emulator/reset", params=params).status_code == 204
        assert client.get(f"/_emulator/tasks/{task_id}").status_code == 404
        with client.app.state.store.session() as session:
            assert session.exec(select(TaskMember).where(TaskMember.task_id == task_id)).all() == []
        # the worker goes on: a later task (tasks run oldest first) completes, the dropped one stays gone
        again = Api(client, new_account(client))
        later_members = make_list(again, 3)
        worker(client).allow(None)
        later = list_send(again)
        tasks_done(client, later)
        # (a full reset also resets the id sequences: the later task may reuse the dropped task's id)
        left = client.get("/_emulator/mails", params={"messageId": first_chunk[0]["messageId"]}).json()
        assert left["total"] == 0
        if how == "account":
            assert api.code("mail/taskinfo", maillistTaskId=str(task_id)) == 6001
        assert_complete(client, later["info"]["maillistTaskId"][0], later_members)


def test_taskinfo_moves_from_requesting_to_completed_and_mails_keep_the_acceptance_time(tmp_path_factory, url):
    with start(tmp_path_factory, url, lang="en") as client:
        api = Api(client, new_account(client))
        members = make_list(api, 12)
        user = api.account["userName"]
        assert client.put(f"/_emulator/accounts/{user}/clock", json={"frozen": True}).status_code == 200
        worker(client).allow(0)
        answer = list_send(api)
        (task_id,) = answer["info"]["maillistTaskId"]
        held(client)
        before = taskinfo(api, task_id)
        assert before["status"] == "requesting" and before["gmtCreated"] == before["gmtUpdated"]
        # the account's clock moves on before the worker runs: the task's gmtUpdated follows it,
        # the mails keep the time the send was accepted
        assert client.put(f"/_emulator/accounts/{user}/clock", json={"advanceSeconds": 3600}).status_code == 200
        worker(client).allow(None)
        tasks_done(client, answer)
        after = taskinfo(api, task_id)
        assert after["status"] == "completed" and after["gmtCreated"] == before["gmtCreated"]
        moved = (datetime.fromisoformat(after["gmtUpdated"]) - datetime.fromisoformat(after["gmtCreated"]))
        assert moved.total_seconds() == 3600
        stored = assert_complete(client, task_id, members)
        accepted = control_task(client, task_id)["createdAt"]
        assert {m["createdAt"] for m in stored} == {accepted}


def test_chunks_are_sized_to_hold_the_write_lock_briefly():
    sized = task_worker.TaskWorker(store=None, chunk=1000)
    assert sized.size == task_worker.FIRST_SIZE
    # 200 members in 0.1 s: 2,000/s fills HOLD_SECONDS with 40; the size moves halfway there, not under 50
    sized._resize(task_worker.ChunkRun(True, 200, 0.1))
    assert sized.size == max(task_worker.MIN_SIZE, (200 + int(2000 * task_worker.HOLD_SECONDS)) // 2)
    sized._resize(task_worker.ChunkRun(True, sized.size, sized.size / 1_000_000))  # very fast: up to the cap
    for _ in range(20):
        sized._resize(task_worker.ChunkRun(True, sized.size, sized.size / 1_000_000))
    assert sized.size == 1000
    sized._resize(task_worker.ChunkRun(False, 3, 0.5))  # a task's short last chunk says nothing
    assert sized.size == 1000
    capped = task_worker.TaskWorker(store=None, chunk=10)  # the setting is the upper bound, also below 50
    capped._resize(task_worker.ChunkRun(True, 10, 0.5))
    assert capped.size == 10


def test_chunks_shrink_at_once_while_other_writers_wait():
    sized = task_worker.TaskWorker(store=None, chunk=1000)
    for _ in range(20):
        sized._resize(task_worker.ChunkRun(True, sized.size, sized.size / 1_000_000))  # very fast: up to the cap
    assert sized.size == 1000
    sized._resize(task_worker.ChunkRun(True, 1000, 0.02, contended=True))  # others queued: about 5 ms at once
    assert sized.size == int(1000 / 0.02 * task_worker.BUSY_HOLD_SECONDS) < 1000 // 2
    sized._resize(task_worker.ChunkRun(True, sized.size, sized.size / 2_000, contended=True))  # never under 50
    assert sized.size == task_worker.MIN_SIZE
    sized._resize(task_worker.ChunkRun(True, 50, 50 / 1_000_000))  # nobody waits: sized for 20 ms again
    assert sized.size == min(1000, (50 + int(1_000_000 * task_worker.HOLD_SECONDS)) // 2)


def test_a_chunk_created_after_the_answer_keeps_the_send_as_accepted(tmp_path_factory, url):
    """What the request read (files, headers, label, door) is stored with the task and used by every chunk."""
    with start(tmp_path_factory, url) as client:
        api = Api(client, new_account(client))
        members = make_list(api, 12)
        worker(client).allow(0)
        answer = api.call("mail/send", batch=True, files=[("attachments", ("a.txt", b"hello", "text/plain"))],
                          **{"from": "Shop <shop@example.com>", "to": LIST, "useAddressList": "true",
                             "subject": "S", "html": "<p>%n%</p>", "headers": '{"X-Order": "42"}',
                             "labelName": "news"})
        assert answer["statusCode"] == 40821, answer
        held(client)
        worker(client).allow(None)
        tasks_done(client, answer)
        stored = assert_complete(client, answer["info"]["maillistTaskId"][0], members)
        last = client.get(f"/_emulator/mails/{stored[-1]['emailId']}").json()
        assert (last["fromName"], last["headers"], last["source"], last["html"]) == (
            "Shop", {"X-Order": "42"}, "v2", "<p>11</p>")
        assert last["labelId"] and last["attachments"] == [
            {"filename": "a.txt", "contentType": "text/plain", "size": 5, "contentId": None}]
        assert client.get(f"/_emulator/mails/{stored[-1]['emailId']}/attachments/0").content == b"hello"


def test_each_member_gets_its_outcome_and_the_statistics_count_each_mail_once(tmp_path_factory, url):
    """Suppressed members, the mailbox simulator's outcomes and plain deliveries across two chunks: each
    mail is stored in its final state with its events, and the statistics count it once."""
    sim = "sim.sendcloud.test"
    with start(tmp_path_factory, url) as client:
        api = Api(client, new_account(client))
        assert api.call("mail/send", **{"from": "shop@example.com"}, to=f"invalid@{sim}", subject="S",
                        html="<p>x</p>")["statusCode"] == 200  # puts invalid@… on the bounce list
        assert api.call("unsubscribe/add", email="gone@example.com")["statusCode"] == 200
        members = ["a0@example.com", f"INVALID@{sim}", "gone@example.com", f"softbounce@{sim}", f"open@{sim}",
                   f"click@{sim}", f"spam@{sim}", f"invalid-404@{sim}", f"unsubscribe@{sim}"] + [
                   f"a{i}@example.com" for i in range(9, 14)]
        assert api.code("addresslist/add", address=LIST, name="club") == 200
        assert api.call("addressmember/add", address=LIST, members=";".join(members))["statusCode"] == 200
        answer = list_send(api)
        tasks_done(client, answer)
        stored = assert_complete(client, answer["info"]["maillistTaskId"][0], members)
        outcome = {f"INVALID@{sim}": ("invalid", 401), "gone@example.com": ("invalid", 402),
                   f"softbounce@{sim}": ("soft_bounce", 506), f"invalid-404@{sim}": ("invalid", 404)}
        assert [(m["status"], m["subStat"]) for m in stored] == [outcome.get(m, ("deliver", None)) for m in members]
        events = {m: [e["event"] for e in client.get(f"/_emulator/mails/{s['emailId']}").json()["events"]]
                  for m, s in zip(members, stored)}
        assert events[f"click@{sim}"] == ["request", "deliver", "open", "click"]
        assert events["gone@example.com"] == ["request", "invalid"]
        batch = api.account["batchApiUser"]
        days = [r for r in api.call("statday/list", days=1)["info"]["dataList"] if r["apiUser"] == batch]
        counts = {k: sum(int(r[k]) for r in days) for k in (
            "requestNum", "deliveredNum", "invalidEmailsNum", "bounceNum", "openNum", "clickNum", "uniqueOpensNum",
            "uniqueClicksNum", "spamReportedNum", "unsubscribeNum")}
        assert counts == {"requestNum": 14, "deliveredNum": 10, "invalidEmailsNum": 3, "bounceNum": 1, "openNum": 2,
                          "clickNum": 1, "uniqueOpensNum": 2, "uniqueClicksNum": 1, "spamReportedNum": 1,
                          "unsubscribeNum": 1}
        invalid = [r for r in api.call("invalidstat/list", days=1)["info"]["dataList"] if r["apiUser"] == batch]
        assert [sum(int(r[k]) for r in invalid) for k in ("sendcloudBlacklist", "ubsubscribe",
                                                            "recipientAddressError", "recipientNotFound")] == [1, 1, 1, 0]
