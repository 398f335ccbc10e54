"""Templates (docs/api.md §2.2) and their review workflow (docs/control-api.md "Templates review").

The mail module reads templates through `find(session, account_id, invoke_name)` and the
`Template` attributes `invoke_name, name, template_type, template_stat, subject, html, text,
content_summary` (`text` and `content_summary` are `""` when none).

templateStat: −2 not submitted, −1 rejected, 0 pending, 1 approved. Only 1 can be sent.
"""

import re
from datetime import datetime

from sqlalchemy import UniqueConstraint, func
from sqlmodel import Field, Session, SQLModel, select

from ..codes import ApiError
from .clock import UTCDateTime

MAX_TEMPLATES = 50
NOT_SUBMITTED, REJECTED, PENDING, APPROVED = -2, -1, 0, 1
STATS = (NOT_SUBMITTED, REJECTED, PENDING, APPROVED)

_INVOKE_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,250}")


class Template(SQLModel, table=True):
    """One template of an account; `invoke_name` is unique per account (case-sensitive)."""

    __table_args__ = (UniqueConstraint("account_id", "invoke_name"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    invoke_name: str
    name: str
    template_type: int  # 0 trigger, 1 batch
    template_stat: int  # −2 not submitted, −1 rejected, 0 pending, 1 approved
    subject: str
    html: str
    text: str = ""  # the plain part, "" when none
    content_summary: str = ""  # "" when none
    created_at: datetime = Field(sa_type=UTCDateTime)
    # None (rendered "") until the first update/submit/review
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def is_invoke_name(text: str) -> bool:
    """1–250 characters: ASCII letters, digits, `_`, `-`, `.`."""
    return _INVOKE_NAME.fullmatch(text) is not None


def find(session: Session, account_id: int, invoke_name: str) -> Template | None:
    """The account's template with exactly this invokeName, or None (another account's is None)."""
    return session.exec(
        select(Template).where(Template.account_id == account_id, Template.invoke_name == invoke_name)
    ).first()


def get(session: Session, account_id: int, invoke_name: str) -> Template:
    """The template, or 40216."""
    template = find(session, account_id, invoke_name)
    if template is None:
        raise ApiError(40216)
    return template


def count(session: Session, account_id: int) -> int:
    return session.exec(select(func.count()).select_from(Template).where(Template.account_id == account_id)).one()


def search(session: Session, account_id: int, invoke_name: str | None, template_type: int | None,
           template_stat: int | None, start: int, limit: int) -> tuple[list[Template], int]:
    """Filtered page of the account's templates, oldest first, and the total of matches."""
    where = [Template.account_id == account_id]
    if invoke_name is not None:
        where.append(Template.invoke_name == invoke_name)
    if template_type is not None:
        where.append(Template.template_type == template_type)
    if template_stat is not None:
        where.append(Template.template_stat == template_stat)
    total = session.exec(select(func.count()).select_from(Template).where(*where)).one()
    rows = session.exec(select(Template).where(*where).order_by(Template.id).offset(start).limit(limit)).all()
    return list(rows), total


def reviewed_stat(review_mode: str) -> int:
    """What "review" means for an account: `auto` approves at once, `manual` leaves it pending."""
    return APPROVED if review_mode == "auto" else PENDING


def stat_after_edit(is_submit_audit: int, review_mode: str) -> int:
    """add/update: isSubmitAudit=1 → review, 0 → not submitted."""
    return reviewed_stat(review_mode) if is_submit_audit else NOT_SUBMITTED


def check_unique(session: Session, account_id: int, invoke_name: str) -> None:
    """add: 40220 when the invokeName exists in the account."""
    if find(session, account_id, invoke_name) is not None:
        raise ApiError(40220)


def check_editable(template: Template) -> None:
    """update: 40223 while pending."""
    if template.template_stat == PENDING:
        raise ApiError(40223)


def add(session: Session, account_id: int, fields: dict, is_submit_audit: int, review_mode: str,
        now: datetime) -> Template:
    """Create a template (the caller holds the account's write lock): 40219 at the cap."""
    if count(session, account_id) >= MAX_TEMPLATES:
        raise ApiError(40219)
    template = Template(account_id=account_id, template_stat=stat_after_edit(is_submit_audit, review_mode),
                        created_at=now, updated_at=None, **fields)
    session.add(template)
    session.flush()
    return template


def update(session: Session, template: Template, fields: dict, is_submit_audit: int, review_mode: str,
           now: datetime) -> None:
    """Apply the given fields; the isSubmitAudit column of the state table always applies."""
    check_editable(template)
    for key, value in fields.items():
        setattr(template, key, value)
    template.template_stat = stat_after_edit(is_submit_audit, review_mode)
    template.updated_at = now
    session.add(template)


def submit(session: Session, template: Template, cancel: int, review_mode: str, now: datetime) -> None:
    """template/submit: the submit columns of the state table."""
    stat = template.template_stat
    if cancel:
        if stat == PENDING:
            new = NOT_SUBMITTED
        elif stat == REJECTED:
            raise ApiError(40228)
        else:  # not submitted, or approved (not under review)
            raise ApiError(40229)
    else:
        if stat == PENDING:
            raise ApiError(40226)
        if stat == APPROVED:
            raise ApiError(40227)
        new = reviewed_stat(review_mode)
    template.template_stat = new
    template.updated_at = now
    session.add(template)


def review(session: Session, template: Template, approve: bool, now: datetime) -> None:
    """The manual review (control API): a pending template becomes 1 or −1."""
    if template.template_stat != PENDING:
        raise ValueError("only a pending template (templateStat 0) can be reviewed")
    template.template_stat = APPROVED if approve else REJECTED
    template.updated_at = now
    session.add(template)


def delete(session: Session, template: Template) -> None:
    session.delete(template)
