"""The background sender of webhook callbacks (docs/api.md §5, docs/control-api.md "Webhook deliveries").

Deliveries are queued in the store inside the event's transaction; this worker (asyncio tasks in
the server's event loop) claims the due ones in batches, POSTs each URL's callbacks in event order
on a kept-alive connection (URLs in parallel; webhook_http.py) and records the attempts of a batch in
one transaction. It never runs in a request's path: `wake()` (thread-safe) is called after a commit that queued callbacks, and the
worker also polls, so pending retries of a previous run are picked up after a restart. A claim
moves `next_attempt_at` forward by a lease inside a write transaction, so several server processes
sharing one database do not send the same attempt twice. Every time here is the account's clock:
a delivery is due when its account's clock reaches `next_attempt_at` (an advance makes retries due).
"""

import asyncio
import json
import logging
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import bindparam, select, update

from .background import Worker
from .domain import clock, webhook
from .webhook_http import Connection, Target
from .store.db import Store

log = logging.getLogger("sendcloud_emulator.webhooks")
POLL_SECONDS = 1.0
LEASE = timedelta(minutes=5)  # claimed but not recorded: not due again for this long (a crash frees it then)
BATCH = 500  # deliveries claimed in one transaction
BACKLOG = 2000  # claimed, unsent deliveries held in memory at most
CONCURRENCY = 32  # URLs served at once
FORM = "application/x-www-form-urlencoded; charset=utf-8"


@dataclass
class Claimed:
    id: int
    account_id: int
    url: str
    event: str
    body: bytes  # the payload, form-encoded
    attempt: int  # the number of this attempt (1-based)


@dataclass
class Outcome:
    job: Claimed
    status_code: int | None
    error: str | None
    sent_at: datetime  # real time; recorded as the account's time


def claim_due(store: Store, limit: int = BATCH) -> tuple[list[Claimed], float | None]:
    """Lease up to `limit` due deliveries, oldest first; also say in how many seconds the next one is due."""
    with store.session() as session:  # a cheap read first (indexed): idle polls take no write lock
        wait = _next_due(session, clock.readings(session))
    if wait is None or wait > 0:
        return [], wait
    table = webhook.WebhookDelivery.__table__
    c = table.c
    with store.session(write=True) as session:
        now = clock.readings(session)
        query = (select(c.id, c.account_id, c.url, c.event, c.payload, c.attempts)
                 .where(c.status == "pending", now.reached(c.next_attempt_at, c.account_id))
                 .order_by(c.next_attempt_at, c.id).limit(limit))
        if store.dialect == "postgresql":  # another process may be claiming too
            query = query.with_for_update(skip_locked=True)
        rows = session.execute(query).all()
        leased: dict[datetime, list[int]] = {}  # lease end (by each account's clock) → ids
        for row in rows:
            leased.setdefault(now.of(row.account_id) + LEASE, []).append(row.id)
        for until, ids in leased.items():
            for start in range(0, len(ids), 500):
                session.execute(update(table).where(c.id.in_(ids[start:start + 500])).values(next_attempt_at=until))
        wait = _next_due(session, now)
    # The bodies are encoded once the write lock is released.
    return [Claimed(row.id, row.account_id, row.url, row.event, urlencode(json.loads(row.payload)).encode("ascii"),
                    row.attempts + 1) for row in rows], wait


def _next_due(session, now: clock.Readings) -> float | None:
    """Seconds until the earliest pending delivery is due by its account's clock (0: due now; None: none)."""
    c = webhook.WebhookDelivery.__table__.c
    return now.seconds_until(session, c.next_attempt_at, c.account_id, c.status == "pending")


def record_attempts(store: Store, outcomes: list[Outcome], scale: float) -> None:
    """Record a batch of attempts in one transaction: each delivery's new state and one attempt row each."""
    table, attempts = webhook.WebhookDelivery.__table__, webhook.WebhookAttempt.__table__
    c = table.c
    with store.session(write=True) as session:
        now = clock.readings(session)
        pending = set()
        ids = sorted({o.job.id for o in outcomes})
        for start in range(0, len(ids), 500):
            pending.update(session.execute(select(c.id).where(c.id.in_(ids[start:start + 500]),
                                                              c.status == "pending")).scalars())
        changes, rows = [], []
        for outcome in outcomes:
            job = outcome.job
            if job.id not in pending:  # wiped by a reset meanwhile
                continue
            sent_at = now.when(job.account_id, outcome.sent_at)
            status, next_at = "pending", None
            if outcome.status_code == 200:
                status, result = "delivered", "delivered"
            else:
                delay = webhook.retry_delay(job.attempt, scale)
                if delay is None:
                    status, result = "failed", "failed"
                else:
                    next_at, result = sent_at + delay, "retrying"
            changes.append({"b_id": job.id, "b_attempts": job.attempt, "b_status": status, "b_next": next_at})
            rows.append({"account_id": job.account_id, "delivery_id": job.id, "url": job.url, "event": job.event,
                         "attempt": job.attempt, "status_code": outcome.status_code, "error": outcome.error,
                         "status": result, "sent_at": sent_at, "next_attempt_at": next_at})
        if changes:
            session.execute(update(table).where(c.id == bindparam("b_id")).values(
                attempts=bindparam("b_attempts"), status=bindparam("b_status"), next_attempt_at=bindparam("b_next")),
                changes)
            session.execute(attempts.insert(), rows)


