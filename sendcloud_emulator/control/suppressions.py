"""/_emulator/accounts/{userName}/suppressions/{list}: an account's bounce, unsubscribe and spam-report
lists, read and emptied through the same domain functions as bounce/list, bounce/delete and
unsubscribe/delete (spam reports have no SendCloud delete action; here they can be removed too)."""

from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from ..domain import accounts, clock, suppression
from . import ADMIN, TAG
from .models import Deleted

router = APIRouter(prefix="/_emulator/accounts/{user_name}/suppressions", tags=[TAG], dependencies=ADMIN)

Kind = Literal["bounces", "unsubscribes", "spamreports"]
TABLES = {"bounces": suppression.Bounce, "unsubscribes": suppression.Unsubscribe,
          "spamreports": suppression.SpamReport}


class Entry(BaseModel):
    email: str
    domain: str
    time: str  # ISO 8601 in the emulator's zone: bounce / unsubscribe / report time
    reason: str | None  # bounces and spam reports (null in unsubscribes)
    apiUser: str | None  # unsubscribes (null in the others)
    labelId: int | None  # unsubscribes (null in the others)


class EntryPage(BaseModel):
    total: int
    items: list[Entry]


def _account(session, user_name: str) -> accounts.Account:
    found = accounts.find_account(session, user_name=user_name)
    if found is None:
        raise HTTPException(status_code=404, detail="no such account")
    return found


def entry(row, tz) -> Entry:
    moment = getattr(row, suppression.TIME_COLUMN[type(row)])
    return Entry(email=row.email, domain=row.domain, time=clock.iso(moment, tz),
                 reason=getattr(row, "reason", None), apiUser=getattr(row, "api_user", None),
                 labelId=getattr(row, "label_id", None))


def entries(session, account_id: int, kind: str, email: str | None, offset: int, limit: int, tz) -> EntryPage:
    rows, total = suppression.search(session, TABLES[kind], account_id, email, None, offset, limit)
    return EntryPage(total=total, items=[entry(r, tz) for r in rows])


@router.get("/{kind}")
def list_entries(request: Request, user_name: str, kind: Kind, email: str | None = Query(default=None),
                 offset: int = Query(default=0, ge=0), limit: int = Query(default=100, ge=0, le=1000)) -> EntryPage:
    """The list's entries, newest first; `email` looks one address up (case-insensitive)."""
    with request.app.state.store.session() as session:
        account = _account(session, user_name)
        return entries(session, account.id, kind, email, offset, limit, request.app.state.settings.tz)


@router.delete("/{kind}")
def delete_entries(request: Request, user_name: str, kind: Kind,
                   email: str | None = Query(default=None, description="the address to remove; omitted: all")) -> Deleted:
    """Remove one address (or, without `email`, every address) from the list: sends to it are no
    longer suppressed by this list."""
    if email is not None and not email.strip():
        raise HTTPException(status_code=400, detail="email must not be empty")
    with request.app.state.store.session(write=True) as session:
        account = _account(session, user_name)
        request.app.state.store.lock_account(session, account.id)  # as bounce/delete: one writer per account
        return Deleted(deleted=suppression.delete(session, TABLES[kind], account.id, email, None))

