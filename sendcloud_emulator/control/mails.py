"""/_emulator/mails: the outbox (docs/control-api.md "Sent mail").

`wait=` long-polls without holding a transaction or a worker thread: each look is a short read
in the thread pool, and the request sleeps asynchronously between looks.
"""

import asyncio
import json
import re
import time
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from ..domain import accounts, clock, mime, outbox
from . import ADMIN, TAG, models

router = APIRouter(prefix="/_emulator/mails", tags=[TAG], dependencies=ADMIN)

MAX_WAIT = 30.0
POLL_SECONDS = 0.1


def _since(request: Request, text: str | None) -> datetime | None:
    if text is None or not text.strip():
        return None
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text.strip())  # an unencoded "+08:00" arrives as " 08:00"
    try:
        return clock.parse_iso(text, request.app.state.settings.tz)
    except ValueError:
        raise HTTPException(status_code=400, detail="since: not an ISO 8601 time") from None


class Filters:
    """The shared query filters of the outbox routes."""

    def __init__(
        self,
        request: Request,
        account: str | None = Query(default=None, description="the account's userName"),
        apiUser: str | None = Query(default=None),
        to: str | None = Query(default=None, description="exact recipient (case-insensitive)"),
        from_: str | None = Query(default=None, alias="from"),
        subject: str | None = Query(default=None, description="substring"),
        labelId: int | None = Query(default=None),
        templateInvokeName: str | None = Query(default=None),
        messageId: str | None = Query(default=None),
        maillistTaskId: int | None = Query(default=None),
        status: Literal[outbox.STATUSES] | None = Query(default=None),
        source: Literal[outbox.SOURCES] | None = Query(default=None, description="the door the mail came in by"),
        since: str | None = Query(default=None, description="ISO 8601; without an offset, the emulator's zone"),
        q: str | None = Query(default=None, description="substring of subject, html or plain"),
    ):
        self.filter = outbox.MailFilter(account=account, api_user=apiUser, to=to, from_=from_, subject=subject, label_id=labelId,
                                        template_invoke_name=templateInvokeName, message_id=messageId,
                                        maillist_task_id=maillistTaskId, status=status, source=source,
                                        since=_since(request, since), q=q)


def _user_names(session, mails: list[outbox.Mail]) -> dict[int, str]:
    ids = {m.account_id for m in mails}
    return {i: a.user_name for i in ids if (a := session.get(accounts.Account, i)) is not None}


def summary(request: Request, mail: outbox.Mail, account: str | None) -> dict:
    """A whole mail's list item (`listed`), its account's userName given."""
    row = tuple(getattr(mail, column.key) for column in outbox.SUMMARY_COLUMNS[:-1]) + (account,)
    return listed(row, request.app.state.settings.tz)


# outbox.SUMMARY_COLUMNS in their order: a listed row is unpacked as a tuple (reading a row's values by
# name costs several times more, on every item of every page)
_SUMMARY_ORDER = ("email_id", "message_id", "account_id", "api_user", "source", "from_address", "from_name",
                  "recipient", "subject", "status", "sub_stat", "label_id", "template_invoke_name",
                  "maillist_task_id", "attachments", "request_time", "user_name")
if tuple(column.key for column in outbox.SUMMARY_COLUMNS) != _SUMMARY_ORDER:
    raise RuntimeError("control/mails.py: _SUMMARY_ORDER must list outbox.SUMMARY_COLUMNS in their order")


def listed(row, tz) -> dict:
    """A mail's list item in the control API, from a row of outbox.SUMMARY_COLUMNS (the one place it is built)."""
    (email_id, message_id, _, api_user, source, from_address, from_name, recipient, subject, status, sub_stat,
     label_id, template_invoke_name, maillist_task_id, attachments, request_time, user_name) = row
    return {
        "emailId": email_id, "messageId": message_id, "account": user_name, "apiUser": api_user, "source": source,
        "from": from_address, "fromName": from_name, "to": recipient, "subject": subject, "status": status,
        "subStat": sub_stat or None, "labelId": label_id or None, "templateInvokeName": template_invoke_name,
        "maillistTaskId": maillist_task_id, "hasAttachments": attachments not in ("", "[]"),
        "createdAt": clock.iso(request_time, tz),
    }


def full(request: Request, session, mail: outbox.Mail, account: str | None) -> dict:
    view = summary(request, mail, account)
    view.update({
        "recipient": mail.recipient,
        "toList": json.loads(mail.to or "[]"),
        "cc": json.loads(mail.cc or "[]"),
        "bcc": json.loads(mail.bcc or "[]"),
        "replyTo": json.loads(mail.reply_to or "[]"),
        "html": mail.html,
        "plain": mail.plain,
        "contentSummary": mail.content_summary,
        "headers": json.loads(mail.headers or "{}"),
        "variables": json.loads(mail.variables or "{}"),
        "xsmtpapi": json.loads(mail.xsmtpapi or "{}"),
        "dispositionNotificationTo": mail.notification_to,
        "calendar": mail.calendar,
        "attachments": [{k: v for k, v in item.items() if k != "fileId"}
                        for item in json.loads(mail.attachments or "[]")],
        "statusTime": clock.iso(mail.status_time, request.app.state.settings.tz),
        "events": [{"emailId": e.email_id, "event": e.event, "subStat": e.sub_stat, "url": e.url,
                    "createdAt": clock.iso(e.created_at, request.app.state.settings.tz)}
                   for e in outbox.events_of(session, mail)],
    })
    return view


