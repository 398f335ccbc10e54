"""/_emulator/templates/review: approve or reject a pending template (manual review mode)."""

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from ..domain import clock
from ..domain import template as templates
from . import ADMIN, TAG, ServicesDep, account_for, models

router = APIRouter(prefix="/_emulator/templates", tags=[TAG], dependencies=ADMIN)


class ReviewIn(BaseModel):
    account: str | None = None
    apiUser: str | None = None
    invokeName: str
    approve: bool


@router.post("/review", response_model=models.TemplateView)
def review(body: ReviewIn, services: ServicesDep) -> dict:
    """Move a pending template (templateStat 0) to approved (1) or rejected (−1); 400 if not pending."""
    store, tz = services.store, services.settings.tz
    with store.session(write=True) as session:
        account = account_for(session, body.account, body.apiUser)
        store.lock_account(session, account.id)
        name = body.invokeName  # not an invokeName at all (e.g. with NUL) → 404 without a query
        template = templates.find(session, account.id, name) if templates.is_invoke_name(name) else None
        if template is None:
            raise HTTPException(status_code=404, detail="no such template")
        try:
            templates.review(session, template, body.approve, clock.now(session, account.id))
        except ValueError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from exc
        session.flush()

        def iso(moment):
            return clock.iso(moment, tz)

        return {"account": account.user_name, "invokeName": template.invoke_name, "name": template.name,
                "templateType": template.template_type, "templateStat": template.template_stat,
                "subject": template.subject, "html": template.html, "text": template.text,
                "contentSummary": template.content_summary, "createdAt": iso(template.created_at),
                "updatedAt": iso(template.updated_at)}
