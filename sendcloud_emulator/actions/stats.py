"""statday, stathour, invalidstat, data/emailStatus and openandclick (docs/api.md §2.10–§2.13, §2.17)."""

from ..context import Ctx
from ..domain import events, label, stats
from . import declare, filters
from .filters import (AGGREGATE, API_USER_LIST, DOMAIN_LIST, EMAIL, EMAIL_IDS, LABEL_ID, LABEL_ID_LIST, PAGING,
                      TRACK_TYPE, WINDOW)

STATUS_WORDS = {"request": ("已请求", "requested"), "deliver": ("投递成功", "delivered"),
                "invalid": ("无效邮件", "invalid"), "soft_bounce": ("软退信", "soft bounce")}
SEND_LOGS = {"request": "request accepted", "deliver": "successfully delivered"}


def _traffic_filters(ctx: Ctx, *, by_domain: bool = True) -> tuple[tuple, dict, int]:
    """The statistics tables' rows in their order: days/startDate/endDate, apiUserList, labelIdList and,
    with `by_domain`, domainList and aggregate → (window bounds, the filter keywords, aggregate)."""
    window = filters.window(ctx)
    found = {"api_users": filters.api_user_list(ctx), "label_ids": filters.label_id_list(ctx)}
    aggregate = 0
    if by_domain:
        found["domains"] = filters.domain_list(ctx)
        aggregate = filters.aggregate(ctx)
    return window.bounds(ctx), found, aggregate


@declare(*WINDOW, API_USER_LIST, LABEL_ID_LIST, DOMAIN_LIST, AGGREGATE)
def statday(ctx: Ctx) -> dict:
    """Daily statistics per (sendDate, apiUser, recipient domain, labelId)."""
    bounds, found, aggregate = _traffic_filters(ctx)
    rows = stats.traffic(ctx.session, ctx.account.id, bounds, ctx.settings.tz, **found)
    if aggregate:
        total = dict.fromkeys(stats.COUNT_KEYS, 0)
        for counts in rows.values():
            for key in stats.COUNT_KEYS:
                total[key] += counts[key]
        shown = {stats.AGGREGATE_NAMES.get(key, key): str(total[key]) for key in stats.COUNT_KEYS}
        percents = {k: v for k, v in stats.with_percents(total).items() if k.endswith("Percent")}
        return {"dataList": {**shown, **percents}, "count": 1, "total": 1}
    names = label.names(ctx.session, [key[3] for key in rows], ctx.account.id)
    data = [{"sendDate": day, "apiUser": api_user, "domain": domain, "labelId": label_id,
             "labelName": names.get(label_id), **stats.with_percents(counts)}
            for (day, api_user, domain, label_id), counts in rows.items()]
    return {"dataList": data, "count": len(data), "total": len(data)}


@declare(*WINDOW, API_USER_LIST, LABEL_ID_LIST)
def stathour(ctx: Ctx) -> dict:
    """Hourly statistics per (sendDate, sendHour, apiUser, labelId); hours without traffic are omitted."""
    bounds, found, _ = _traffic_filters(ctx, by_domain=False)
    rows = stats.traffic(ctx.session, ctx.account.id, bounds, ctx.settings.tz, hourly=True, **found)
    data = [{"sendDate": day, "sendHour": hour, "apiUser": api_user, "labelId": label_id,
             **stats.with_percents(counts)}
            for (day, hour, api_user, label_id), counts in rows.items()]
    return {"dataList": data, "count": len(data), "total": len(data)}


@declare(*WINDOW, API_USER_LIST, LABEL_ID_LIST, DOMAIN_LIST, AGGREGATE)
def invalidstat(ctx: Ctx) -> dict:
    """Invalid mails per subStat bucket and (sendDate, apiUser, labelId, recipient domain)."""
    bounds, found, aggregate = _traffic_filters(ctx)
    rows = stats.invalid_traffic(ctx.session, ctx.account.id, bounds, ctx.settings.tz, **found)
    if aggregate:
        total = dict.fromkeys(stats.INVALID_BUCKETS.values(), 0)
        for counts in rows.values():
            for key, n in counts.items():
                total[key] += n
        return {"dataList": total, "count": 1, "total": 1}
    names = label.names(ctx.session, [key[2] for key in rows], ctx.account.id)
    data = [{"sendDate": day, "apiUser": api_user, "labelId": label_id, "labelName": names.get(label_id),
             "domain": domain, **counts}
            for (day, api_user, label_id, domain), counts in rows.items()]
    return {"dataList": data, "count": len(data), "total": len(data)}


@declare(EMAIL.but(description="Keep only mails to this address; with it the window is optional."), EMAIL_IDS,
         LABEL_ID, filters.DAYS.but(maximum=30),
         filters.START_DATE, filters.END_DATE.but(description="Last day of the window, inclusive; at most 30 days "
                                                  "from startDate."), API_USER_LIST, *PAGING)
def email_status(ctx: Ctx) -> dict:
    """One row per mail (emailId), newest request first; the window is optional with `email`."""
    email = filters.email(ctx)
    email_ids = filters.email_ids(ctx)
    label_id = filters.label_id(ctx)
    window = filters.window(ctx, max_days=30, required=email is None)
    api_users = filters.api_user_list(ctx)
    start, limit = ctx.params.paging()
    mails, total = stats.email_status(ctx.session, ctx.account.id, email=email, email_ids=email_ids,
                                      label_id=label_id, bounds=window.bounds(ctx) if window else None,
                                      api_users=api_users, start=start, limit=limit)
    shown: dict = {}  # the mails of one send share their request time (and often their status time)

    def fmt(moment) -> str:
        text = shown.get(moment)
        if text is None:
            text = shown[moment] = ctx.fmt(moment)
        return text

    items = []
    for mail in mails:
        status = mail.status if mail.status in STATUS_WORDS else "request"
        sub_stat = mail.sub_stat if status in ("invalid", "soft_bounce") else 0
        description = events.describe(sub_stat) if sub_stat else ""
        items.append({"emailId": mail.email_id, "status": ctx.word(*STATUS_WORDS[status]), "subStatus": sub_stat,
                      "subStatusDesc": description, "apiUser": mail.api_user, "recipients": mail.recipient,
                      "labelId": mail.label_id or 0, "requestTime": fmt(mail.request_time),
                      "modifiedTime": fmt(mail.status_time),
                      "sendLog": SEND_LOGS.get(status, description)})
    return {"total": str(total), "voListSize": len(items), "voList": items}


@declare(EMAIL, *WINDOW, TRACK_TYPE, LABEL_ID, API_USER_LIST, *PAGING)
def openandclick(ctx: Ctx) -> dict:
    """One item per open or click event, newest first; `email` is a lookup that ignores the window."""
    email = filters.email(ctx)
    window = None if email is not None else filters.window(ctx)
    track_type = filters.track_type(ctx)
    label_id = filters.label_id(ctx)
    api_users = filters.api_user_list(ctx)
    start, limit = ctx.params.paging()
    rows, total = stats.opens_and_clicks(ctx.session, ctx.account.id, email=email,
                                         bounds=window.bounds(ctx) if window else None, track_type=track_type,
                                         label_id=label_id, api_users=api_users, start=start, limit=limit)
    data = [{"trackType": 1 if event.event == "open" else 2, "apiUser": mail.api_user, "email": mail.recipient,
             "url": event.url or "" if event.event == "click" else "", "currTime": ctx.fmt(event.created_at)}
            for event, mail in rows]
    return {"dataList": data, "count": len(data), "total": total}
