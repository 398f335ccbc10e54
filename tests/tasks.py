"""Waiting for address-list tasks: a list send answers 40821 before the members' mails exist.

`tasks_done(http, reply)` holds until each task of the answer is complete (GET
/_emulator/tasks/{id}?wait=, a long poll: no sleep here) and checks that mail/taskinfo agrees.
`http` is a TestClient or an httpx.Client on the emulator's base URL.
"""

TIMEOUT = 30.0


def task_ids(reply) -> list[int]:
    """The task ids of a v2 answer (info.maillistTaskId), a v1 answer (mail_list_task_id_list), or ids."""
    if isinstance(reply, dict):
        info = reply.get("info", reply)
        return list(info.get("maillistTaskId", info.get("mail_list_task_id_list", [])))
    return list(reply)


def tasks_done(http, reply, timeout: float = TIMEOUT, headers: dict | None = None) -> list[dict]:
    """Wait until every task of `reply` is complete → the tasks as the control API shows them."""
    found = []
    for task_id in task_ids(reply):
        response = http.get(f"/_emulator/tasks/{task_id}", params={"wait": f"{timeout:g}"}, headers=headers or {})
        assert response.status_code == 200, response.text
        task = response.json()
        assert task["status"] == "completed", task
        assert task["done"] == task["memberCount"], task
        found.append(task)
    return found
