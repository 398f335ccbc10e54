"""The emulator's own inspection and control API under /_emulator (docs/control-api.md)."""

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ..domain import accounts as account_rules


def services(request: Request):
    return request.app.state.services


UI_COOKIE = "sc_ui_token"


def ui_cookie_value(token: str) -> str:
    """The web UI's cookie: derived from the admin token, never the token itself (a cookie jar or a
    log that shows it does not give the Bearer token away)."""
    return hmac.new(token.encode("utf-8"), b"sendcloud-emulator web UI", hashlib.sha256).hexdigest()


def require_admin(request: Request) -> None:
    """When SC_EMULATOR_ADMIN_TOKEN is set, every /_emulator route but health needs it."""
    token = request.app.state.settings.admin_token
    if token is None:
        return
    given = request.headers.get("authorization", "")
    if request.method == "GET" and not given:  # the web UI's downloads and images: its SameSite cookie
        if secrets.compare_digest(request.cookies.get(UI_COOKIE, "").encode(), ui_cookie_value(token).encode()):
            return
    if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise HTTPException(status_code=401, detail="missing or wrong admin token",
                            headers={"WWW-Authenticate": "Bearer"})


ServicesDep = Annotated[object, Depends(services)]
ADMIN = [Depends(require_admin)]
TAG = "_emulator"


def account_for(session, account: str | None, api_user: str | None):
    """`account` (userName) or `apiUser` names the account; 400 without either, 404 if unknown."""
    if not account and not api_user:
        raise HTTPException(status_code=400, detail="account or apiUser is required")
    found = account_rules.find_account(session, user_name=account, api_user=None if account else api_user)
    if found is None:
        raise HTTPException(status_code=404, detail="no such account")
    return found