def release(store: Store, jobs: list[Claimed]) -> None:
    """Give claimed deliveries back (their attempt was never made): due now instead of after the lease."""
    table = webhook.WebhookDelivery.__table__
    c = table.c
    with store.session(write=True) as session:
        now = clock.readings(session)
        for job in jobs:
            session.execute(update(table).where(c.id == job.id, c.status == "pending", c.attempts == job.attempt - 1)
                            .values(next_attempt_at=now.of(job.account_id)))


class WebhookWorker(Worker):
    """Claims due deliveries in batches; one sender per URL posts that URL's callbacks one after the other,
    in claim (= event) order, on its kept-alive connection; a recorder writes finished attempts in batches."""

    def __init__(self, store: Store, retry_scale: float):
        self.store = store
        self.retry_scale = retry_scale
        self.loop: asyncio.AbstractEventLoop | None = None
        self.event: asyncio.Event | None = None
        self.task: asyncio.Task | None = None
        self.queues: dict[str, deque[Claimed]] = {}  # URL → its claimed callbacks, in order
        self.senders: dict[str, asyncio.Task] = {}
        self.unsent: dict[int, Claimed] = {}  # claimed deliveries whose attempt is not recorded yet
        self.outcomes: list[Outcome] = []  # attempts made, not recorded yet
        self.recorder: asyncio.Task | None = None
        self.connections: dict[str, Connection] = {}  # URL → its kept-alive connection
        self.stopping = False
        self.own: webhook.OwnAddresses | None = None  # URLs that reach the emulator itself are never called

    async def start(self) -> None:
        if not self._begin():
            return
        self.semaphore = asyncio.Semaphore(CONCURRENCY)
        self.task = asyncio.create_task(self._run(), name="webhook-worker")

    async def stop(self) -> None:
        self.stopping = True
        if self.task is not None:
            self.wake()
            self.task.cancel()
            try:
                await self.task
            except (asyncio.CancelledError, Exception):
                pass
        senders = list(self.senders.values())
        for sender in senders:
            sender.cancel()
        if senders:
            await asyncio.gather(*senders, return_exceptions=True)
        if self.recorder is not None:
            await asyncio.gather(self.recorder, return_exceptions=True)
        try:
            await self._record()  # attempts made: recorded, not sent again
        except Exception:
            log.exception("could not record webhook attempts")
        if self.unsent:  # claimed but never tried: due again at once after a restart, not after the lease
            try:
                await asyncio.to_thread(release, self.store, list(self.unsent.values()))
            except Exception:
                log.exception("could not release claimed webhook deliveries")
            self.unsent.clear()
        self.queues.clear()
        for connection in self.connections.values():
            connection.close()
        self.connections.clear()
        self.task = None

    def forget(self, account_id: int | None = None) -> None:
        """Thread-safe: drop the claimed, unsent callbacks of an account (every account: None) after a reset."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return

        def drop():
            for url, queue in self.queues.items():
                kept = deque(job for job in queue if account_id is not None and job.account_id != account_id)
                for job in queue:
                    if job not in kept:
                        self.unsent.pop(job.id, None)
                self.queues[url] = kept

        try:
            loop.call_soon_threadsafe(drop)
        except RuntimeError:
            pass

    async def _run(self) -> None:
        while not self.stopping:
            claimed, wait = [], POLL_SECONDS
            room = BACKLOG - len(self.unsent)
            if room > 0:
                try:
                    claimed, wait = await asyncio.to_thread(claim_due, self.store, min(BATCH, room))
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("could not read pending webhook deliveries")
                    claimed, wait = [], POLL_SECONDS
            for job in claimed:  # claimed in (due time, id) order: each URL's queue stays in event order
                self.unsent[job.id] = job
                self.queues.setdefault(job.url, deque()).append(job)
                if job.url not in self.senders:
                    sender = asyncio.create_task(self._send_all(job.url))
                    self.senders[job.url] = sender
            if claimed and len(claimed) == min(BATCH, room):
                continue
            self._close_idle()
            timeout = POLL_SECONDS if wait is None else min(wait, POLL_SECONDS)
            try:
                await asyncio.wait_for(self.event.wait(), timeout=max(timeout, 0.005))
            except TimeoutError:
                pass
            self.event.clear()

    def _close_idle(self) -> None:
        """Close the connections unused for a while, and the oldest unused ones past 2 × CONCURRENCY."""
        resting = sorted((c.used_at, url) for url, c in self.connections.items() if url not in self.senders)
        surplus = len(self.connections) - 2 * CONCURRENCY
        for index, (_, url) in enumerate(resting):
            if index < surplus or self.connections[url].idle:
                self.connections.pop(url).close()

    async def _send_all(self, url: str) -> None:
        """One URL's callbacks, one after the other in queue order (a later one waits for the earlier answer)."""
        try:
            async with self.semaphore:
                queue = self.queues.get(url)
                if queue and self.own is not None and self.own.covers(url):  # e.g. stored before this rule existed
                    connection = None
                else:
                    connection = self.connections.get(url)
                    if connection is None:
                        connection = self.connections[url] = Connection(Target(url, FORM))
                while queue:
                    job = queue.popleft()
                    outcome = await self._attempt(connection, job)
                    self.outcomes.append(outcome)
                    if self.recorder is None or self.recorder.done():
                        self.recorder = asyncio.create_task(self._record_loop())
                    queue = self.queues.get(url)
        finally:
            self.senders.pop(url, None)
            if not self.queues.get(url):
                self.queues.pop(url, None)
            elif not self.stopping:  # refilled after the loop ended: serve it
                self.senders[url] = asyncio.create_task(self._send_all(url))

    async def _record_loop(self) -> None:
        """Group commit: every attempt finished while the previous batch was being written goes in the next."""
        while self.outcomes:
            try:
                await self._record()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not record webhook attempts")
                await asyncio.sleep(POLL_SECONDS)

    async def _record(self) -> None:
        if not self.outcomes:
            return
        batch, self.outcomes = self.outcomes, []
        try:
            await asyncio.to_thread(record_attempts, self.store, batch, self.retry_scale)
        except BaseException:
            self.outcomes[:0] = batch  # not written: keep them for the next try
            raise
        for outcome in batch:
            self.unsent.pop(outcome.job.id, None)
        self.wake()  # retries may be due, and there is room for more claims

    @staticmethod
    async def _attempt(connection: Connection | None, job: Claimed) -> Outcome:
        status_code, error = None, None
        if connection is None:
            return Outcome(job, None, "refused: the URL reaches the emulator itself", clock.real_time())
        try:
            async with asyncio.timeout(webhook.TIMEOUT_SECONDS):  # for the whole exchange
                status_code = await connection.post(job.body)
            if status_code != 200:
                error = f"HTTP {status_code}"
        except TimeoutError:
            error = f"no answer within {webhook.TIMEOUT_SECONDS:g} s"
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # connection refused, bad host, …
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Outcome(job, status_code, error, clock.real_time())


