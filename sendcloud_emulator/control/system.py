"""/_emulator/health, reset, domains/verify and faults."""

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from .. import __version__
from ..chaos import FaultRule
from ..codes import catalogue
from ..domain import accounts
from ..store.db import TRAFFIC_TABLES
from . import ADMIN, TAG, ServicesDep, account_for, models

router = APIRouter(prefix="/_emulator", tags=[TAG])


@router.get("/health", response_model=models.Health)
def health(services: ServicesDep) -> dict:
    """200 once the store answers (Docker HEALTHCHECK, compose --wait); `smtp`: the SMTP ports in use, or null."""
    with services.store.session() as session:
        session.connection().exec_driver_sql("SELECT 1")
    return {"status": "ok", "version": __version__, "database": services.store.dialect,
            "smtp": dict(services.smtp.ports)}


@router.post("/reset", status_code=204, dependencies=ADMIN)
def reset(services: ServicesDep, account: str | None = Query(default=None)) -> Response:
    """Wipe everything and reload the start-up fixtures, or with ?account= only that account's traffic."""
    if account is None:
        services.store.wipe()
        _forget_callbacks(services, None)
        services.faults.clear()
        services.rate_limiter.clear()
        services.load_fixtures()
        return Response(status_code=204)
    with services.store.session(write=True) as session:
        found = accounts.find_account(session, user_name=account)
        if found is None:
            raise HTTPException(status_code=404, detail="no such account")
        services.store.lock_account(session, found.id)  # after a list task's chunk in progress, never beside it
        accounts.delete_account_rows(session, found.id, only=TRAFFIC_TABLES)
    _forget_callbacks(services, found.id)
    services.rate_limiter.clear(found.id)
    return Response(status_code=204)


def _forget_callbacks(services, account_id: int | None) -> None:
    """Callbacks the webhook worker holds in memory are gone with their rows."""
    worker = getattr(services, "webhook_worker", None)
    if worker is not None:
        worker.forget(account_id)


class VerifyBody(BaseModel):
    account: str | None = None
    apiUser: str | None = None
    name: str
    verify: int = Field(default=accounts.VERIFY_ALL, ge=0, le=accounts.VERIFY_ALL)


@router.post("/domains/verify", dependencies=ADMIN, response_model=models.DomainView)
def verify_domain(body: VerifyBody, services: ServicesDep) -> dict:
    """OR the given bits (dkim 1, spf 2, mx 4, cname 8, verifyKey 16) into a domain's verify."""
    with services.store.session(write=True) as session:
        account = account_for(session, body.account, body.apiUser)
        domain = accounts.verify_domain(session, account.id, body.name.strip(), body.verify)
        if domain is None:
            raise HTTPException(status_code=404, detail="no such domain in the account")
        return {"name": domain.name, "verify": domain.verify, "type": "test" if domain.is_test else "normal"}


class FaultRuleBody(BaseModel):
    module: str | None = None
    action: str | None = None
    apiUser: str | None = None
    statusCode: int | None = None
    probability: float = Field(default=1.0, ge=0, le=1)
    count: int | None = Field(default=None, ge=1)
    latencyMs: int | None = Field(default=None, ge=0, le=60000)


class FaultsBody(BaseModel):
    rules: list[FaultRuleBody]


@router.put("/faults", dependencies=ADMIN, response_model=models.FaultRules)
def put_faults(body: FaultsBody, services: ServicesDep) -> dict:
    """Replace the active fault rules; the first matching rule wins."""
    for rule in body.rules:
        if rule.statusCode is None and rule.latencyMs is None:
            raise HTTPException(status_code=400, detail="a rule needs statusCode, latencyMs or both")
        if rule.statusCode is not None and rule.statusCode not in catalogue():
            raise HTTPException(status_code=400, detail=f"statusCode {rule.statusCode} is not a documented code")
    services.faults.replace([FaultRule(**rule.model_dump()) for rule in body.rules])
    return {"rules": [r.view() for r in services.faults.rules]}


@router.get("/faults", dependencies=ADMIN, response_model=models.FaultRules)
def get_faults(services: ServicesDep) -> dict:
    """The active fault rules."""
    return {"rules": [r.view() for r in services.faults.rules]}


@router.delete("/faults", status_code=204, dependencies=ADMIN)
def delete_faults(services: ServicesDep) -> Response:
    """Clear every fault rule."""
    services.faults.clear()
    return Response(status_code=204)
