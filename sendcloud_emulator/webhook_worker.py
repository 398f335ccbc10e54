"""The background sender of webhook callbacks (api.md §5, control-api.md "Webhook deliveries").

Deliveries are queued in the store inside the event's transaction; this worker (one asyncio task in
the server's event loop) claims the due ones, POSTs them and records each attempt. It never runs in
a request's path: `wake()` (thread-safe) is called after a commit that queued callbacks, and the
worker also polls, so pending retries of a previous run are picked up after a restart. A claim
moves `next_attempt_at` forward by a lease inside a write transaction, so several server processes
sharing one database do not send the same attempt twice.
"""

import asyncio
import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, timedelta
from urllib.parse import urlencode

import httpx
from sqlmodel import select

from .domain import events, webhook
from .store.db import Store, utcnow

log = logging.getLogger("sendcloud_emulator.webhooks")
POLL_SECONDS = 1.0
LEASE = timedelta(minutes=5)  # longer than a batch to one URL can take (BATCH × 3 s)
BATCH = 50
CONCURRENCY = 32


@dataclass
class Claimed:
    id: int
    url: str
    payload: dict
    attempt: int  # the number of this attempt (1-based)


def claim_due(store: Store, busy: frozenset[str] = frozenset()) -> tuple[list[Claimed], float | None]:
    """Lease the due deliveries of URLs not `busy`; also say in how many seconds the next one is due."""
    now = utcnow()
    claimed = []
    with store.session() as session:  # a cheap read first: idle polls take no write lock
        following = _next_due(session, busy)
    if following is None or _aware(following) > now:
        return claimed, None if following is None else max((_aware(following) - now).total_seconds(), 0.0)
    with store.session(write=True) as session:
        due = session.exec(
            select(webhook.WebhookDelivery)
            .where(webhook.WebhookDelivery.status == "pending", webhook.WebhookDelivery.next_attempt_at <= now,
                   *_not_busy(busy))
            .order_by(webhook.WebhookDelivery.next_attempt_at, webhook.WebhookDelivery.id)
            .limit(BATCH).with_for_update(skip_locked=True)
        ).all()
        for row in due:
            row.next_attempt_at = now + LEASE
            session.add(row)
            claimed.append(Claimed(row.id, row.url, json.loads(row.payload), row.attempts + 1))
        following = _next_due(session, busy | {job.url for job in claimed})
    wait = None if following is None else max((_aware(following) - now).total_seconds(), 0.0)
    return claimed, wait


def _not_busy(busy) -> list:
    return [webhook.WebhookDelivery.url.not_in(sorted(busy))] if busy else []


def _next_due(session, busy):
    return session.exec(
        select(webhook.WebhookDelivery.next_attempt_at)
        .where(webhook.WebhookDelivery.status == "pending", *_not_busy(busy))
        .order_by(webhook.WebhookDelivery.next_attempt_at).limit(1)
    ).first()


def _aware(moment):
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def record_attempt(store: Store, job: Claimed, status_code: int | None, error: str | None, scale: float) -> None:
    sent_at = utcnow()
    with store.session(write=True) as session:
        delivery = session.get(webhook.WebhookDelivery, job.id)
        if delivery is None or delivery.status != "pending":  # wiped by a reset meanwhile
            return
        delivery.attempts = job.attempt
        if status_code == 200:
            delivery.status, delivery.next_attempt_at, outcome = "delivered", None, "delivered"
        else:
            delay = webhook.retry_delay(job.attempt, scale)
            if delay is None:
                delivery.status, delivery.next_attempt_at, outcome = "failed", None, "failed"
            else:
                delivery.next_attempt_at, outcome = sent_at + delay, "retrying"
        session.add(delivery)
        session.add(webhook.WebhookAttempt(account_id=delivery.account_id, delivery_id=delivery.id, url=delivery.url,
                                           event=delivery.event, attempt=job.attempt, status_code=status_code,
                                           error=error, status=outcome, sent_at=sent_at,
                                           next_attempt_at=delivery.next_attempt_at))


def release(store: Store, jobs: list[Claimed]) -> None:
    """Give claimed deliveries back (their attempt was never made): due now instead of after the lease."""
    now = utcnow()
    with store.session(write=True) as session:
        for job in jobs:
            delivery = session.get(webhook.WebhookDelivery, job.id)
            if delivery is not None and delivery.status == "pending" and delivery.attempts == job.attempt - 1:
                delivery.next_attempt_at = now
                session.add(delivery)


