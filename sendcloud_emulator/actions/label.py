"""label/list, get, add, update, delete (docs/api.md §2.5)."""

from ..context import Ctx
from ..domain import label as labels
from ..protocol.declaration import Param
from . import declare
from .filters import PAGING

LABEL_ID = Param("labelId", "integer", "The label's id.", required=True, minimum=1, codes=(40102, 40103, 40106))
LABEL_NAME = Param("labelName", "string", "The label's name, one line, unique in the account.", required=True,
                   max_length=255, codes=(40104, 40105, 40113))
QUERY = Param("query", "string", "Keep labels whose name contains this, case-insensitively.", max_length=255,
              codes=(40111, 40112))


def view(ctx: Ctx, label: labels.Label) -> dict:
    return {"labelId": label.id, "labelName": label.name, "gmtCreated": ctx.fmt(label.created_at),
            "gmtUpdated": ctx.fmt(label.updated_at)}


def _label(ctx: Ctx) -> labels.Label:
    label_id = ctx.params.id("labelId", required=True, empty=40102, invalid=40103)
    return labels.get(ctx.session, ctx.account.id, label_id)


def label_name(ctx: Ctx) -> str:
    return ctx.params.text("labelName", required=True, empty=40104, invalid=40105, line=True, max_len=255)


@declare(QUERY, *PAGING)
def list_(ctx: Ctx) -> dict:
    """List the account's labels, oldest first; `query` is a case-insensitive substring."""
    query = ctx.params.text("query", empty=40111, invalid=40112, line=True, max_len=255)
    start, limit = ctx.params.paging()
    rows, total = labels.search(ctx.session, ctx.account.id, query, start, limit)
    return {"dataList": [view(ctx, r) for r in rows], "count": len(rows), "total": total}


@declare(LABEL_ID)
def get(ctx: Ctx) -> dict:
    """One label."""
    return {"data": view(ctx, _label(ctx))}


@declare(LABEL_NAME)
def add(ctx: Ctx) -> dict:
    """Create a label."""
    label = labels.add(ctx.store, ctx.session, ctx.account.id, label_name(ctx), ctx.now)
    return {"data": view(ctx, label)}


@declare(LABEL_ID, LABEL_NAME)
def update(ctx: Ctx) -> dict:
    """Rename a label."""
    label = _label(ctx)
    labels.rename(ctx.session, label, label_name(ctx), ctx.now)
    return {"count": 1}


@declare(LABEL_ID)
def delete(ctx: Ctx) -> dict:
    """Delete a label; past mails keep its id."""
    labels.delete(ctx.session, _label(ctx))
    return {"count": 1}
