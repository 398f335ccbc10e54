"""/_emulator/tasks: address-list tasks and their progress (docs/control-api.md "Address-list tasks").

An address-list send answers 40821 before its members' mails exist; `wait=` holds the request
until the task is complete, without holding a transaction or a worker thread (each look is a short
read in the thread pool, the request sleeps asynchronously between looks).
"""

import asyncio
import time

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from ..domain import accounts, clock, sending
from . import ADMIN, TAG, models

router = APIRouter(prefix="/_emulator/tasks", tags=[TAG], dependencies=ADMIN)

MAX_WAIT = 30.0
POLL_SECONDS = 0.02  # a look is one short read by primary key


def _look(request: Request, task_id: int) -> dict | None:
    tz = request.app.state.settings.tz
    with request.app.state.store.session() as session:
        task = session.get(sending.MailTask, task_id)
        if task is None:
            return None
        owner = session.get(accounts.Account, task.account_id)
        return {"maillistTaskId": task.id, "account": owner.user_name if owner is not None else None,
                "apiUser": task.api_user, "addressList": task.address_list, "messageId": task.message_id,
                "memberCount": task.member_count, "done": task.done if task.status != "completed" else task.member_count,
                "status": task.status, "createdAt": clock.iso(task.created_at, tz),
                "updatedAt": clock.iso(task.updated_at, tz)}


@router.get("/{task_id}", response_model=models.TaskView)
async def get_task(request: Request, task_id: int,
                   wait: float | None = Query(default=None, ge=0, le=MAX_WAIT,
                                              description="seconds to hold the request until the task is completed")
                   ) -> dict:
    """One address-list task: status (requesting, completed), done of memberCount; `wait` holds until complete.

    `done` counts the members whose mails exist; 404 when there is no such task (a reset drops them)."""
    deadline = time.monotonic() + (wait or 0.0)
    while True:
        found = await run_in_threadpool(_look, request, task_id)
        if found is None:
            raise HTTPException(status_code=404, detail="no such address-list task")
        if found["status"] == "completed" or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
