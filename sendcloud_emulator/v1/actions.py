"""Every v1 action declared as data (v1.md §5): its v2 twin, v1 → v2 parameter names in check order,
and v2 info fields → v1 reply fields. The few `run` functions add what only v1 has (§4.1) around
the twin's own parameter readers and domain functions; no v2 rule is written again here.
"""

import json

from ..context import Reply
from ..domain import accounts, stats
from ..domain import addresslist as lists
from ..domain import label as labels
from ..domain import template as templates
from ..protocol.params import parse_bool
from ..actions import addresslist as addresslist_actions
from ..actions import label as label_actions
from ..actions import template as template_actions
from .wire import INVALID_UPSERT, LIST_UPDATE_NOTHING, MEMBER_EXISTS, Decl, V1Error, pick

# shared parameter rows ---------------------------------------------------------------------------
WINDOW = (("days", "days"), ("start_date", "startDate"), ("end_date", "endDate"))
PAGING = (("start", "start"), ("limit", "limit"))
API_USERS_LABELS = (("api_user_list", "apiUserList"), ("label_id_list", "labelIdList"))
BRACKETED = ("api_user_list", "label_id_list")


# mail (§5.1, §5.2) -------------------------------------------------------------------------------
def _mail_reply(ctx, info) -> dict:
    if isinstance(info, Reply):  # list mode: one task per address list, no emailIds
        return {"mail_list_task_id_list": info.info["maillistTaskId"]}
    return {"email_id_list": info["emailIdList"]} if "emailIdList" in info else {}


MAIL_COMMON = (("from", "from"), ("fromname", "fromName"))
MAIL_TAIL = (("replyto", "replyTo"), ("subject", "subject"))
MAIL_SEND = Decl(
    twin=("mail", "send"),
    params=MAIL_COMMON + (("use_maillist", "useAddressList"), ("x_smtpapi", "xsmtpapi"), ("to", "to"),
                          ("cc", "cc"), ("bcc", "bcc")) + MAIL_TAIL + (
        ("gzip_compress", "gzipCompress"), ("html", "html"), ("label", "labelId"), ("headers", "headers"),
        ("files", "attachments"), ("resp_email_id", "respEmailId")),
    defaults=(("respEmailId", "false"),), files=True, reply=_mail_reply)
MAIL_SEND_TEMPLATE = Decl(
    twin=("mail", "sendtemplate"),
    params=MAIL_COMMON + (("template_invoke_name", "templateInvokeName"), ("use_maillist", "useAddressList"),
                          ("substitution_vars", "xsmtpapi"), ("to", "to")) + MAIL_TAIL + (
        ("label", "labelId"), ("headers", "headers"), ("files", "attachments"), ("resp_email_id", "respEmailId")),
    defaults=(("respEmailId", "false"),), files=True, reply=_mail_reply)


# template.* (§5.3) -------------------------------------------------------------------------------
TEMPLATE_FIELDS = (("invoke_name", "invokeName"), ("name", "name"), ("html", "html"), ("subject", "subject"),
                   ("email_type", "templateType"), ("is_verify", "templateStat"), ("gmt_created", "gmtCreated"),
                   ("gmt_modified", "gmtUpdated"))
TEMPLATE_PARAMS = (("invoke_name", "invokeName"), ("name", "name"), ("html", "html"), ("text", "text"),
                   ("subject", "subject"), ("email_type", "templateType"))


def _template_list_reply(ctx, info) -> dict:
    """template/list's items carry no content: each is read in full, as template/get shows it."""
    found = [templates.get(ctx.session, ctx.account.id, item["invokeName"]) for item in info["dataList"]]
    return {"templateList": [pick(template_actions.full_view(ctx, t), TEMPLATE_FIELDS) for t in found]}


TEMPLATE_GET = Decl(twin=("template", "list"), params=(("invoke_name", "invokeName"),) + PAGING,
                    reply=_template_list_reply)
TEMPLATE_ADD = Decl(twin=("template", "add"), params=TEMPLATE_PARAMS, reply=lambda ctx, info: {"addCount": 1})
TEMPLATE_UPDATE = Decl(twin=("template", "update"), params=TEMPLATE_PARAMS,
                       reply=lambda ctx, info: {"updateCount": info["count"]})
