"""mail/send, sendtemplate, sendcalendar and taskinfo (docs/api.md §2.1, §3).

Each send reads its parameters in the order of its table (§1.6) into a `pipeline.Draft`, checking
values with the pipeline's functions, then hands it to `pipeline.accept` (final checks, storing):
the same functions the SMTP door calls.
"""

import base64
import binascii
import gzip
import json
import re
import zlib
from functools import partial

from .. import values
from ..codes import ApiError
from ..context import Ctx, Reply
from ..domain import addresslist, label, pipeline, sending
from ..domain import calendar as calendars
from ..domain import template as templates
from ..domain.mime import RESERVED_HEADERS
from ..domain.pipeline import Draft
from . import declare
from .mail_params import (CALENDAR_PARAMS, FINAL_CODES, MAX_LISTS, MAX_RECIPIENTS, MAX_REPLY_TO, MAX_SUMMARY_BYTES,
                          SEND_PARAMS, TASK_ID, TEMPLATE_PARAMS)

MAX_HEADERS_LIST_MODE = 1024
HEADER_NAME = re.compile(r"[!-9;-~]+")  # RFC 5322 field name: printable ASCII except ":"


# parameter rows ---------------------------------------------------------------------------------
def _from(ctx: Ctx, draft: Draft) -> None:
    name, address = pipeline.sender(ctx.params.token("from", required=True, empty=40801))
    from_name = ctx.params.raw("fromName", blank_absent=True)
    draft.from_address, draft.from_name = address, pipeline.from_name(from_name) if from_name is not None else name


def _use_address_list(ctx: Ctx, draft: Draft) -> None:
    draft.list_mode = ctx.params.boolean("useAddressList", empty=40873, invalid=40874)
    if draft.list_mode and ctx.api_user.email_type == 0:
        raise ApiError(40820)


def _xsmtpapi(ctx: Ctx, draft: Draft, *, required: bool) -> None:
    if draft.list_mode:
        return
    text = ctx.params.raw("xsmtpapi", required=required, empty=40812, blank_absent=True, invalid=40813)
    if text is not None:
        draft.xsmtpapi = pipeline.xsmtpapi(text, require_to=required)


def _mailboxes(ctx: Ctx, name: str, *, required: bool, empty: int, too_many: int, bad: int,
               limit: int = MAX_RECIPIENTS) -> list[str]:
    items = ctx.params.items(name, required=required, empty=empty, blank_absent=not required, invalid=bad)
    if items is None:
        return []
    if len(items) > limit:
        raise ApiError(too_many)
    for item in items:
        if values.parse_mailbox(item) is None:
            raise ApiError(bad, (name, item) if bad in (40806, 40853, 40856) else None)
    return items


def _aliases(ctx: Ctx, draft: Draft) -> None:
    items = ctx.params.items("to", required=True, empty=40872)
    merged: dict[str, str] = {}
    for item in items:
        merged.setdefault(item.lower(), item)
    aliases = list(merged.values())
    if len(aliases) > MAX_LISTS:
        raise ApiError(40864)
    for alias in aliases:
        if not values.is_address(alias):
            raise ApiError(40862)
    for alias in aliases:
        found = addresslist.find_list(ctx.session, ctx.account.id, alias)
        if found is None:
            raise ApiError(40863, ("to", alias))
        draft.lists.append(found)


def _recipients(ctx: Ctx, draft: Draft) -> None:
    """to, cc, bcc of mail/send and sendcalendar."""
    if draft.list_mode:
        _aliases(ctx, draft)
        return
    if draft.xsmtpapi is not None and draft.xsmtpapi.to is not None:
        return  # to, cc and bcc are ignored (and not validated)
    draft.to = _mailboxes(ctx, "to", required=True, empty=40805, too_many=40807, bad=40806)
    draft.cc = _mailboxes(ctx, "cc", required=False, empty=40852, too_many=40854, bad=40853)
    draft.bcc = _mailboxes(ctx, "bcc", required=False, empty=40855, too_many=40857, bad=40856)


def _reply_to(ctx: Ctx, draft: Draft) -> None:
    items = _mailboxes(ctx, "replyTo", required=False, empty=40810, too_many=40879, bad=40811, limit=MAX_REPLY_TO)
    draft.reply_to = items or [draft.from_address]


def _subject(ctx: Ctx, draft: Draft, *, required: bool) -> None:
    text = ctx.params.raw("subject", required=required, empty=40808, blank_absent=not required)
    draft.subject = pipeline.subject(text) if text is not None else None


def _unzip(text: str, code: int) -> str:
    try:
        data = gzip.decompress(base64.b64decode(text.strip(), validate=False))
    except (binascii.Error, OSError, EOFError, ValueError, zlib.error):
        raise ApiError(code) from None
    return data.decode("utf-8", errors="replace")


