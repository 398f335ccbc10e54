"""The account pages: one function per section, returning the template's data (read-only)."""

import importlib
from datetime import UTC, datetime

from ..domain import addresslist as addresslist_rules
from ..domain import template as template_rules
from . import queries


def _module(name: str):
    """A domain module that may not exist in this build (the page then says so)."""
    try:
        return importlib.import_module(f"emulator.domain.{name}")
    except ImportError:
        return None


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


def webhooks(session, account, page) -> dict:
    return {"available": False, "rows": [], "deliveries": []}


def stats(session, account, page) -> dict:
    today = datetime.now(UTC).astimezone(page.settings.tz).date()
    days, counts = queries.daily_events(session, account.id, today, page.settings.tz)
    series = ["request", "deliver", "open", "click", "invalid", "soft_bounce", "unsubscribe", "report_spam"]
    peak = max([counts.get(d, {}).get(e, 0) for d in days for e in series] + [1])
    return {"days": days, "counts": counts, "series": series, "peak": peak, "chart": chart(days, counts, peak)}


COLORS = {"request": "#8a94a6", "deliver": "#2e7d32", "open": "#1565c0", "click": "#6a1b9a",
          "invalid": "#c62828", "soft_bounce": "#ef6c00", "unsubscribe": "#5d4037", "report_spam": "#ad1457"}


def chart(days, counts, peak, width=900, height=260, pad=36) -> dict:
    """Polylines of the daily counts, one per event, in SVG user units."""
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    step = inner_w / max(len(days) - 1, 1)

    def point(i, value):
        return f"{pad + i * step:.1f},{pad + inner_h - inner_h * value / peak:.1f}"

    lines = []
    for event, color in COLORS.items():
        values = [counts.get(d, {}).get(event, 0) for d in days]
        if any(values):
            lines.append({"event": event, "color": color,
                          "points": " ".join(point(i, v) for i, v in enumerate(values))})
    ticks = [{"x": pad + i * step, "label": d.strftime("%m-%d")} for i, d in enumerate(days) if i % 5 == 0]
    grid = [{"y": pad + inner_h - inner_h * f, "label": round(peak * f)} for f in (0, 0.5, 1)]
    return {"width": width, "height": height, "lines": lines, "ticks": ticks, "grid": grid, "pad": pad,
            "colors": COLORS}


SECTIONS = {"overview": overview, "templates": templates, "addresslists": address_lists,
            "webhooks": webhooks, "stats": stats}
