"""/_emulator/accounts/{userName}/clock: read, move, freeze and reset an account's clock (time travel)."""

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field

from ..domain import accounts, clock
from . import ADMIN, TAG, ServicesDep, models

router = APIRouter(prefix="/_emulator/accounts", tags=[TAG], dependencies=ADMIN)


class ClockIn(BaseModel):
    advanceSeconds: float | None = Field(default=None, allow_inf_nan=False,
                                         description="seconds to add (> 0)")
    now: str | None = Field(default=None, description="ISO 8601 time to jump to (no offset = the emulator's zone)")
    frozen: bool | None = Field(default=None, description="stop (true) or restart (false) at the current reading")


def _account(session, user_name: str) -> accounts.Account:
    found = accounts.find_account(session, user_name=user_name)
    if found is None:
        raise HTTPException(status_code=404, detail="no such account")
    return found


def _wake(services) -> None:
    worker = getattr(services, "webhook_worker", None)
    if worker is not None:  # retries the new reading makes due go out now, not at the next poll
        worker.wake()


@router.get("/{user_name}/clock", response_model=models.ClockView)
def get_clock(user_name: str, services: ServicesDep) -> dict:
    """The account's clock: `now` (ISO, the emulator's zone), `offsetSeconds` (now − real time), `frozen`."""
    with services.store.session() as session:
        return clock.view(session, _account(session, user_name).id, services.settings.tz)


@router.put("/{user_name}/clock", response_model=models.ClockView)
def put_clock(user_name: str, body: ClockIn, services: ServicesDep) -> dict:
    """Advance (`advanceSeconds` > 0), jump forward (`now`), and/or freeze/restart (`frozen`); never backwards."""
    tz = services.settings.tz
    to = None
    if body.now is not None:
        try:
            to = clock.parse_iso(body.now, tz)
        except ValueError:
            raise HTTPException(status_code=400, detail="now: not an ISO 8601 time") from None
    with services.store.session(write=True) as session:
        account = _account(session, user_name)
        services.store.lock_account(session, account.id)
        try:
            clock.change(session, account.id, advance_seconds=body.advanceSeconds, to=to, frozen=body.frozen)
        except clock.ClockError as refused:
            raise HTTPException(status_code=400, detail=str(refused)) from refused
        view = clock.view(session, account.id, tz)
    _wake(services)
    return view


@router.delete("/{user_name}/clock", status_code=204)
def delete_clock(user_name: str, services: ServicesDep) -> Response:
    """Back to real time, unfrozen. Records made meanwhile keep their times."""
    with services.store.session(write=True) as session:
        account = _account(session, user_name)
        services.store.lock_account(session, account.id)
        clock.back_to_real_time(session, account.id)
    _wake(services)
    return Response(status_code=204)