TEMPLATE_DELETE = Decl(twin=("template", "delete"), params=(("invoke_name", "invokeName"),),
                       reply=lambda ctx, info: {"delCount": info["count"]})


# list.* (§5.4) -----------------------------------------------------------------------------------
LIST_ROW = (("create_at", "gmtCreated"), ("modify_at", "gmtUpdated"), ("address", "address"),
            ("members_count", lambda item: str(item["memberCount"])), ("description", "description"),
            ("name", "name"))
LIST_CREATED = (("create_at", "gmtCreated"), ("address", "address"), ("members_count", "memberCount"),
                ("name", "name"), ("description", "description"))


def _list_update(ctx, twin) -> dict:
    info = twin(ctx)
    if not any(ctx.params.has(name) for name in ("newAddress", "name", "desc")):
        raise V1Error(LIST_UPDATE_NOTHING)
    return info


def _list_updated_reply(ctx, info) -> dict:
    found = lists.get_list(ctx.session, ctx.account.id,
                           ctx.params.token("newAddress") or ctx.params.token("address"))
    count = lists.member_counts(ctx.session, [found.id]).get(found.id, 0)
    return {"list": {"modify_at": ctx.fmt(found.updated_at), "address": found.address, "name": found.name,
                     "members_count": count}}


LIST_GET = Decl(twin=("addresslist", "list"), params=(("address", "address"),) + PAGING,
                reply=lambda ctx, info: {"count": info["count"],
                                         "lists": [pick(item, LIST_ROW) for item in info["dataList"]]})
LIST_CREATE = Decl(twin=("addresslist", "add"),
                   params=(("address", "address"), ("name", "name"), ("description", "desc")),
                   reply=lambda ctx, info: {"list": pick(info["data"], LIST_CREATED)})
LIST_UPDATE = Decl(twin=("addresslist", "update"),
                   params=(("address", "address"), ("toAddress", "newAddress"), ("name", "name"),
                           ("description", "desc")),
                   run=_list_update, reply=_list_updated_reply)
LIST_DELETE = Decl(twin=("addresslist", "delete"), params=(("address", "address"),),
                   reply=lambda ctx, info: {"del_count": info["count"]})


# list_member.* (§5.5) ----------------------------------------------------------------------------
MEMBER_ROW = (("create_at", "gmtCreated"), ("modify_at", "gmtUpdated"), ("address", "member"), ("name", "name"),
              ("subscribed", lambda item: "true"), ("vars", lambda item: json.loads(item["vars"] or "{}")))
MEMBER_LIST = (("mail_list_addr", "address"), ("member_addr", "members"))


def _member_filter(params) -> bool:
    """A `member_addr` filter was given (blank = absent, §2.3)."""
    value = params.joined("members")
    return value is not None and value.strip() != ""


def _member_get(ctx, twin) -> dict:
    info = twin(ctx)
    if not _member_filter(ctx.params):
        return info  # addressmember/list paged it
    start, limit = ctx.params.paging()  # addressmember/get has no paging: it applies to the members found
    return {"dataList": info["dataList"][start:start + limit], "total": len(info["dataList"])}


def _member_add(ctx, twin) -> dict:
    """addressmember/add's readers, then `upsert`; without it, no item may be a member already."""
    found, entries = addresslist_actions.member_add_params(ctx)
    upsert = ctx.params.token("upsert", blank_absent=True)
    replace = False if upsert is None else parse_bool(upsert)
    if replace is None:
        raise V1Error(INVALID_UPSERT)
    if not replace and lists.get_members(ctx.session, found.id, [member for member, _, _ in entries]):
        raise V1Error(MEMBER_EXISTS)
    return {"count": lists.add_members(ctx.session, found, entries, ctx.now)}


def _members_after_reply(ctx, info) -> dict:
    found = lists.get_list(ctx.session, ctx.account.id, ctx.params.token("address"))
    return {"total_counts": lists.member_counts(ctx.session, [found.id]).get(found.id, 0)}


LIST_MEMBER_GET = Decl(
    twin=("addressmember", "list"), params=MEMBER_LIST + PAGING, run=_member_get,
    twin_for=lambda params: ("addressmember", "get" if _member_filter(params) else "list"),
    reply=lambda ctx, info: {"total_count": info["total"],
                             "members": [pick(item, MEMBER_ROW) for item in info["dataList"]]})
