"""webhook/list, add, update, delete (api.md §2.18)."""

from sqlmodel import select

from ..codes import ApiError
from ..context import Ctx
from ..domain import webhook
from ..domain.accounts import ApiUser
from ..webhook_worker import probe
from . import declare


def _category(ctx: Ctx, name: str, *, required: bool) -> str | None:
    value = ctx.params.token(name, required=required, empty=40701)
    if value is None:
        return None
    if value.lower() == "all":
        return "all"
    if any(ord(c) < 32 or ord(c) == 127 for c in value):  # no API_USER name holds a control character
        raise ApiError(40702)
    found = ctx.session.exec(select(ApiUser.id).where(ApiUser.account_id == ctx.account.id,
                                                      ApiUser.name == value)).first()
    if found is None:
        raise ApiError(40702)
    return value


def _events(ctx: Ctx, name: str, *, required: bool) -> list[str] | None:
    value = ctx.params.raw(name, required=required, empty=40703, as_list=True)  # repeated keys are joined
    if value is None:
        return None
    if not value.replace(",", ";").replace(";", "").strip():  # a list holding no item (§1.6)
        raise ApiError(40703)
    found = webhook.parse_events(value)
    if found is None:
        raise ApiError(40704)
    return found


def _url(ctx: Ctx, name: str, *, required: bool) -> str | None:
    value = ctx.params.token(name, required=required, empty=40705)
    if value is not None and not webhook.is_url(value):
        raise ApiError(40706)
    return value


def _probe(ctx: Ctx):
    def check(url: str) -> None:
        if ctx.settings.webhook_probe and not probe(url):
            raise ApiError(40707)
    return check


def _view(ctx: Ctx, config: webhook.WebhookConfig) -> dict:
    return webhook.view(config, ctx.fmt)


@declare("url", "categoryName", "event")
def list_(ctx: Ctx) -> dict:
    """The account's webhook configurations, oldest first, filtered by url, categoryName and event."""
    url = _url(ctx, "url", required=False)
    category = _category(ctx, "categoryName", required=False)
    events = _events(ctx, "event", required=False)
    rows = webhook.search(ctx.session, ctx.account.id, url, category, events)
    return {"dataList": [_view(ctx, r) for r in rows], "count": len(rows), "total": len(rows)}


@declare("categoryName", "event", "url")
def add(ctx: Ctx) -> dict:
    """Configure a URL to receive the given events of one API_USER (or `all`)."""
    category = _category(ctx, "categoryName", required=True)
    events = _events(ctx, "event", required=True)
    url = _url(ctx, "url", required=True)
    config = webhook.add(ctx.session, ctx.account.id, category, url, events, ctx.now, _probe(ctx))
    return {"data": _view(ctx, config)}


@declare("categoryName", "url", "newCategoryName", "newEvent", "newUrl")
def update(ctx: Ctx) -> dict:
    """Change a configuration's categoryName, events or url."""
    category = _category(ctx, "categoryName", required=True)
    url = _url(ctx, "url", required=True)
    config = webhook.existing(ctx.session, ctx.account.id, category, url)
    new_category = _category(ctx, "newCategoryName", required=False)
    new_events = _events(ctx, "newEvent", required=False)
    new_url = _url(ctx, "newUrl", required=False)
    webhook.update(ctx.session, config, new_category, new_events, new_url, ctx.now, _probe(ctx))
    return {"count": 1}


@declare("categoryName", "url", "event")
def delete(ctx: Ctx) -> dict:
    """Delete a configuration, or only some of its events."""
    category = _category(ctx, "categoryName", required=True)
    url = _url(ctx, "url", required=True)
    config = webhook.existing(ctx.session, ctx.account.id, category, url)
    events = _events(ctx, "event", required=False)
    webhook.remove(ctx.session, config, events, ctx.now)
    return {"count": 1}
