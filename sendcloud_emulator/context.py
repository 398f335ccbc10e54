"""What an action handler gets: parsed params, the caller, one open transaction, the settings."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from .domain import clock
from .domain.accounts import Account, ApiUser
from .protocol.params import Params
from .settings import Settings
from .store.db import Store


@dataclass
class Ctx:
    store: Store
    session: Session
    settings: Settings
    params: Params
    account: Account
    api_user: ApiUser
    now: datetime  # the account's clock (aware UTC), read once for the whole request
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    services: object | None = None  # the app's long-lived helpers (webhook sender, outbox waiters)
    prepared: dict = field(default_factory=dict)  # what the action's `prepare` found before the transaction
    source: str = "v2"  # the door the request came in by: every mail it stores carries it

    @property
    def lang(self) -> str:
        return self.settings.lang

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.settings.tz)

    def fmt(self, moment: datetime | None) -> str:
        """`yyyy-MM-dd HH:mm:ss` in the emulator's time zone (§1.9)."""
        return clock.fmt(moment, self.settings.tz)

    def today(self) -> date:
        return self.local(self.now).date()

    def word(self, zh: str, en: str) -> str:
        return en if self.settings.lang == "en" else zh


@dataclass
class Reply:
    """A success answer other than plain 200 (40821 for address-list tasks)."""

    code: int
    info: dict


@dataclass(frozen=True)
class Door:
    """How one door runs an action inside the pipeline and answers: /apiv2's envelope by default
    (app.apiv2_door); the v1 door runs its twin with its own reads and answers its own shapes."""

    source: str  # marks the mails the request stores
    run: Callable  # (entry, ctx) → result, inside the transaction
    answer: Callable  # (result) → Response
    fail: Callable  # (ApiError) → Response