LIST_MEMBER_ADD = Decl(twin=("addressmember", "add"),
                       params=MEMBER_LIST + (("name", "names"), ("vars", "vars"), ("upsert", "upsert")),
                       run=_member_add, reply=lambda ctx, info: {"total_counts": info["count"]})
LIST_MEMBER_UPDATE = Decl(twin=("addressmember", "update"), params=MEMBER_LIST + (("name", "names"), ("vars", "vars")),
                          reply=_members_after_reply)
LIST_MEMBER_DELETE = Decl(twin=("addressmember", "delete"), params=MEMBER_LIST,
                          reply=lambda ctx, info: {"del_count": info["count"]})


# label.* (§5.6) ----------------------------------------------------------------------------------
LABEL_FIELDS = (("labelId", "labelId"), ("labelName", "labelName"))


def _label_get(ctx, twin) -> dict:
    """By labelId when it is sent (even blank); else by exact labelName; neither → label/get's 40102."""
    if ctx.params.has("labelId") or not ctx.params.has("labelName"):
        return twin(ctx)
    found = labels.get_by_name(ctx.session, ctx.account.id, label_actions.label_name(ctx))
    return {"data": label_actions.view(ctx, found)}


LABEL_LIST = Decl(twin=("label", "list"), params=(("query", "query"),) + PAGING,
                  reply=lambda ctx, info: {"list": [pick(item, LABEL_FIELDS) for item in info["dataList"]],
                                           "totalCount": info["total"]})
LABEL_GET = Decl(twin=("label", "get"), params=(("labelId", "labelId"), ("labelName", "labelName")),
                 run=_label_get, reply=lambda ctx, info: {"label": pick(info["data"], LABEL_FIELDS)})
LABEL_CREATE = Decl(twin=("label", "add"), params=(("labelName", "labelName"),),
                    reply=lambda ctx, info: {"label": pick(info["data"], LABEL_FIELDS)})
LABEL_UPDATE = Decl(twin=("label", "update"), params=(("labelId", "labelId"), ("labelName", "labelName")),
                    reply=lambda ctx, info: {"updateCount": info["count"]})
LABEL_DELETE = Decl(twin=("label", "delete"), params=(("labelId", "labelId"),),
                    reply=lambda ctx, info: {"deleteCount": info["count"]})


# stats (§5.7) ------------------------------------------------------------------------------------
COUNTS = tuple(("request" if key == "requestNum" else key, key) for key in stats.COUNT_KEYS)
PERCENTS = tuple((f"{key}_percent", f"{key}Percent") for key in stats.PERCENT_KEYS)
# v2 spells some aggregate counts in the singular; v1 keeps the plural names (§5.7)
AGGREGATE_COUNTS = tuple((v1, stats.AGGREGATE_NAMES.get(v2, v2)) for v1, v2 in COUNTS)
STATDAY_ROW = (("sendDate", "sendDate"), ("apiUser", "apiUser"), ("labelId", "labelId"),
               ("labelName", "labelName"), ("domain", "domain")) + COUNTS + PERCENTS
STATHOUR_ROW = (("sendDate", "sendDate"), ("apiUser", "apiUser"), ("labelId", "labelId"),
                ("sendHour", "sendHour")) + COUNTS + PERCENTS
INVALID_COUNTS = tuple(("spamEmails" if key == "spamEmail" else key, key) for key in stats.INVALID_BUCKETS.values())
INVALIDSTAT_ROW = (("sendDate", "sendDate"), ("apiUser", "apiUser"), ("labelId", "labelId"),
                   ("labelName", "labelName"), ("domain", "domain")) + INVALID_COUNTS


def _stats_reply(row: tuple, aggregated: tuple | None = None):
    def reply(ctx, info) -> dict:
        data = info["dataList"]
        if isinstance(data, dict):  # aggregate=1: one object
            return {"stats": pick(data, aggregated)}
        return {"stats": [pick(item, row) for item in data]}

    return reply