def _look(request: Request, filters: Filters, offset: int, limit: int, newest_first: bool) -> dict:
    store = request.app.state.store
    with store.session() as session:
        rows, total, capped = outbox.search(session, filters.filter, offset, limit, newest_first,
                                            cap=outbox.COUNT_CAP, columns=outbox.SUMMARY_COLUMNS)
        tz = request.app.state.settings.tz
        found = {"total": total, "items": [listed(row, tz) for row in rows]}
        if capped:  # counting stopped past the page: there are more than `total`
            found["totalCapped"] = True
        return found


async def _wait_for(request: Request, filters: Filters, offset: int, limit: int, newest_first: bool,
                    wait: float) -> dict:
    deadline = time.monotonic() + min(wait, MAX_WAIT)
    while True:
        found = await run_in_threadpool(_look, request, filters, offset, limit, newest_first)
        if found["items"] or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))


WAIT = Query(default=None, ge=0, le=MAX_WAIT, description="seconds to hold the request until a match arrives")


@router.get("", response_model=models.MailPage, response_model_exclude_unset=True)
async def list_mails(request: Request, filters: Filters = Depends(), limit: int = Query(default=50, ge=0, le=500),
                     offset: int = Query(default=0, ge=0), order: Literal["desc", "asc"] = Query(default="desc"),
                     wait: float | None = WAIT) -> dict:
    """Stored mails (one per recipient), newest first; `wait` long-polls until something matches."""
    return await _wait_for(request, filters, offset, limit, order == "desc", wait or 0.0)


@router.get("/latest", response_model=models.MailFull)
async def latest(request: Request, filters: Filters = Depends(), wait: float | None = WAIT) -> dict:
    """The newest matching mail in full, or 404."""
    found = await _wait_for(request, filters, 0, 1, True, wait or 0.0)
    if not found["items"]:
        raise HTTPException(status_code=404, detail="no matching mail")
    return await run_in_threadpool(_full_by_id, request, found["items"][0]["emailId"])


@router.delete("", response_model=models.Deleted)
def delete_mails(request: Request, filters: Filters = Depends()) -> dict:
    """Delete the matching mails (no filter: all) with their events."""
    store = request.app.state.store
    with store.session(write=True) as session:
        rows, _, _ = outbox.search(session, filters.filter, 0, 2**31 - 1)
        return {"deleted": outbox.delete_mails(session, rows)}


def _get(session, email_id: str) -> outbox.Mail:
    mail = outbox.by_email_id(session, email_id)
    if mail is None:
        raise HTTPException(status_code=404, detail="no such mail")
    return mail


def _full_by_id(request: Request, email_id: str) -> dict:
    with request.app.state.store.session() as session:
        mail = _get(session, email_id)
        return full(request, session, mail, _user_names(session, [mail]).get(mail.account_id))


@router.get("/{email_id}", response_model=models.MailFull)
def get_mail(request: Request, email_id: str) -> dict:
    """One mail in full: rendered content, headers, attachments and its events."""
    return _full_by_id(request, email_id)


@router.get("/{email_id}/raw", response_class=Response,
            responses={200: {"content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "the .eml file"}})
def get_raw(request: Request, email_id: str) -> Response:
    """The RFC 5322 message (.eml) with every MIME part; for an SMTP mail, as received (substituted)."""
    with request.app.state.store.session() as session:
        mail = _get(session, email_id)
        received = outbox.message_of(session, mail)
        data = mime.received(mail, received) if received is not None else mime.raw(mail, outbox.files_of(session, mail))
    return Response(content=data, media_type="message/rfc822",
                    headers={"Content-Disposition": 'attachment; filename="mail.eml"'})


@router.get("/{email_id}/attachments/{index}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "the file, with its own content type"}})
def get_attachment(request: Request, email_id: str, index: int) -> Response:
    """One attachment or inline image (0-based, in the order of the mail's `attachments`)."""
    with request.app.state.store.session() as session:
        mail = _get(session, email_id)
        files = outbox.files_of(session, mail)
        if not 0 <= index < len(files):
            raise HTTPException(status_code=404, detail="no such attachment")
        item = files[index]
    name = quote(item.filename, safe="", errors="replace")
    return Response(content=item.data, media_type=download_type(item.content_type),
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(;[ -~]*)?")


def download_type(content_type: str) -> str:
    """A part's type as sent when it is `type/subtype` (with printable ASCII parameters); anything
    else (non-Latin-1 text, control characters) is served as application/octet-stream."""
    text = (content_type or "").strip()
    return text if _MEDIA_TYPE.fullmatch(text) else "application/octet-stream"


@router.delete("/{email_id}", status_code=204)
def delete_mail(request: Request, email_id: str) -> Response:
    """Delete one mail with its events (204), or 404."""
    with request.app.state.store.session(write=True) as session:
        outbox.delete_mails(session, [_get(session, email_id)])
    return Response(status_code=204)