class WebhookWorker:
    def __init__(self, store: Store, retry_scale: float):
        self.store = store
        self.retry_scale = retry_scale
        self.loop: asyncio.AbstractEventLoop | None = None
        self.event: asyncio.Event | None = None
        self.task: asyncio.Task | None = None
        self.running: set[asyncio.Task] = set()
        self.busy: set[str] = set()  # URLs with a batch in flight (not claimed again meanwhile)
        self.unsent: dict[int, Claimed] = {}  # claimed deliveries whose attempt is not recorded yet
        self.client: httpx.AsyncClient | None = None
        self.stopping = False

    async def start(self) -> None:
        if self.task is not None and not self.task.done():
            self.wake()
            return
        self.stopping = False
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()
        self.client = httpx.AsyncClient(timeout=webhook.TIMEOUT_SECONDS, trust_env=False,
                                        limits=httpx.Limits(max_connections=CONCURRENCY))
        self.semaphore = asyncio.Semaphore(CONCURRENCY)
        self.task = asyncio.create_task(self._run(), name="webhook-worker")
        threading.Thread(target=_warm_up, name="ua-warm-up", daemon=True).start()

    async def stop(self) -> None:
        self.stopping = True
        if self.task is not None:
            self.wake()
            self.task.cancel()
            try:
                await self.task
            except (asyncio.CancelledError, Exception):
                pass
        for job in list(self.running):
            job.cancel()
        if self.running:
            await asyncio.gather(*self.running, return_exceptions=True)
        if self.unsent:  # claimed but never tried: due again at once after a restart, not after the lease
            try:
                await asyncio.to_thread(release, self.store, list(self.unsent.values()))
            except Exception:
                log.exception("could not release claimed webhook deliveries")
            self.unsent.clear()
        if self.client is not None:
            await self.client.aclose()
        self.task = self.client = None

    def wake(self) -> None:
        """Thread-safe: look for due callbacks now."""
        loop, event = self.loop, self.event
        if loop is None or event is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # the loop is shutting down
            pass

    async def _run(self) -> None:
        while not self.stopping:
            try:
                claimed, wait = await asyncio.to_thread(claim_due, self.store, frozenset(self.busy))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not read pending webhook deliveries")
                claimed, wait = [], POLL_SECONDS
            by_url: dict[str, list[Claimed]] = {}  # one URL's callbacks go out in event order; URLs in parallel
            for job in claimed:
                self.unsent[job.id] = job
                by_url.setdefault(job.url, []).append(job)
            for url, jobs in by_url.items():
                self.busy.add(url)
                task = asyncio.create_task(self._attempt_all(url, jobs))
                self.running.add(task)
                task.add_done_callback(self.running.discard)
            if len(claimed) == BATCH:
                continue
            timeout = POLL_SECONDS if wait is None else min(wait, POLL_SECONDS)
            try:
                await asyncio.wait_for(self.event.wait(), timeout=max(timeout, 0.005))
            except TimeoutError:
                pass
            self.event.clear()

    async def _attempt_all(self, url: str, jobs: list[Claimed]) -> None:
        """A URL's callbacks go out one after the other, in order; no other batch for it meanwhile."""
        try:
            for job in jobs:
                await self._attempt(job)
        finally:
            self.busy.discard(url)
            self.wake()

    async def _attempt(self, job: Claimed) -> None:
        status_code, error = None, None
        async with self.semaphore:
            try:
                response = await asyncio.wait_for(self.client.post(  # 3 s for the whole exchange
                    job.url, content=urlencode(job.payload).encode("utf-8"),
                    headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}),
                    timeout=webhook.TIMEOUT_SECONDS)
                status_code = response.status_code
                if status_code != 200:
                    error = f"HTTP {status_code}"
            except (httpx.TimeoutException, TimeoutError):
                error = f"no answer within {webhook.TIMEOUT_SECONDS:g} s"
            except Exception as exc:  # connection refused, bad host, …
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        try:
            await asyncio.to_thread(record_attempt, self.store, job, status_code, error, self.retry_scale)
            self.unsent.pop(job.id, None)
        except Exception:
            log.exception("could not record a webhook attempt")
        self.wake()


def _warm_up() -> None:
    try:
        events.warm_up()
    except Exception:  # only an optimisation
        log.debug("user-agent warm-up failed", exc_info=True)


def probe(url: str) -> bool:
    """webhook/add, update: one POST of `{}` as JSON must answer HTTP 200 within 3 s (§2.18)."""
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


def install(services) -> WebhookWorker:
    """Attach the worker to the app's Services and start/stop it with the app."""
    worker = WebhookWorker(services.store, services.settings.webhook_retry_scale)
    services.webhook_worker = worker
    services.on_start.append(worker.start)
    services.on_stop.append(worker.stop)
    return worker
