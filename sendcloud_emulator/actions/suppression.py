"""bounce, unsubscribe and spamreported (docs/api.md §2.14–§2.16): the account's suppression lists."""

from ..context import Ctx
from ..domain import suppression
from ..domain.suppression import Bounce, SpamReport, Unsubscribe
from . import declare, filters
from .filters import API_USER_LIST, EMAIL, LABEL_ID_LIST, PAGING, WINDOW


def _lookup(ctx: Ctx):
    """email, then the window unless email was given (then the window is ignored, §1.8)."""
    email = filters.email(ctx)
    window = None if email is not None else filters.window(ctx)
    return email, window.bounds(ctx) if window else None


def _bounce(ctx: Ctx, e: Bounce) -> dict:
    return {"email": e.email, "reason": e.reason, "bounceTime": ctx.fmt(e.bounce_time), "domain": e.domain}


def _unsubscribe(ctx: Ctx, e: Unsubscribe) -> dict:
    return {"email": e.email, "domain": e.domain, "labelId": e.label_id, "apiUser": e.api_user,
            "unsubscribeTime": ctx.fmt(e.unsubscribe_time)}


def _spam(ctx: Ctx, e: SpamReport) -> dict:
    return {"receiver": e.email, "reason": e.reason, "spamReportedTime": ctx.fmt(e.spam_reported_time),
            "domain": e.domain}


def _page(ctx: Ctx, table, render, email: str | None, bounds, **filters) -> dict:
    """One page of a list, newest first (paging is read last, as declared)."""
    start, limit = ctx.params.paging()
    rows, total = suppression.search(ctx.session, table, ctx.account.id, email, bounds, start, limit, **filters)
    return {"dataList": [render(ctx, r) for r in rows], "count": len(rows), "total": total}


@declare(EMAIL, *WINDOW, *PAGING)
def bounce_list(ctx: Ctx) -> dict:
    """Bounced addresses, newest first."""
    return _page(ctx, Bounce, _bounce, *_lookup(ctx))


@declare(EMAIL, *WINDOW)
def bounce_delete(ctx: Ctx) -> dict:
    """Remove an address (email) or every entry in a window from the bounce list."""
    email, bounds = _lookup(ctx)
    return {"count": suppression.delete(ctx.session, Bounce, ctx.account.id, email, bounds)}


@declare(*WINDOW)
def bounce_count(ctx: Ctx) -> dict:
    """The number of bounce entries in a window."""
    bounds = filters.window(ctx).bounds(ctx)
    return {"count": suppression.count(ctx.session, Bounce, ctx.account.id, bounds)}


@declare(EMAIL, *WINDOW, API_USER_LIST, LABEL_ID_LIST, *PAGING)
def unsubscribe_list(ctx: Ctx) -> dict:
    """Unsubscribed addresses, newest first."""
    email, bounds = _lookup(ctx)
    api_users = filters.api_user_list(ctx)
    label_ids = filters.label_id_list(ctx)
    return _page(ctx, Unsubscribe, _unsubscribe, email, bounds, api_users=api_users, label_ids=label_ids)


@declare(EMAIL.but(required=True, description="The address to put on the list."))
def unsubscribe_add(ctx: Ctx) -> dict:
    """Put an address on the unsubscribe list (an existing entry is returned unchanged)."""
    email = filters.email(ctx, required=True)
    entry = suppression.add_unsubscribe(ctx.session, ctx.account.id, email, ctx.api_user.name, 0, ctx.now,
                                        refresh=False)
    return {"data": _unsubscribe(ctx, entry)}


@declare(EMAIL, *WINDOW)
def unsubscribe_delete(ctx: Ctx) -> dict:
    """Remove an address (email) or every entry in a window from the unsubscribe list."""
    email, bounds = _lookup(ctx)
    return {"count": suppression.delete(ctx.session, Unsubscribe, ctx.account.id, email, bounds)}


@declare(EMAIL, *WINDOW, *PAGING)
def spamreported_list(ctx: Ctx) -> dict:
    """Addresses that reported spam, newest first."""
    return _page(ctx, SpamReport, _spam, *_lookup(ctx))