def _httpx():
    """httpx, imported by the first probe: with rich and pygments (which it loads when installed)
    it holds ~5 MB that a server whose webhooks are never added does not need."""
    import httpx

    return httpx


def probe(url: str) -> bool:
    """webhook/add, update: one POST of `{}` as JSON must answer HTTP 200 within 3 s (§2.18)."""
    httpx = _httpx()
    deadline = time.monotonic() + webhook.TIMEOUT_SECONDS
    try:
        with httpx.Client(timeout=webhook.TIMEOUT_SECONDS, trust_env=False) as client:
            with client.stream("POST", url, json={}) as response:
                for _ in response.iter_bytes():  # a trickling answer must not outlast the 3 s
                    if time.monotonic() > deadline:
                        return False
                return response.status_code == 200 and time.monotonic() <= deadline
    except Exception:
        return False


async def probe_async(url: str) -> bool:
    """`probe` without a worker thread: the request waits on the event loop, holding nothing."""
    httpx = await asyncio.to_thread(_httpx)  # the first import must not stall the event loop

    async def exchange(client: httpx.AsyncClient) -> bool:
        async with client.stream("POST", url, json={}) as response:
            async for _ in response.aiter_bytes():
                pass
            return response.status_code == 200

    try:
        async with httpx.AsyncClient(timeout=webhook.TIMEOUT_SECONDS, trust_env=False) as client:
            return await asyncio.wait_for(exchange(client), timeout=webhook.TIMEOUT_SECONDS)
    except Exception:
        return False


def install(services) -> WebhookWorker:
    """Attach the worker to the app's Services and start/stop it with the app."""
    worker = WebhookWorker(services.store, services.settings.webhook_retry_scale)
    worker.own = services.own
    services.webhook_worker = worker
    services.on_start.append(worker.start)
    services.on_stop.append(worker.stop)
    return worker