def _body(ctx: Ctx, draft: Draft) -> None:
    """gzipCompress, html, plain (html wins over plain; both absent → 40870)."""
    compressed = ctx.params.boolean("gzipCompress", empty=40860, invalid=40861)
    html = ctx.params.raw("html", blank_absent=True)
    if html is not None:
        html = pipeline.html(_unzip(html, 40865) if compressed else html)
    plain = ctx.params.raw("plain", blank_absent=True)
    if plain is not None:
        plain = pipeline.plain(_unzip(plain, 40866) if compressed else plain)
    draft.html, draft.plain = pipeline.body(html, plain)


def _content_summary(ctx: Ctx, draft: Draft) -> None:
    draft.content_summary = ctx.params.text("contentSummary", invalid=40878, blank_absent=True,
                                            max_bytes=MAX_SUMMARY_BYTES)


def _label(ctx: Ctx, draft: Draft) -> None:
    label_id = ctx.params.id("labelId", invalid=40103, blank_absent=True)
    if label_id is not None:
        draft.label_id = label.get(ctx.session, ctx.account.id, label_id).id
        return
    name = ctx.params.text("labelName", invalid=40105, blank_absent=True, line=True, max_len=255)
    if name is not None:
        draft.label_id = label.ensure(ctx.store, ctx.session, ctx.account.id, name, ctx.now).id


def _headers(ctx: Ctx, draft: Draft) -> None:
    text = ctx.params.raw("headers", blank_absent=True, invalid=40869)
    if text is None:
        return
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ApiError(40869) from None
    if values.json_has_surrogate(data):  # a `\ud800` escape: not text a header can carry
        raise ApiError(40869)
    if data is None or data == {}:
        raise ApiError(40868)
    if not isinstance(data, dict):
        raise ApiError(40869)
    for name, value in data.items():
        if not HEADER_NAME.fullmatch(name) or not isinstance(value, str) or not values.is_line(value):
            raise ApiError(40869)
    if draft.list_mode and len(text.encode("utf-8")) > MAX_HEADERS_LIST_MODE:
        raise ApiError(40869)
    for name, value in data.items():
        if name.lower().startswith("sc-custom-") and (value.strip() == "" or "." in value):
            raise ApiError(40902)
    draft.headers = {name: value for name, value in data.items() if name.lower() not in RESERVED_HEADERS}


def _files(ctx: Ctx, draft: Draft) -> None:
    """attachments (and embeddedImage, the same rules), then embeddedCid."""
    params = ctx.params
    for name in ("attachments", "embeddedImage"):  # the row's cell order: every 40818 before any 40867
        if any(part.filename.strip() == "" for part in params.parts(name)):
            raise ApiError(40818)
    for name in ("attachments", "embeddedImage"):
        if params.raw(name, blank_absent=True) is not None:  # a blank text field is absent (decisions.md)
            raise ApiError(40867)
    attachments = params.parts("attachments")
    images = params.parts("embeddedImage")
    if sum(len(part.data) for part in attachments + images) > sending.MAX_FILE_BYTES:
        raise ApiError(40819)
    cids_text = params.raw("embeddedCid", blank_absent=True, as_list=True)
    cids = values.split_list(cids_text) if cids_text is not None else []
    if len(cids) != len(images):
        raise ApiError(40875)
    draft.files = [sending.FileIn(p.filename, p.content_type, p.data) for p in attachments]
    draft.files += [sending.FileIn(p.filename, p.content_type, p.data, cid) for p, cid in zip(images, cids)]


def _resp_email_id(ctx: Ctx, draft: Draft) -> None:
    draft.resp_email_id = ctx.params.boolean("respEmailId", empty=40858, invalid=40859, default=True)


def _notification(ctx: Ctx, draft: Draft) -> None:
    use = ctx.params.boolean("useNotification", empty=40828, invalid=40829)
    to = ctx.params.parsed("dispositionNotificationTo", lambda t: t if values.is_address(t) else None,
                           invalid=40829, blank_absent=True)
    draft.notification_to = to if to is not None else (draft.from_address if use else None)


def _send_request_id(ctx: Ctx, draft: Draft) -> None:
    draft.send_request_id = ctx.params.token("sendRequestId", blank_absent=True)


def _template(ctx: Ctx, draft: Draft) -> None:
    name = ctx.params.token("templateInvokeName", required=True, empty=40823)
    found = templates.find(ctx.session, ctx.account.id, name) if templates.is_invoke_name(name) else None
    if found is None:  # unknown, or not an invokeName at all (NUL never reaches the database)
        raise ApiError(40823)
    if found.template_stat != templates.APPROVED:
        raise ApiError(40824)
    if found.template_type != ctx.api_user.email_type:
        raise ApiError(40825)
    draft.template = found