STATS_PARAMS = WINDOW + API_USERS_LABELS + (("domain_list", "domainList"), ("aggregate", "aggregate"))
STATS_GET = Decl(twin=("statday", "list"), params=STATS_PARAMS, bracketed=BRACKETED,
                 reply=_stats_reply(STATDAY_ROW, AGGREGATE_COUNTS + PERCENTS))
STATS_HOUR_GET = Decl(twin=("stathour", "list"), params=WINDOW + API_USERS_LABELS, bracketed=BRACKETED,
                      reply=_stats_reply(STATHOUR_ROW))
INVALID_STAT_GET = Decl(twin=("invalidstat", "list"), params=STATS_PARAMS, bracketed=BRACKETED,
                        reply=_stats_reply(INVALIDSTAT_ROW, INVALID_COUNTS))


# suppression lists (§5.8) ------------------------------------------------------------------------
BOUNCE_ROW = (("email", "email"), ("reason", "reason"), ("create_at", "bounceTime"))
UNSUBSCRIBE_ROW = (("email", "email"), ("domain", "domain"), ("labelId", "labelId"), ("apiUser", "apiUser"),
                   ("create_at", "unsubscribeTime"))
SPAM_ROW = (("email", "receiver"), ("reason", "reason"), ("create_at", "spamReportedTime"))
EMAIL = (("email", "email"),)


def _rows(key: str, row: tuple):
    return lambda ctx, info: {key: [pick(item, row) for item in info["dataList"]]}


def _deleted(ctx, info) -> dict:
    return {"del_count": info["count"]}


BOUNCES_GET = Decl(twin=("bounce", "list"), params=EMAIL + WINDOW + PAGING, reply=_rows("bounces", BOUNCE_ROW))
BOUNCES_DELETE = Decl(twin=("bounce", "delete"), params=EMAIL + WINDOW, reply=_deleted)
BOUNCES_COUNT = Decl(twin=("bounce", "count"), params=WINDOW, reply=lambda ctx, info: {"count": info["count"]})
UNSUBSCRIBES_GET = Decl(twin=("unsubscribe", "list"), params=EMAIL + WINDOW + API_USERS_LABELS + PAGING,
                        bracketed=BRACKETED, reply=_rows("unsubscribes", UNSUBSCRIBE_ROW))
UNSUBSCRIBES_ADD = Decl(twin=("unsubscribe", "add"), params=EMAIL,
                        reply=lambda ctx, info: {"unsubscribes": [pick(info["data"], UNSUBSCRIBE_ROW)]})
UNSUBSCRIBES_DELETE = Decl(twin=("unsubscribe", "delete"), params=EMAIL + WINDOW, reply=_deleted)
SPAM_REPORTED_GET = Decl(twin=("spamreported", "list"), params=EMAIL + WINDOW + PAGING,
                         reply=_rows("bounces", SPAM_ROW))  # sic: the v1 docs answer under `bounces`


# account (§5.9) ----------------------------------------------------------------------------------
USERINFO_FIELDS = (("quota", "quota"), ("usedQuota", "todayUsedQuota"), ("reputation", "reputation"),
                   ("balance", "balance"), ("availableBalance", "avaliableBalance"), ("userName", "userName"),
                   ("accountType", "accountType"), ("regTime", "regTime"))


def _domain_list_reply(ctx, info) -> dict:
    rows = [accounts.find_domain(ctx.session, ctx.account.id, item["name"]) for item in info["dataList"]]
    return {"domainList": [{"name": row.name, "id": row.id} for row in rows]}


USERINFO_GET = Decl(twin=("userinfo", "get"), params=(),
                    reply=lambda ctx, info: {"userinfo": pick(info, USERINFO_FIELDS)})
API_USER_LIST = Decl(twin=("apiuser", "list"), params=(("api_user_type", "emailType"),),
                     reply=lambda ctx, info: {"apiUserList": {"apiUser": [item["name"] for item in info["dataList"]]}})
DOMAIN_LIST = Decl(twin=("domain", "list"), params=(("domain_type", "type"),), reply=_domain_list_reply)
# The emulator delivers at once and keeps no queue (decision, §5.9).
QUEUE_STATUS_GET = Decl(twin=None, params=(), run=lambda ctx, twin: {},
                        reply=lambda ctx, info: {"queueStatus": []})
