"""Load a fixtures file (docs/fixtures.md) into the store. Loading is idempotent per userName."""

import json
from importlib import resources
from pathlib import Path

from .domain import accounts
from .store.db import Store


def read(path: str | None) -> dict:
    """The given file, or the default account bundled with the package."""
    if path:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    return json.loads(resources.files("emulator").joinpath("fixtures/default.json").read_text(encoding="utf-8"))


def load(store: Store, data: dict) -> list[dict]:
    """Create every account of `data` that does not exist yet; returns the accounts' views."""
    created = []
    for spec in data.get("accounts", []):
        try:
            with store.session(write=True) as session:
                existing = accounts.find_account(session, user_name=spec.get("userName"))
                if existing is not None:
                    created.append(accounts.account_view(session, existing))
                    continue
                created.append(accounts.create_account(store, session, spec))
        except accounts.AccountClash:
            # Another process loaded the same fixtures at the same moment: keep its account.
            with store.session() as session:
                existing = accounts.find_account(session, user_name=spec.get("userName"))
                if existing is None:
                    raise
                created.append(accounts.account_view(session, existing))
    return created
