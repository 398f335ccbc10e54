"""domain/*, apiuser/* and userinfo/get (docs/api.md §2.6–§2.8)."""

import re

from ..codes import ApiError
from ..context import Ctx
from ..domain import accounts, quota
from .. import values
from ..protocol.declaration import Param
from . import declare

_VERIFY = re.compile(r"([<>]?)([0-9]+)")

DOMAIN = Param("name", "string", "A sending domain of the account.", required=True, max_length=250,
               codes=(41001, 41002, 41014))
NEW_DOMAIN = Param("newName", "string", "The domain's new name (not containing sendcloud or ifaxin).",
                   required=True, max_length=250, codes=(41004, 41005, 41006, 41016))
EMAIL_TYPE = Param("emailType", "integer", "0 trigger (transactional), 1 batch.", maximum=1, codes=(41101, 41102))
DOMAIN_NAME = Param("domainName", "string", "The domain the API_USER sends from.", max_length=250,
                    codes=(41105, 41107, 41106))


def _flag(name: str, meaning: str, codes: tuple[int, ...], default: str = "1") -> Param:
    return Param(name, "boolean", f"1 turns {meaning} tracking on for the API_USER's mails.", default=default,
                 codes=codes)


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


@declare(Param("name", "string", "Keep only these domains.", list=True, codes=(41001,)),
         Param("type", "integer", "0 test domain, 1 normal domain.", maximum=1, codes=(41007, 41008)),
         Param("verify", "string", "Verify bitmask: `N` exactly, `>N` or `<N` (N in 0..31).", codes=(41009, 41010, 41011)))
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


@declare(DOMAIN.but(description="The new domain (not containing sendcloud, ifaxin or `;`).",
                     codes=(41001, 41013, 41002, 41003, 41015)), codes=(41012,))
def domain_add(ctx: Ctx) -> dict:
    """Add a sending domain (at most 5 besides the test domain)."""
    name = ctx.params.token("name", required=True, empty=41001)
    if ";" in name:
        raise ApiError(41013)
    if len(name) > 250:
        raise ApiError(41002)
    if not _new_domain_name(name):
        raise ApiError(41003)
    return {"data": _domain_view(ctx, accounts.add_domain(ctx.session, ctx.account.id, name, ctx.now))}


@declare(DOMAIN, NEW_DOMAIN)
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


@declare(EMAIL_TYPE, Param("cType", "integer", "0 test, 1 non-test.", maximum=1, codes=(41103, 41104)),
         DOMAIN_NAME.but(description="Keep only API_USERs of this domain (an unknown one matches nothing)."))
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


@declare(Param("name", "string", "The new API_USER's name, unique in the whole emulator: `[A-Za-z0-9_]`.",
               required=True, min_length=6, max_length=32, codes=(41110, 41111, 41119)),
         EMAIL_TYPE.but(required=True), DOMAIN_NAME.but(required=True, codes=(41105, 41107, 41106, 41108)),
         _flag("open", "open", (41113, 41114)),
         _flag("click", "click", (41115, 41116), default="1 when the domain's CNAME is verified, else 0"),
         _flag("unsubscribe", "unsubscribe-link", (41117, 41118)), codes=(41112,))
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
    user = accounts.add_api_user(ctx.session, ctx.account.id, name, email_type, domain, open_, click, unsubscribe,
                                 ctx.now)
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
