"""webhook/list, add, update, delete (docs/api.md §2.18).

add and update probe their new URL (up to 3 s) in `prepare`, before the write transaction and
without a worker thread; the handler then answers the probe's result at the probe's place in the
order of codes.
"""

import asyncio
from urllib.parse import urlsplit

from sqlmodel import select

from ..codes import ApiError
from ..context import Ctx
from ..domain import webhook
from ..domain.accounts import ApiUser
from ..protocol.declaration import Param
from ..webhook_worker import probe, probe_async
from . import declare

CATEGORY = Param("categoryName", "string", "An API_USER name of the account, or `all` for every one of them.",
                 required=True, codes=(40701, 40702))
EVENT = Param("event", "string", "Event types by name or code, separated by `,` or `;`: request, deliver, "
              "report_spam, invalid, soft_bounce, click, open, unsubscribe.", list=True, codes=(40703, 40704))
URL = Param("url", "string", "The callback URL, absolute http:// or https://.", required=True, max_length=255,
            codes=(40705, 40706))


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


def _url(ctx: Ctx, name: str, *, required: bool, called: bool = False) -> str | None:
    """`called`: a URL the configuration will call, which must not reach the emulator itself."""
    value = ctx.params.token(name, required=required, empty=40705)
    if value is None:
        return None
    if not called:
        if not webhook.is_url(value):
            raise ApiError(40706)
        return value
    seen = ctx.prepared.get(value)
    own = getattr(ctx.services, "own", None)
    return webhook.check_url(value, own, seen.resolved if seen else None)


def _probe(ctx: Ctx):
    def check(url: str) -> None:
        if not ctx.settings.webhook_probe:
            return
        seen = ctx.prepared.get(url)
        if not (seen.answered if seen is not None else probe(url)):  # unprepared callers probe here
            raise ApiError(40707)
    return check


class Prepared:
    """What `prepare` found out about one URL: the addresses its host resolves to, the probe's answer."""

    def __init__(self, resolved: list[str], answered: bool | None):
        self.resolved, self.answered = resolved, answered


async def _resolve(url: str) -> list[str]:
    try:
        host = urlsplit(url).hostname or ""
        infos = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(host, None), timeout=1.0)
    except Exception:  # unknown or slow names resolve to nothing here; the probe will fail on them
        return []
    return [info[4][0] for info in infos]


async def _prepare(services, params, names: tuple[str, ...]) -> dict:
    found = {}
    for name in names:
        value = params.token(name)
        if not value or not webhook.is_url(value):
            continue
        resolved = await _resolve(value)
        own = services.own.covers(value, resolved)
        answered = await probe_async(value) if services.settings.webhook_probe and not own else None
        found[value] = Prepared(resolved, answered)
    return found


async def prepare_add(services, params) -> dict:
    return await _prepare(services, params, ("url",))


async def prepare_update(services, params) -> dict:
    return await _prepare(services, params, ("newUrl",))


def _view(ctx: Ctx, config: webhook.WebhookConfig) -> dict:
    return webhook.view(config, ctx.fmt)


@declare(URL.but(required=False, description="Keep only configurations with this URL."),
         CATEGORY.but(required=False, description="Keep only configurations of this API_USER (or `all`)."),
         EVENT.but(description="Keep only configurations holding any of these events.", default="all"))
def list_(ctx: Ctx) -> dict:
    """The account's webhook configurations, oldest first, filtered by url, categoryName and event."""
    url = _url(ctx, "url", required=False)
    category = _category(ctx, "categoryName", required=False)
    events = _events(ctx, "event", required=False)
    rows = webhook.search(ctx.session, ctx.account.id, url, category, events)
    return {"dataList": [_view(ctx, r) for r in rows], "count": len(rows), "total": len(rows)}


@declare(CATEGORY, EVENT.but(required=True), URL.but(codes=(40705, 40706, 40708, 40707)))
def add(ctx: Ctx) -> dict:
    """Configure a URL to receive the given events of one API_USER (or `all`)."""
    category = _category(ctx, "categoryName", required=True)
    events = _events(ctx, "event", required=True)
    url = _url(ctx, "url", required=True, called=True)
    config = webhook.add(ctx.session, ctx.account.id, category, url, events, ctx.now, _probe(ctx))
    return {"data": _view(ctx, config)}


@declare(CATEGORY, URL.but(codes=(40705, 40706, 40709)),
         CATEGORY.but(name="newCategoryName", required=False, description="The new categoryName."),
         EVENT.but(name="newEvent", description="The new set of events."),
         URL.but(name="newUrl", required=False, description="The new URL (probed when given).",
                 codes=(40705, 40706, 40708, 40707)), codes=(40712, 40708))
def update(ctx: Ctx) -> dict:
    """Change a configuration's categoryName, events or url."""
    category = _category(ctx, "categoryName", required=True)
    url = _url(ctx, "url", required=True)
    config = webhook.existing(ctx.session, ctx.account.id, category, url)
    new_category = _category(ctx, "newCategoryName", required=False)
    new_events = _events(ctx, "newEvent", required=False)
    new_url = _url(ctx, "newUrl", required=False, called=True)
    webhook.update(ctx.session, config, new_category, new_events, new_url, ctx.now, _probe(ctx))
    return {"count": 1}


@declare(CATEGORY, URL.but(codes=(40705, 40706, 40709)),
         EVENT.but(description="Remove only these events; the configuration goes once none is left.", default="all"))
def delete(ctx: Ctx) -> dict:
    """Delete a configuration, or only some of its events."""
    category = _category(ctx, "categoryName", required=True)
    url = _url(ctx, "url", required=True)
    config = webhook.existing(ctx.session, ctx.account.id, category, url)
    events = _events(ctx, "event", required=False)
    webhook.remove(ctx.session, config, events, ctx.now)
    return {"count": 1}
