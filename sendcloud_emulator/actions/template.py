"""template/list, get, add, update, delete, submit (docs/api.md §2.2)."""

from ..codes import ApiError
from ..context import Ctx
from ..domain import template as templates
from ..protocol.declaration import Param
from . import declare
from .filters import PAGING

INVOKE_NAME = Param("invokeName", "string", "The template's key in the account: letters, digits, `_`, `-`, `.`.",
                    required=True, min_length=1, max_length=250, codes=(40201, 40202, 40216))
NAME = Param("name", "string", "The template's display name, one line.", max_length=250, codes=(40207, 40208))
HTML = Param("html", "string", "The HTML body; `%var%` placeholders are filled per recipient.", codes=(40211, 40212))
TEXT = Param("text", "string", "The plain-text part.", default="", codes=(40213, 40214))
SUBJECT = Param("subject", "string", "The subject, one line; placeholders allowed.", max_length=255,
                codes=(40209, 40210))
TEMPLATE_TYPE = Param("templateType", "integer", "0 trigger (transactional), 1 batch.", maximum=1,
                      codes=(40203, 40204))
TEMPLATE_STAT = Param("templateStat", "integer", "Review state: -2 not submitted, -1 rejected, 0 pending, 1 approved.",
                      enum=("-2", "-1", "0", "1"), codes=(40205, 40206))
CONTENT_SUMMARY = Param("contentSummary", "string", "The preview line mail clients show.", max_bytes=200,
                        default="", blank_absent=True, codes=(40878,))
IS_SUBMIT_AUDIT = Param("isSubmitAudit", "boolean", "1 submits the template for review, 0 leaves it not submitted.",
                        default="1", codes=(40221, 40222))
CANCEL = Param("cancel", "boolean", "0 submits for review, 1 withdraws a pending submission.", default="0",
               codes=(40224, 40225, 40226, 40227, 40228, 40229))
_FIELDS = (NAME, HTML, TEXT, SUBJECT, TEMPLATE_TYPE, CONTENT_SUMMARY, IS_SUBMIT_AUDIT)


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


@declare(INVOKE_NAME.but(required=False, description="Keep only the template with this invokeName.",
                         codes=(40201, 40202)), TEMPLATE_TYPE, TEMPLATE_STAT, *PAGING)
def list_(ctx: Ctx) -> dict:
    """The account's templates, oldest first; invokeName, templateType and templateStat filter exactly."""
    invoke_name = _invoke_name(ctx, required=False)
    template_type = _template_type(ctx, required=False)
    template_stat = _template_stat(ctx)
    start, limit = ctx.params.paging()
    rows, total = templates.search(ctx.session, ctx.account.id, invoke_name, template_type, template_stat,
                                   start, limit)
    return {"dataList": [list_view(ctx, r) for r in rows], "count": len(rows), "total": total}


@declare(INVOKE_NAME)
def get(ctx: Ctx) -> dict:
    """One template with all its fields."""
    return {"data": full_view(ctx, templates.get(ctx.session, ctx.account.id, _invoke_name(ctx)))}


@declare(INVOKE_NAME.but(codes=(40201, 40202, 40220)), NAME.but(required=True), HTML.but(required=True), TEXT,
         SUBJECT.but(required=True), TEMPLATE_TYPE.but(required=True), CONTENT_SUMMARY, IS_SUBMIT_AUDIT, codes=(40219,))
def add(ctx: Ctx) -> dict:
    """Create a template (at most 50 per account); isSubmitAudit=1 (default) submits it for review."""
    invoke_name = _invoke_name(ctx)
    templates.check_unique(ctx.session, ctx.account.id, invoke_name)
    fields, is_submit_audit = _fields(ctx, adding=True)
    template = templates.add(ctx.session, ctx.account.id, {"invoke_name": invoke_name, **fields},
                             is_submit_audit, ctx.account.template_review, ctx.now)
    return {"data": full_view(ctx, template)}


@declare(INVOKE_NAME.but(codes=(40201, 40202, 40216, 40223)), *_FIELDS)
def update(ctx: Ctx) -> dict:
    """Change the given fields; isSubmitAudit=1 (default) resubmits, 0 leaves it not submitted."""
    template = templates.get(ctx.session, ctx.account.id, _invoke_name(ctx))
    templates.check_editable(template)
    fields, is_submit_audit = _fields(ctx, adding=False)
    templates.update(ctx.session, template, fields, is_submit_audit, ctx.account.template_review, ctx.now)
    return {"count": 1}


@declare(INVOKE_NAME)
def delete(ctx: Ctx) -> dict:
    """Delete a template."""
    templates.delete(ctx.session, templates.get(ctx.session, ctx.account.id, _invoke_name(ctx)))
    return {"count": 1}


@declare(INVOKE_NAME, CANCEL)
def submit(ctx: Ctx) -> dict:
    """Submit for review (cancel=0) or withdraw a pending submission (cancel=1)."""
    template = templates.get(ctx.session, ctx.account.id, _invoke_name(ctx))
    cancel = ctx.params.flag("cancel", empty=40224, invalid=40225, default=0)
    templates.submit(ctx.session, template, cancel, ctx.account.template_review, ctx.now)
    return {"count": 1}
