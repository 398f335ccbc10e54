"""The background creator of address-list mails (docs/api.md §2.1 list mode, mail/taskinfo).

An address-list send stores its tasks and a snapshot of each list's members, and answers 40821 at
once; this worker (an asyncio task in the server's event loop, the database work in a worker
thread) then creates the members' mails in chunks sized to hold the write lock about
HOLD_SECONDS (BUSY_HOLD_SECONDS while other writers queue for it; at most `Settings.list_chunk`
members), rendered before the lock is taken. Each chunk is
one write transaction that also records the task's progress, so the write lock is free between
chunks (other requests and accounts go in between, the store's writer queue being first come,
first served) and a task resumes exactly where it stopped after a restart. Tasks of several
accounts take turns chunk by chunk, oldest first.

A chunk claims its task under the account's write lock (SQLite: the database write lock;
PostgreSQL: the account row, then the task row FOR UPDATE), and reads the task's progress only
then: several server processes sharing one database never create the same member's mail twice.
`wake()` (thread-safe) is called after a commit that created a task; the worker also polls, for
tasks that another process accepted or that a previous run left unfinished.
"""

import asyncio
import logging
import threading
import time
from dataclasses import dataclass

from sqlmodel import select

from .background import Worker
from .domain import clock, pipeline, sending
from .store.db import Store

log = logging.getLogger("sendcloud_emulator.tasks")
POLL_SECONDS = 1.0
TURN = 64  # tasks looked at per round (each gets one chunk per round)
# A chunk should hold the write lock about this long, so a request queued behind it waits no longer:
# the worker sizes its chunks from the rate of the previous ones (within MIN_SIZE … Settings.list_chunk).
HOLD_SECONDS = 0.02
# …and this long while other writers queue for the lock (SQLite), so their sends barely wait on a list
BUSY_HOLD_SECONDS = 0.005
FIRST_SIZE = 200
MIN_SIZE = 50


@dataclass
class ChunkRun:
    more: bool  # the task has members left
    created: int = 0  # mails this chunk created
    seconds: float = 0.0  # how long it held the write transaction
    contended: bool = False  # other writers were queued for the lock when it finished


def pending(store: Store, limit: int = TURN) -> list[int]:
    """The ids of unfinished tasks, oldest first."""
    with store.session() as session:
        return list(session.exec(select(sending.MailTask.id).where(sending.MailTask.status == "requesting")
                                 .order_by(sending.MailTask.id).limit(limit)).all())


def run_chunk(store: Store, task_id: int, size: int, services=None) -> ChunkRun:
    """Create the mails of the task's next `size` members in one write transaction.
    `more` is False when the task is complete, gone (a reset), or claimed elsewhere."""
    table = sending.MailTask
    with store.session() as session:  # read and render the members before the write lock: it is held less
        task = session.exec(select(table).where(table.id == task_id, table.status == "requesting")).first()
        if task is None:  # completed meanwhile, or wiped by a reset
            return ChunkRun(False)
        rendered = pipeline.render_chunk(session, task, size)
    with store.session(write=True) as session:
        account_id = session.exec(select(table.account_id).where(table.id == task_id,
                                                                 table.status == "requesting")).first()
        begun = time.perf_counter()  # the write transaction is ours from here
        if account_id is None:  # completed meanwhile, or wiped by a reset
            return ChunkRun(False)
        store.lock_account(session, account_id)
        query = select(table).where(table.id == task_id, table.status == "requesting")
        if store.dialect == "postgresql":  # another process may be on it: its progress is read after its commit
            query = query.with_for_update(skip_locked=True)
        task = session.exec(query).first()
        if task is None:
            return ChunkRun(False)
        chunk = pipeline.create_task_chunk(session, task, size, clock.now(session, account_id), services, rendered)
        more = task.status == "requesting"
        contended = store.writers is not None and store.writers.waiting() > 0
    held = time.perf_counter() - begun
    for callback in chunk.after_commit:
        try:
            callback()
        except Exception:
            log.exception("after-commit callback failed for address-list task %s", task_id)
    return ChunkRun(more, chunk.created, held, contended)


class TaskWorker(Worker):
    """Runs chunks of the pending tasks, one task after the other in turn, until none is left."""

    def __init__(self, store: Store, chunk: int, services=None):
        self.store = store
        self.chunk = max(1, chunk)  # members per chunk at most
        self.size = min(self.chunk, FIRST_SIZE)  # members of the next chunk
        self.services = services
        # For tests: how many more chunks the worker may run (None: no limit); `allow(n)` sets it and
        # `wait_held()` waits until the worker has work but no chunk left (so it stands between chunks).
        self.budget: int | None = None
        self.held = False
        self._gate = threading.Condition()
        self.chunks = 0  # chunks run since start-up

    async def start(self) -> None:
        if not self._begin():
            return
        self.task = asyncio.create_task(self._run(), name="list-task-worker")

    async def stop(self) -> None:
        """Stop after the chunk in progress (its transaction completes; the next run resumes after it)."""
        self.stopping = True
        if self.task is not None:
            self.wake()
            try:
                await self.task
            except (asyncio.CancelledError, Exception):
                pass
        self.task = None

    def allow(self, chunks: int | None) -> None:
        """Thread-safe: let the worker run `chunks` more chunks (None: no limit)."""
        with self._gate:
            self.budget, self.held = chunks, False
        self.wake()

    def wait_held(self, timeout: float) -> bool:
        """Thread-safe: wait until the worker stands between chunks with work left and no chunk allowed."""
        with self._gate:
            return self._gate.wait_for(lambda: self.held, timeout)

    def _take(self) -> bool:
        """May the worker run a chunk now? (counts it against the budget)"""
        with self._gate:
            if self.budget is None:
                return True
            if self.budget <= 0:
                self.held = True
                self._gate.notify_all()
                return False
            self.budget -= 1
            return True

    def _resize(self, done: ChunkRun) -> None:
        """Size the next chunk so that it holds the write lock about HOLD_SECONDS at this chunk's rate
        (moving halfway there), or at once to BUSY_HOLD_SECONDS when other writers were waiting."""
        if done.created < self.size or done.seconds <= 0:  # a task's last chunk says little about the rate
            return
        rate = done.created / done.seconds
        if done.contended:
            self.size = min(self.chunk, max(MIN_SIZE, min(self.size, int(rate * BUSY_HOLD_SECONDS))))
            return
        fits = int(rate * HOLD_SECONDS)
        self.size = min(self.chunk, max(MIN_SIZE, (self.size + fits) // 2))

    async def _run(self) -> None:
        while not self.stopping:
            self.event.clear()
            try:
                ids = await asyncio.to_thread(pending, self.store)
            except Exception:
                log.exception("could not read pending address-list tasks")
                ids = []
            ran = False
            for task_id in ids:
                if self.stopping:
                    return
                if not self._take():
                    break
                try:
                    done = await asyncio.to_thread(run_chunk, self.store, task_id, self.size, self.services)
                    ran = True
                    self.chunks += 1
                    self._resize(done)
                except Exception:
                    log.exception("could not create the mails of address-list task %s", task_id)
            if ran:
                continue
            try:
                await asyncio.wait_for(self.event.wait(), timeout=POLL_SECONDS)
            except TimeoutError:
                pass


def install(services) -> TaskWorker:
    """Attach the worker to the app's Services and start/stop it with the app."""
    worker = TaskWorker(services.store, services.settings.list_chunk, services)
    services.task_worker = worker
    services.on_start.append(worker.start)
    services.on_stop.append(worker.stop)
    return worker
