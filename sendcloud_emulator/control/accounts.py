"""/_emulator/accounts: create, list, show, change and delete accounts (isolation for tests)."""

from typing import Literal

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from ..domain import accounts
from ..values import INT_MAX
from . import ADMIN, TAG, ServicesDep, models

router = APIRouter(prefix="/_emulator/accounts", tags=[TAG], dependencies=ADMIN)


class AccountPatch(BaseModel):
    quota: int | None = Field(default=None, ge=0, le=INT_MAX)
    templateReview: Literal["auto", "manual"] | None = None
    appKey: str | None = Field(default=None, pattern=accounts.KEY)
    rateLimitPerMinute: int | None = Field(default=None, ge=0, le=INT_MAX)  # 0 removes the limit


def _get(session, user_name: str) -> accounts.Account:
    found = accounts.find_account(session, user_name=user_name)
    if found is None:
        raise HTTPException(status_code=404, detail="no such account")
    return found


@router.post("", status_code=201, response_model=models.AccountView)
def create(body: accounts.AccountSpec, services: ServicesDep) -> dict:
    """Create an account with a test domain, a trigger and a batch API_USER; missing values are generated."""
    try:
        with services.store.session(write=True) as session:
            return accounts.create_account(services.store, session, body.model_dump(exclude_none=True))
    except (accounts.AccountClash, accounts.AccountInvalid) as clash:
        raise HTTPException(status_code=400, detail=str(clash)) from clash
    except IntegrityError as clash:  # a concurrent create took the userName or a name first
        raise HTTPException(status_code=400, detail="userName or apiUser already exists") from clash


@router.get("", response_model=list[models.AccountView])
def list_all(services: ServicesDep) -> list[dict]:
    """Every account with its credentials, oldest first."""
    with services.store.session() as session:
        rows = session.exec(select(accounts.Account).order_by(accounts.Account.id)).all()
        return accounts.account_views(session, list(rows))


@router.get("/{user_name}", response_model=models.AccountView)
def show(user_name: str, services: ServicesDep) -> dict:
    """One account with its credentials and settings, or 404."""
    with services.store.session() as session:
        return accounts.account_view(session, _get(session, user_name))


@router.patch("/{user_name}", response_model=models.AccountView)
def change(user_name: str, body: AccountPatch, services: ServicesDep) -> dict:
    """Change quota, templateReview, appKey or rateLimitPerMinute."""
    with services.store.session(write=True) as session:
        account = _get(session, user_name)
        changes = body.model_dump(exclude_unset=True)
        if changes.get("quota") is not None:
            account.quota = changes["quota"]
        if changes.get("templateReview") is not None:
            account.template_review = changes["templateReview"]
        if changes.get("appKey") is not None:
            account.app_key = changes["appKey"]
        if "rateLimitPerMinute" in changes:
            account.rate_limit_per_minute = changes["rateLimitPerMinute"] or None
        session.add(account)
        session.flush()
        return accounts.account_view(session, account)


@router.delete("/{user_name}", status_code=204)
def delete(user_name: str, services: ServicesDep) -> Response:
    """Remove the account and everything it owns."""
    with services.store.session(write=True) as session:
        account = _get(session, user_name)
        services.store.lock_account(session, account.id)  # after a list task's chunk in progress
        accounts.delete_account_rows(session, account.id)
        session.delete(account)
    worker = getattr(services, "webhook_worker", None)
    if worker is not None:  # the callbacks it holds in memory are gone with their rows
        worker.forget(account.id)
    services.rate_limiter.clear(account.id)
    return Response(status_code=204)
