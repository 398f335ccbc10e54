"""/_emulator/events (simulate what a recipient or receiving server did) and /_emulator/webhook-deliveries."""

import json

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field, field_validator
from sqlmodel import select

from ..domain import clock
from ..domain import events as pipeline
from ..domain.accounts import Account
from ..domain.outbox import Mail, MailEvent
from ..domain.webhook import WebhookAttempt, WebhookDelivery
from . import ADMIN, TAG, ServicesDep, models

router = APIRouter(prefix="/_emulator", tags=[TAG], dependencies=ADMIN)


class EventIn(BaseModel):
    emailId: str
    event: str
    url: str | None = Field(default=None, max_length=2048)
    subStat: int | None = None
    ip: str | None = Field(default=None, max_length=64)
    userAgent: str | None = Field(default=None, max_length=1024)

    @field_validator("url", "ip", "userAgent")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("must not contain U+0000")
        return value


def _has_nul(*values: str | None) -> bool:
    return any(v is not None and "\x00" in v for v in values)


def _event_view(services, row: MailEvent) -> dict:
    return {"id": row.id, "emailId": row.email_id, "event": row.event, "subStat": row.sub_stat, "url": row.url,
            "ip": row.ip, "userAgent": row.user_agent,
            "createdAt": clock.iso(row.created_at, services.settings.tz)}


@router.post("/events", status_code=201, response_model=models.EventView)
def inject_event(body: EventIn, services: ServicesDep) -> dict:
    """Simulate one event for a mail; it updates status, suppression lists, statistics and fires webhooks."""
    event = body.event.strip().lower()
    if event not in pipeline.INJECTABLE:
        raise HTTPException(status_code=400, detail=f"event must be one of {', '.join(pipeline.INJECTABLE)}")
    if body.subStat is not None:
        if event not in pipeline.DEFAULT_SUB_STAT:
            raise HTTPException(status_code=400, detail="subStat applies to invalid and soft_bounce only")
        if not pipeline.valid_sub_stat(event, body.subStat):
            raise HTTPException(status_code=400, detail="subStat must be 401-409 (invalid) or 503-509 (soft_bounce)")
    if body.url is not None and event != "click":
        raise HTTPException(status_code=400, detail="url applies to click only")
    email_id = body.emailId.strip()
    if "\x00" in email_id:
        raise HTTPException(status_code=404, detail="no such emailId")
    # The user agent's fields for a callback, parsed now, outside the write lock (the first parse
    # imports the parser and compiles its patterns); the emitter finds them in client_of's cache.
    if event in pipeline.TRACKING:
        pipeline.client_of(body.userAgent)
    with services.store.session(write=True) as session:
        mail = session.exec(select(Mail).where(Mail.email_id == email_id)).first()
        if mail is None:
            raise HTTPException(status_code=404, detail="no such emailId")
        services.store.lock_account(session, mail.account_id)
        row, queued = pipeline.inject(session, mail, event, clock.now(session, mail.account_id), sub_stat=body.subStat, url=body.url,
                                      ip=body.ip, user_agent=body.userAgent)
        view = _event_view(services, row)
    worker = getattr(services, "webhook_worker", None)
    if queued and worker is not None:
        worker.wake()
    return view


@router.get("/events", response_model=models.EventPage)
def list_events(services: ServicesDep, emailId: str | None = Query(default=None),
                event: str | None = Query(default=None), account: str | None = Query(default=None)) -> dict:
    """The event log, oldest first."""
    if _has_nul(emailId, event, account):
        return {"total": 0, "items": []}
    with services.store.session() as session:
        query = select(MailEvent)
        if account is not None:
            found = session.exec(select(Account).where(Account.user_name == account)).first()
            if found is None:
                return {"total": 0, "items": []}
            query = query.where(MailEvent.account_id == found.id)
        if emailId is not None:
            query = query.where(MailEvent.email_id == emailId)
        if event is not None:
            query = query.where(MailEvent.event == event.strip().lower())
        rows = session.exec(query.order_by(MailEvent.id)).all()
        return {"total": len(rows), "items": [_event_view(services, r) for r in rows]}


@router.get("/webhook-deliveries", response_model=models.WebhookAttemptPage)
def list_deliveries(services: ServicesDep, account: str | None = Query(default=None),
                    event: str | None = Query(default=None), url: str | None = Query(default=None),
                    status: str | None = Query(default=None),
                    emailId: str | None = Query(default=None)) -> dict:
    """Every callback attempt, oldest first. `status` matches `delivered`, `retrying`, `failed` or an HTTP code."""
    if _has_nul(account, event, url, status, emailId):
        return {"total": 0, "items": []}
    with services.store.session() as session:
        query = select(WebhookAttempt, WebhookDelivery).join(WebhookDelivery,
                                                             WebhookDelivery.id == WebhookAttempt.delivery_id)
        if account is not None:
            found = session.exec(select(Account).where(Account.user_name == account)).first()
            if found is None:
                return {"total": 0, "items": []}
            query = query.where(WebhookAttempt.account_id == found.id)
        if event is not None:
            query = query.where(WebhookAttempt.event == event.strip().lower())
        if url is not None:
            query = query.where(WebhookAttempt.url == url)
        if emailId is not None:
            query = query.where(WebhookDelivery.email_id == emailId)
        if status is not None:
            status = status.strip().lower()
            if status.isdigit() and len(status) < 10:
                query = query.where(WebhookAttempt.status_code == int(status))
            else:
                query = query.where(WebhookAttempt.status == status)
        rows = session.exec(query.order_by(WebhookAttempt.id)).all()
        items = [{"id": a.id, "deliveryId": d.id, "url": a.url, "event": a.event, "emailId": d.email_id,
                  "messageId": d.message_id, "payload": json.loads(d.payload), "statusCode": a.status_code,
                  "error": a.error, "status": a.status, "attempt": a.attempt, "sentAt": clock.iso(a.sent_at, services.settings.tz),
                  "nextAttemptAt": clock.iso(a.next_attempt_at, services.settings.tz)} for a, d in rows]
        return {"total": len(items), "items": items}
