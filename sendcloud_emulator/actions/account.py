"""domain/*, apiuser/* and userinfo/get (api.md §2.6–§2.8)."""

import re

from ..codes import ApiError
from ..context import Ctx
from ..domain import accounts, quota
from .. import values
from . import declare

_VERIFY = re.compile(r"([<>]?)([0-9]+)")


def _domain_view(ctx: Ctx, domain: accounts.Domain) -> dict:
    view = {"name": domain.name, "type": ctx.word("测试", "test") if domain.is_test else ctx.word("普通", "normal"),
            "verify": domain.verify}
    view.update(accounts.domain_records(domain.name))
    view.update({"gmtCreated": ctx.fmt(domain.created_at), "gmtUpdated": ctx.fmt(domain.updated_at)})
    return view


def _new_domain_name(name: str) -> bool:
    """Names that domain/add creates and domain/update renames to: syntax plus no reserved words."""
    lowered = name.lower()
    return values.is_domain_name(name) and "sendcloud" not in lowered and "ifaxin" not in lowered


@declare("name", "type", "verify")
def domain_list(ctx: Ctx) -> dict:
    """List the account's domains, filtered by exact names, type and verify bitmask."""
    p = ctx.params
    names = p.items("name", empty=41001)
    type_ = p.integer("type", empty=41007, invalid=41008, hi=1)
    verify = None
    raw = p.token("verify", empty=41009)
    if raw is not None:
        match = _VERIFY.fullmatch(raw)
        if not match:
            raise ApiError(41010)
        number = values.parse_int(match.group(2))
        if number is None or number > accounts.VERIFY_ALL:
            raise ApiError(41011)
        verify = (match.group(1), number)
    rows = accounts.list_domains(ctx.session, ctx.account.id, names, type_, verify)
    return {"dataList": [_domain_view(ctx, d) for d in rows], "count": len(rows), "total": len(rows)}


@declare("name")
def domain_add(ctx: Ctx) -> dict:
    """Add a sending domain (at most 5 besides the test domain)."""
    name = ctx.params.token("name", required=True, empty=41001)
    if ";" in name:
        raise ApiError(41013)
    if len(name) > 250:
        raise ApiError(41002)
    if not _new_domain_name(name):
        raise ApiError(41003)
    return {"data": _domain_view(ctx, accounts.add_domain(ctx.session, ctx.account.id, name))}


@declare("name", "newName")
def domain_update(ctx: Ctx) -> dict:
    """Rename a domain that is neither the test domain nor verified."""
    p = ctx.params
    name = p.token("name", required=True, empty=41001)
    if len(name) > 250:
        raise ApiError(41002)
    domain = accounts.find_domain(ctx.session, ctx.account.id, name)
    if domain is None:
        raise ApiError(41014)
    new_name = p.token("newName", required=True, empty=41004)
    if len(new_name) > 250:
        raise ApiError(41005)
    if ";" in new_name or not _new_domain_name(new_name):
        raise ApiError(41006)
    return {"data": _domain_view(ctx, accounts.rename_domain(ctx.session, domain, new_name, ctx.now))}


def _domain_name(ctx: Ctx, required: bool) -> str | None:
    name = ctx.params.token("domainName", required=required, empty=41105)
    if name is not None:
        if len(name) > 250:
            raise ApiError(41107)
        if not values.is_domain_name(name):
            raise ApiError(41106)
    return name


def _api_user_words(ctx: Ctx, user: accounts.ApiUser, domain: accounts.Domain) -> dict:
    return {
        "cType": ctx.word("测试", "test") if domain.is_test else ctx.word("非测试", "non-test"),
        "emailType": ctx.word("触发", "trigger") if user.email_type == 0 else ctx.word("批量", "batch"),
    }


@declare("emailType", "cType", "domainName")
def apiuser_list(ctx: Ctx) -> dict:
    """List the account's API_USERs."""
    p = ctx.params
    email_type = p.integer("emailType", empty=41101, invalid=41102, hi=1)
    c_type = p.integer("cType", empty=41103, invalid=41104, hi=1)
    domain_name = _domain_name(ctx, required=False)
    rows = accounts.list_api_users(ctx.session, ctx.account.id, email_type, c_type, domain_name)
    items = []
    for user, domain in rows:
        words = _api_user_words(ctx, user, domain)
        items.append({"name": user.name, "cType": words["cType"], "emailType": words["emailType"],
                      "domainName": domain.name, "neteaseSender": "", "click": user.click,
                      "open": user.open, "unsubscribe": user.unsubscribe})
    return {"dataList": items, "count": len(items), "total": len(items)}


@declare("name", "emailType", "domainName", "open", "click", "unsubscribe")
def apiuser_add(ctx: Ctx) -> dict:
    """Create an API_USER bound to one of the account's domains; its key is shown only here."""
    p = ctx.params
    name = p.token("name", required=True, empty=41110)
    if not accounts.is_api_user_name(name):
        raise ApiError(41111)
    if accounts.api_user_name_taken(ctx.session, name):
        raise ApiError(41119)
    email_type = p.integer("emailType", required=True, empty=41101, invalid=41102, hi=1)
    domain_name = _domain_name(ctx, required=True)
    domain = accounts.find_domain(ctx.session, ctx.account.id, domain_name)
    if domain is None:
        raise ApiError(41108)
    open_ = p.flag("open", empty=41113, invalid=41114, default=1)
    cname_ok = bool(domain.verify & accounts.CNAME_BIT)
    click = p.flag("click", empty=41115, invalid=41116, default=int(cname_ok))
    if click and not cname_ok:
        raise ApiError(41116)
    unsubscribe = p.flag("unsubscribe", empty=41117, invalid=41118, default=1)
    user = accounts.add_api_user(ctx.session, ctx.account.id, name, email_type, domain, open_, click, unsubscribe)
    words = _api_user_words(ctx, user, domain)
    return {"total": 1, "data": {"name": user.name, "nameKey": user.api_key, "cType": words["cType"],
                                 "emailType": words["emailType"], "domain": domain.name, "neteaseSender": "",
                                 "click": user.click, "open": user.open, "unsubscribe": user.unsubscribe}}


@declare()
def userinfo_get(ctx: Ctx) -> dict:
    """The account's profile and today's quota use."""
    account = ctx.account
    return {
        "userName": account.user_name,
        "email": account.email,
        "phone": account.phone,
        "regTime": ctx.local(account.created_at).strftime("%Y-%m-%d"),
        "accountType": ctx.word("付费用户", "paid user"),
        "quota": account.quota,
        "todayUsedQuota": quota.used_on(ctx.session, account.id, ctx.today()),
        "reputation": 100.0,
        "balance": 1000.0,
        "avaliableBalance": 1000.0,
        "websiteAuthStatus": True,
        "businessAuthStatus": True,
    }
