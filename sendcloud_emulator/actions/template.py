"""template/list, get, add, update, delete, submit (api.md §2.2)."""

from ..codes import ApiError
from ..context import Ctx
from ..domain import template as templates
from . import declare


def list_view(ctx: Ctx, template: templates.Template) -> dict:
    return {"name": template.name, "invokeName": template.invoke_name, "templateType": template.template_type,
            "templateStat": template.template_stat, "gmtCreated": ctx.fmt(template.created_at),
            "gmtUpdated": ctx.fmt(template.updated_at)}


def full_view(ctx: Ctx, template: templates.Template) -> dict:
    return {**list_view(ctx, template), "subject": template.subject, "html": template.html,
            "text": template.text, "contentSummary": template.content_summary}


def _invoke_name(ctx: Ctx, required: bool = True) -> str | None:
    value = ctx.params.token("invokeName", required=required, empty=40201)
    if value is not None and not templates.is_invoke_name(value):
        raise ApiError(40202)
    return value


def _template_type(ctx: Ctx, required: bool) -> int | None:
    return ctx.params.integer("templateType", required=required, empty=40203, invalid=40204, hi=1)


def _fields(ctx: Ctx, adding: bool) -> tuple[dict, int]:
    """name, html, text, subject, templateType, contentSummary, isSubmitAudit in the table's order."""
    p = ctx.params
    values = {
        "name": p.text("name", required=adding, empty=40207, invalid=40208, line=True, max_len=250),
        "html": p.text("html", required=adding, empty=40211, invalid=40212),
        "text": p.text("text", empty=40213, invalid=40214),
        "subject": p.text("subject", required=adding, empty=40209, invalid=40210, line=True, max_len=255),
        "template_type": _template_type(ctx, required=adding),
        "content_summary": p.text("contentSummary", invalid=40878, blank_absent=True, max_bytes=200),
    }
    is_submit_audit = p.flag("isSubmitAudit", empty=40221, invalid=40222, default=1)
    if adding:
        values["text"] = values["text"] or ""
        values["content_summary"] = values["content_summary"] or ""
        return values, is_submit_audit
    return {k: v for k, v in values.items() if v is not None}, is_submit_audit


def _template_stat(ctx: Ctx) -> int | None:
    value = ctx.params.token("templateStat", empty=40205)
    if value is None:
        return None
    if value not in ("-2", "-1", "0", "1"):
        raise ApiError(40206)
    return int(value)


@declare("invokeName", "templateType", "templateStat", "start", "limit")
def list_(ctx: Ctx) -> dict:
    """The account's templates, oldest first; invokeName, templateType and templateStat filter exactly."""
    invoke_name = _invoke_name(ctx, required=False)
    template_type = _template_type(ctx, required=False)
    template_stat = _template_stat(ctx)
    start, limit = ctx.params.paging()
    rows, total = templates.search(ctx.session, ctx.account.id, invoke_name, template_type, template_stat,
                                   start, limit)
    return {"dataList": [list_view(ctx, r) for r in rows], "count": len(rows), "total": total}


@declare("invokeName")
def get(ctx: Ctx) -> dict:
    """One template with all its fields."""
    return {"data": full_view(ctx, templates.get(ctx.session, ctx.account.id, _invoke_name(ctx)))}


@declare("invokeName", "name", "html", "text", "subject", "templateType", "contentSummary", "isSubmitAudit")
def add(ctx: Ctx) -> dict:
    """Create a template (at most 50 per account); isSubmitAudit=1 (default) submits it for review."""
    invoke_name = _invoke_name(ctx)
    templates.check_unique(ctx.session, ctx.account.id, invoke_name)
    fields, is_submit_audit = _fields(ctx, adding=True)
    template = templates.add(ctx.session, ctx.account.id, {"invoke_name": invoke_name, **fields},
                             is_submit_audit, ctx.account.template_review, ctx.now)
    return {"data": full_view(ctx, template)}


@declare("invokeName", "name", "html", "text", "subject", "templateType", "contentSummary", "isSubmitAudit")
def update(ctx: Ctx) -> dict:
    """Change the given fields; isSubmitAudit=1 (default) resubmits, 0 leaves it not submitted."""
    template = templates.get(ctx.session, ctx.account.id, _invoke_name(ctx))
    templates.check_editable(template)
    fields, is_submit_audit = _fields(ctx, adding=False)
    templates.update(ctx.session, template, fields, is_submit_audit, ctx.account.template_review, ctx.now)
    return {"count": 1}


@declare("invokeName")
def delete(ctx: Ctx) -> dict:
    """Delete a template."""
    templates.delete(ctx.session, templates.get(ctx.session, ctx.account.id, _invoke_name(ctx)))
    return {"count": 1}


@declare("invokeName", "cancel")
def submit(ctx: Ctx) -> dict:
    """Submit for review (cancel=0) or withdraw a pending submission (cancel=1)."""
    template = templates.get(ctx.session, ctx.account.id, _invoke_name(ctx))
    cancel = ctx.params.flag("cancel", empty=40224, invalid=40225, default=0)
    templates.submit(ctx.session, template, cancel, ctx.account.template_review, ctx.now)
    return {"count": 1}
