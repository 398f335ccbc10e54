"""Load a fixtures file (docs/fixtures.md) into the store. Loading is idempotent per userName."""

import json
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from .domain import accounts, addresslist, clock, label, template
from .store.db import Store


def read(path: str | None) -> dict:
    """The given file, or the default account bundled with the package."""
    if path:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    return json.loads(resources.files("sendcloud_emulator").joinpath("fixtures/default.json").read_text(encoding="utf-8"))


def load(store: Store, data: dict, now: datetime | None = None) -> list[dict]:
    """Create every account of `data` that does not exist yet, with its configuration; returns the views.

    `now` stamps every created row (the demo generator pins it so that the same seed gives the same rows).
    """
    created = []
    for spec in data.get("accounts", []):
        try:
            with store.session(write=True) as session:
                existing = accounts.find_account(session, user_name=spec.get("userName"))
                if existing is not None:
                    created.append(accounts.account_view(session, existing))
                    continue
                view = accounts.create_account(store, session, spec)
                account = accounts.find_account(session, user_name=view["userName"])
                _configure(store, session, account, spec, now or clock.now(session, account.id))
                created.append(accounts.account_view(session, accounts.find_account(session, user_name=view["userName"])))
        except (accounts.AccountClash, IntegrityError):
            # Another process loaded the same fixtures at the same moment: keep its account.
            with store.session() as session:
                existing = accounts.find_account(session, user_name=spec.get("userName"))
                if existing is None:
                    raise
                created.append(accounts.account_view(session, existing))
    return created


def _configure(store: Store, session, account: accounts.Account, spec: dict, now: datetime) -> None:
    """The optional configuration of a fixtures account: domains, apiUsers, labels, templates, addressLists."""
    account.created_at = now
    session.add(account)
    for row in session.exec(select(accounts.Domain).where(accounts.Domain.account_id == account.id)).all():
        row.created_at = row.updated_at = now
        session.add(row)
    for row in session.exec(select(accounts.ApiUser).where(accounts.ApiUser.account_id == account.id)).all():
        row.created_at = now
        session.add(row)
    domains = {}
    for item in spec.get("domains", []):
        domain = accounts.add_domain(session, account.id, item["name"], now)
        domain.verify = int(item.get("verify", 0)) & accounts.VERIFY_ALL
        domain.created_at = domain.updated_at = now
        session.add(domain)
        domains[domain.name_key] = domain
    for item in spec.get("apiUsers", []):
        if not accounts.is_api_user_name(str(item.get("name"))):
            raise accounts.AccountInvalid(f"apiUsers: name {item.get('name')!r} must match {accounts.API_USER_NAME}")
        if item.get("apiKey") is not None and not accounts.is_key(str(item["apiKey"])):
            raise accounts.AccountInvalid(f"apiUsers: apiKey of {item['name']} must match {accounts.KEY}")
        domain = domains.get(str(item.get("domain", "")).lower()) or accounts.find_domain(
            session, account.id, item.get("domain") or spec.get("domain") or "")
        if domain is None:
            raise ValueError(f"apiUser {item['name']}: no domain {item.get('domain')!r} in account {account.user_name}")
        user = accounts.add_api_user(session, account.id, item["name"], int(item.get("emailType", 0)), domain,
                                     int(item.get("open", 1)), int(item.get("click", 0)),
                                     int(item.get("unsubscribe", 1)), now)
        if item.get("apiKey"):
            user.api_key = item["apiKey"]
        user.created_at = now
        session.add(user)
    for name in spec.get("labels", []):
        label.add(store, session, account.id, name, now)
    for item in spec.get("templates", []):
        row = template.Template(account_id=account.id, invoke_name=item["invokeName"], name=item["name"],
                                template_type=int(item.get("templateType", 0)),
                                template_stat=int(item.get("templateStat", template.APPROVED)),
                                subject=item["subject"], html=item["html"], text=item.get("text", ""),
                                content_summary=item.get("contentSummary", ""), created_at=now,
                                updated_at=None)
        session.add(row)
    for item in spec.get("addressLists", []):
        found = addresslist.add_list(session, account.id, item["address"], item["name"], item.get("desc", ""),
                                     int(item.get("listType", 0)), now)
        entries = [(m["member"], m.get("name", ""), addresslist.vars_text(m["vars"]) if m.get("vars") else "")
                   for m in item.get("members", [])]
        if entries:
            addresslist.add_members(session, found, entries, now)
    session.flush()