def _meeting(ctx: Ctx, draft: Draft) -> None:
    p = ctx.params
    start = p.datetime("startTime", required=True, empty=40832, invalid=40833)
    end = p.datetime("endTime", required=True, empty=40834, invalid=40835)
    if end < start:
        raise ApiError(40835)
    title = p.text("title", required=True, empty=40836, invalid=40837, line=True, max_len=255)
    organizer_name = p.text("organizerName", required=True, empty=40838, invalid=40839, line=True, max_len=255)
    organizer_email = p.parsed("organizerEmail", lambda t: t if values.is_address(t) else None, required=True,
                               empty=40840, invalid=40841)
    location = p.text("location", required=True, empty=40842, invalid=40843, line=True, max_len=255)
    description = p.text("description", invalid=40845, blank_absent=True, max_len=2000)
    names = p.items("participatorNames", required=True, empty=40846)
    if any(not values.is_line(n) or len(n) > 255 for n in names):
        raise ApiError(40847)
    emails = p.items("participatorEmails", empty=40848, blank_absent=True)
    if emails is not None:
        if any(not values.is_address(e) for e in emails):
            raise ApiError(40849)
        if len(emails) != len(names):
            raise ApiError(40850)
    uid = p.token("uid", blank_absent=True)
    cancel = p.boolean("isCancel", empty=40876, invalid=40876)
    update = p.boolean("isUpdate", empty=40876, invalid=40876)
    alarm = p.scalar("valarmTime")
    alarm_minutes = values.parse_int(alarm) if alarm is not None else None  # a non-int is ignored
    draft.meeting = calendars.Meeting(start, end, title, organizer_name, organizer_email, location, description,
                                      names, emails, uid, cancel, update, alarm_minutes)


# acceptance -------------------------------------------------------------------------------------
def _accept(ctx: Ctx, draft: Draft) -> dict | Reply:
    if draft.list_mode:
        return Reply(40821, {"maillistTaskId": pipeline.accept_lists(ctx, draft)})
    accepted = pipeline.accept(ctx, draft)
    return {"emailIdList": [m.email_id for m in accepted.mails]} if draft.resp_email_id else {}


def _shared_rows(ctx: Ctx, draft: Draft) -> None:
    """The rows send, sendtemplate and sendcalendar share, in their tables' order:
    contentSummary, labelId, headers, attachments, respEmailId."""
    _content_summary(ctx, draft)
    _label(ctx, draft)
    _headers(ctx, draft)
    _files(ctx, draft)
    _resp_email_id(ctx, draft)


def _list_aliases(ctx: Ctx, draft: Draft) -> None:
    """to of sendtemplate: the lists' aliases in list mode (otherwise xsmtpapi.to names the recipients)."""
    if draft.list_mode:
        _aliases(ctx, draft)


def _template_subject(ctx: Ctx, draft: Draft) -> None:
    """subject of sendtemplate: optional, the template's own is used when absent."""
    _subject(ctx, draft, required=False)
    if not (draft.subject or draft.template.subject):
        raise ApiError(40826)  # cannot arise through the API: a template always has a subject


def _read(ctx: Ctx, steps: tuple) -> Draft:
    draft = Draft()
    for step in steps:
        step(ctx, draft)
    return draft


# the actions: each reads its table's rows in order, one step per row or group of rows -----------
SEND_STEPS = (_from, _use_address_list, partial(_xsmtpapi, required=False), _recipients, _reply_to,
              partial(_subject, required=True), _body, _shared_rows, _notification, _send_request_id)
TEMPLATE_STEPS = (_from, _template, _use_address_list, partial(_xsmtpapi, required=True), _list_aliases, _reply_to,
                  _template_subject, _shared_rows, _notification, _send_request_id)
CALENDAR_STEPS = (_from, partial(_xsmtpapi, required=False), _recipients, _reply_to, partial(_subject, required=True),
                  _body, _shared_rows, _send_request_id, _meeting)


@declare(*SEND_PARAMS, codes=(*FINAL_CODES, 40821))
def send(ctx: Ctx) -> dict | Reply:
    """Send one mail to to/cc/bcc, one per xsmtpapi.to entry, or to address lists (useAddressList)."""
    return _accept(ctx, _read(ctx, SEND_STEPS))


@declare(*TEMPLATE_PARAMS, codes=(*FINAL_CODES, 40821))
def sendtemplate(ctx: Ctx) -> dict | Reply:
    """Send an approved template, rendered per xsmtpapi.to entry or per address-list member."""
    return _accept(ctx, _read(ctx, TEMPLATE_STEPS))


@declare(*CALENDAR_PARAMS, codes=FINAL_CODES)
def sendcalendar(ctx: Ctx) -> dict:
    """Send a meeting invitation (or update, or cancellation) with an iCalendar part."""
    return _accept(ctx, _read(ctx, CALENDAR_STEPS))


@declare(TASK_ID)
def taskinfo(ctx: Ctx) -> dict:
    """The state of an address-list task (6001 for every fault)."""
    task_id = ctx.params.id("maillistTaskId", required=True, empty=6001, invalid=6001)
    task = sending.get_task(ctx.session, ctx.account.id, task_id)
    status = ctx.word("请求完毕", "completed") if task.status == "completed" else ctx.word("请求中", "requesting")
    return {"data": {"maillistTaskId": task.id, "apiUser": task.api_user, "addressList": task.address_list,
                     "memberCount": task.member_count, "gmtCreated": ctx.fmt(task.created_at),
                     "gmtUpdated": ctx.fmt(task.updated_at), "status": status}}
