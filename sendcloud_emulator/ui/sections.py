"""The account pages: one function per section, returning the template's data (read-only)."""

from datetime import datetime

from ..control import suppressions as suppression_routes
from ..domain import addresslist as addresslist_rules
from ..domain import clock
from ..domain import template as template_rules
from ..domain import webhook as webhook_rules
from . import queries


def overview(session, account, page) -> dict:
    return {"api_users": queries.api_users(session, account.id), "domains": queries.domains(session, account.id),
            "labels": queries.labels(session, account.id)}


def templates(session, account, page) -> dict:
    rows, _total = template_rules.search(session, account.id, None, None, None, 0, 1000)
    return {"available": True, "rows": [
        {"invokeName": r.invoke_name, "name": r.name, "subject": r.subject, "stat": r.template_stat,
         "type": page.t("batch") if r.template_type == 1 else page.t("trigger"),
         "updated": page.fmt(r.updated_at or r.created_at)} for r in rows]}


MEMBERS_SHOWN = 100


def address_lists(session, account, page) -> dict:
    lists, _total = addresslist_rules.search_lists(session, account.id, None, 0, 1000)
    counts = addresslist_rules.member_counts(session, [r.id for r in lists])
    rows = []
    for r in lists:
        members, _n = addresslist_rules.search_members(session, r.id, 0, MEMBERS_SHOWN)
        rows.append({"address": r.address, "name": r.name, "description": r.description,
                     "count": counts.get(r.id, 0), "members": members})
    return {"available": True, "rows": rows}


DELIVERIES_SHOWN = 200


def webhooks(session, account, page) -> dict:
    rows = [{"url": h.url, "events": h.events.replace(",", ", "), "category": h.category_name,
             "created": page.fmt(h.created_at)} for h in webhook_rules.hooks_for(session, account.id)]
    return {"available": True, "rows": rows,
            "deliveries": queries.webhook_attempts(session, page, account_id=account.id, limit=DELIVERIES_SHOWN)}


def stats(session, account, page) -> dict:
    today = clock.now(session, account.id).astimezone(page.settings.tz).date()
    days, counts = queries.daily_events(session, account.id, today, page.settings.tz)
    series = ["request", "deliver", "open", "click", "invalid", "soft_bounce", "unsubscribe", "report_spam"]
    return {"days": days, "counts": counts, "series": series, "chart": chart(days, counts)}


# The chart's bars: (key, events summed, colour); the table below it has every event.
BARS = [("request", ("request",), "#8a94a6"), ("deliver", ("deliver",), "#2e7d32"), ("open", ("open",), "#1565c0"),
        ("click", ("click",), "#6a1b9a"), ("invalid", ("invalid", "soft_bounce"), "#c62828")]


def _nice(peak: int) -> int:
    """The axis top: 1, 2, 5, 10, 20, 50, … at or above the highest bar."""
    top = 1
    while top < peak:
        for factor in (2, 5 / 2, 2):
            top = int(top * factor)
            if top >= peak:
                break
    return top


def chart(days, counts, width=900, height=260, pad=40) -> dict:
    """Grouped bars per local day, in SVG user units (inline SVG, no script)."""
    values = {d: {key: sum(counts.get(d, {}).get(e, 0) for e in events) for key, events, _ in BARS} for d in days}
    top = _nice(max([v for day in values.values() for v in day.values()] + [1]))
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    slot = inner_w / max(len(days), 1)
    bar = max((slot - 4) / len(BARS), 1)
    bars = []
    for i, d in enumerate(days):
        for j, (key, _events, color) in enumerate(BARS):
            value = values[d][key]
            if value:
                h = inner_h * value / top
                bars.append({"x": round(pad + i * slot + 2 + j * bar, 1), "y": round(pad + inner_h - h, 1),
                             "w": round(bar, 1), "h": round(h, 1), "color": color, "event": key,
                             "title": f"{d.isoformat()} {key}: {value}"})
    ticks = [{"x": round(pad + (i + 0.5) * slot, 1), "label": d.strftime("%m-%d")} for i, d in enumerate(days)
             if i % 5 == 0 or i == len(days) - 1]
    marks = sorted({0, top // 2, top}) if top >= 2 else [0, top]
    grid = [{"y": round(pad + inner_h - inner_h * m / top, 1), "label": m} for m in marks]
    return {"width": width, "height": height, "bars": bars, "ticks": ticks, "grid": grid, "pad": pad,
            "legend": [(key, color) for key, _events, color in BARS]}


SUPPRESSED_SHOWN = 500


def _suppression(kind: str):
    def section(session, account, page) -> dict:
        found = suppression_routes.entries(session, account.id, kind, None, 0, SUPPRESSED_SHOWN, page.settings.tz)
        rows = [{"email": e.email, "reason": e.reason, "apiUser": e.apiUser, "labelId": e.labelId,
                 "time": page.fmt(datetime.fromisoformat(e.time))} for e in found.items]
        return {"kind": kind, "rows": rows, "total": found.total}
    return section


SECTIONS = {"overview": overview, "templates": templates, "addresslists": address_lists,
            "webhooks": webhooks, "stats": stats, "bounces": _suppression("bounces"),
            "unsubscribes": _suppression("unsubscribes"), "spamreports": _suppression("spamreports")}
# The template of each section (the three suppression lists share one).
TEMPLATES = {name: f"account_{name}.html" for name in SECTIONS} | {
    "bounces": "account_suppression.html", "unsubscribes": "account_suppression.html",
    "spamreports": "account_suppression.html"}
TITLES = {"overview": "overview", "templates": "templates", "addresslists": "address_lists", "webhooks": "webhooks",
          "stats": "statistics", "bounces": "bounces", "unsubscribes": "unsubscribes", "spamreports": "spam_reports"}
