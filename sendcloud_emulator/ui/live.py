"""Live pages by server-sent events: the mail list's first page and one mail's timeline.

A stream reads the database only when the store's write counter moved (a write of this process)
or, for writes of other processes sharing the database, every FALLBACK seconds; between looks it
sleeps asynchronously and holds no transaction. A stream ends after LIFETIME seconds with a `bye`
event (the page reconnects with its current cursors), so a server shutting down never waits long
on an open tab.
"""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable

from sqlalchemy import func
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from ..domain.outbox import Mail, MailEvent, capped_count
from ..domain.webhook import WebhookAttempt, WebhookDelivery
from . import queries

TICK = 0.2  # how often the in-memory write counter is looked at
FALLBACK = 2.0  # how often the database is looked at anyway (writes of other processes)
LIFETIME = 15.0
RETRY_MS = 1000


def frame(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def stream(request, store, look: Callable[[], list[tuple[str, dict]]]) -> AsyncIterator[str]:
    """Run `look` (in the thread pool) whenever the database may have moved; yield its frames."""
    yield f"retry: {RETRY_MS}\n" + frame("ready", {})
    started = last = time.monotonic()
    seen = None
    while time.monotonic() - started < LIFETIME:
        if await request.is_disconnected():
            return
        now = time.monotonic()
        if store.version != seen or now - last >= FALLBACK:
            seen, last = store.version, now
            for event, data in await run_in_threadpool(look):
                yield frame(event, data)
        await asyncio.sleep(TICK)
    yield frame("bye", {})


class EventStream(StreamingResponse):
    """text/event-stream that ends cleanly when a stopping server cancels it after its grace period
    (uvicorn's timeout_graceful_shutdown) instead of logging the cancellation as an app error."""

    media_type = "text/event-stream"

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await send({"type": "http.response.body", "body": frame("bye", {}).encode(), "more_body": False})


# the mail list --------------------------------------------------------------------------------------
class ListState:
    """What the page shows: the ids of its first page (newest first), the total and an event cursor."""

    def __init__(self, flt, after: int, events: int, limit: int = queries.PAGE):
        self.flt, self.limit = flt, limit
        self.after, self.events = after, events
        self.shown: list[int] | None = None  # filled on the first look: the page as rendered
        self.total: int | None = None

    def look(self, session: Session, render: Callable[[list], str], total_text: Callable[[int | str], str]) -> list:
        where = self.flt.where(session)
        if where is None:
            return []
        ids = list(session.exec(select(Mail.id).where(*where).order_by(Mail.id.desc()).limit(self.limit)).all())
        newest_event = session.exec(select(func.max(MailEvent.id))).one() or 0
        if self.shown is None:  # the rendered page: what the first page held at `after`
            self.shown, self.total = [i for i in ids if i <= self.after], None
            if self.shown == ids:
                self.total = capped_count(session, where)
        changed = set()
        if newest_event > self.events and ids:
            changed = set(session.exec(select(MailEvent.mail_id).where(MailEvent.id > self.events,
                                                                        MailEvent.mail_id.in_(ids))).all())
        self.events = max(self.events, newest_event)
        total = capped_count(session, where)  # (count, whether it stopped at the cap)
        added = [i for i in ids if i not in set(self.shown)]
        if not added and not changed and ids == self.shown and total == self.total:
            return []
        fresh = [i for i in added if i > self.after]
        self.after = max([self.after, *ids])
        self.shown, self.total = ids, total
        count, capped = total
        shown = f"{count}+" if capped else count
        wanted = set(added) | changed
        rows = []
        if wanted:
            rows = list(session.exec(select(Mail, queries.Account.user_name)
                                     .join(queries.Account, queries.Account.id == Mail.account_id)
                                     .where(Mail.id.in_(wanted)).order_by(Mail.id.desc())).all())
        return [("page", {"order": ids, "html": render(rows), "fresh": fresh, "total": count, "shownTotal": shown,
                          "totalText": total_text(shown), "newestId": self.after, "events": self.events,
                          "older": ids[-1] if count > len(ids) and ids else None})]


# one mail -----------------------------------------------------------------------------------------
class MailState:
    """One mail's view: its newest event and newest webhook attempt."""

    def __init__(self, email_id: str, events: int, attempts: int):
        self.email_id, self.events, self.attempts = email_id, events, attempts
        self.gone = False

    def look(self, session: Session, render: Callable[[Mail], dict]) -> list:
        mail = session.exec(select(Mail).where(Mail.email_id == self.email_id)).first()
        if mail is None:
            said, self.gone = self.gone, True
            return [] if said else [("gone", {})]
        events, attempts = cursors(session, mail)
        if events == self.events and attempts == self.attempts:
            return []
        self.events, self.attempts = events, attempts
        return [("mail", {"status": mail.status, "events": events, "attempts": attempts, **render(mail)})]


def cursors(session: Session, mail: Mail) -> tuple[int, int]:
    """The mail's newest event id and newest webhook attempt id (0 when none)."""
    events = session.exec(select(func.max(MailEvent.id)).where(MailEvent.mail_id == mail.id)).one() or 0
    attempts = session.exec(select(func.max(WebhookAttempt.id))
                            .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
                            .where(WebhookDelivery.email_id == mail.email_id)).one() or 0
    return events, attempts
