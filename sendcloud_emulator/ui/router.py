"""The web UI's routes: `/` (mail list) and `/ui/...` (mail view, accounts, static files)."""

import html as html_lib
import re
import secrets
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from ..domain import clock, outbox
from ..domain.label import names as label_names
from ..domain.outbox import MailFilter
from ..control import UI_COOKIE, ui_cookie_value
from . import i18n, live, queries, sections

HERE = Path(__file__).parent
STATIC = HERE / "static"
LANG_COOKIE = "sc_ui_lang"
TOKEN_COOKIE = UI_COOKIE
# The UI's own pages: only its own script and styles; mail HTML lives in a sandboxed frame.
UI_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
             "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
MAIL_DELIVERIES = 50
EVENT_BUTTONS = ("open", "click", "unsubscribe", "report_spam", "invalid", "soft_bounce")

router = APIRouter(include_in_schema=False)


@cache
def templates():
    """The page templates, loaded on the first page: jinja2 holds ~2 MB that an API-only run never uses."""
    from fastapi.templating import Jinja2Templates

    return Jinja2Templates(directory=str(HERE / "templates"))


# request context ----------------------------------------------------------------------------------
class Page:
    """What every template gets: the language, its words, time rendering and the admin token."""

    def __init__(self, request: Request):
        self.request = request
        self.settings = request.app.state.settings
        self.store = request.app.state.store
        asked = request.query_params.get("lang")
        cookie = request.cookies.get(LANG_COOKIE)
        self.lang = asked if asked in i18n.LANGS else cookie if cookie in i18n.LANGS else self.settings.lang
        self.set_lang = asked if asked in i18n.LANGS else None
        self.token = self._token()

    def _token(self) -> str | None:
        expected = self.settings.admin_token
        if expected is None:
            return None
        asked = self.request.query_params.get("token")
        header = self.request.headers.get("authorization", "")
        if header.startswith("Bearer ") or asked is not None:
            given = header[7:] if header.startswith("Bearer ") else asked
            ok = secrets.compare_digest(given.encode(), expected.encode())
        else:
            cookie = self.request.cookies.get(TOKEN_COOKIE) or ""
            ok = secrets.compare_digest(cookie.encode(), ui_cookie_value(expected).encode())
        if not ok:
            raise HTTPException(status_code=401, detail="missing or wrong admin token: open /?token=<token> once")
        if asked is not None:  # sign in: set the cookie, then the same page without the token in its URL
            rest = [(k, v) for k, v in self.request.query_params.multi_items() if k != "token"]
            target = self.request.url.path + (f"?{urlencode(rest)}" if rest else "")
            cookie = (f"{TOKEN_COOKIE}={ui_cookie_value(expected)}; HttpOnly; SameSite=Strict; Path=/")
            raise HTTPException(status_code=303, detail="signed in",
                                headers={"Location": target, "Set-Cookie": cookie, "Cache-Control": "no-store",
                                         "Referrer-Policy": "no-referrer"})
        return expected

    def t(self, key: str, **values) -> str:
        return i18n.word(self.lang, key, **values)

    def fmt(self, moment: datetime | None) -> str:
        return clock.fmt(moment, self.settings.tz)

    def iso(self, moment: datetime | None) -> str:
        return clock.iso(moment, self.settings.tz) or ""

    def url(self, path: str, **params) -> str:
        from urllib.parse import urlencode

        values = {k: v for k, v in params.items() if v not in (None, "")}
        return f"{path}?{urlencode(values)}" if values else path

    def render(self, name: str, status_code: int = 200, **context) -> HTMLResponse:
        response = templates().TemplateResponse(self.request, name,
                                                {"page": self, "t": self.t, "words": i18n.WORDS, **context},
                                                status_code=status_code)
        self.finish(response)
        return response

    def finish(self, response: Response) -> None:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = UI_POLICY
        if self.set_lang:
            response.set_cookie(LANG_COOKIE, self.set_lang, max_age=365 * 86400, samesite="lax")


def _filter(request: Request) -> MailFilter:
    q = request.query_params
    label = q.get("labelId", "").strip()
    status = q.get("status", "").strip()
    source = q.get("source", "").strip()
    return MailFilter(account=q.get("account", "").strip() or None, api_user=q.get("apiUser", "").strip() or None,
                      to=q.get("to", "").strip() or None, q=q.get("q", "").strip() or None,
                      label_id=int(label) if label.isdigit() and len(label) < 12 else None,
                      status=status if status in outbox.STATUSES else None,
                      source=source if source in outbox.SOURCES else None)


def _cursor(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


# mail list ----------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def mail_list(request: Request):
    page = Page(request)
    flt = _filter(request)
    before, after = _cursor(request.query_params.get("before")), _cursor(request.query_params.get("after"))
    with page.store.session() as session:
        newest_event = queries.newest_event_id(session)  # first: a later event is then sent again, never lost
        result = queries.mail_page(session, flt, before=before, after=after)
        accounts = queries.account_names(session)
        labels = queries.all_labels(session, flt.account)
    following = result.newer is None  # the first page follows new mail
    return page.render("mails.html", flt=flt, result=result, accounts=accounts, labels=labels, live=following,
                       newest_event=newest_event, statuses=outbox.STATUSES, sources=outbox.SOURCES,
                       args=queries.query_args(flt))


def _rows_html(page: "Page", session, rows: list) -> str:
    names = label_names(session, {m.label_id for m, _ in rows})
    marks = queries.marks(session, [m.id for m, _ in rows])
    return _fragment(page, "_rows.html", rows=rows, labels=names, marks=marks)


def _event_stream(page: "Page", events) -> live.EventStream:
    response = live.EventStream(events)
    response.headers["X-Accel-Buffering"] = "no"
    page.finish(response)
    return response


@router.get("/ui/mails/stream")
def mail_list_stream(request: Request):
    """Server-sent events for the first page: `page` with the rows that are new or changed since
    `after` (newest mail id shown) and `events` (newest event id seen), the order and the total."""
    page = Page(request)
    state = live.ListState(_filter(request), after=_cursor(request.query_params.get("after")) or 0,
                           events=_cursor(request.query_params.get("events")) or 0)

    def look() -> list:
        with page.store.session() as session:
            return state.look(session, lambda rows: _rows_html(page, session, rows),
                              lambda n: page.t("total", n=n))

    return _event_stream(page, live.stream(request, page.store, look))


# one mail ---------------------------------------------------------------------------------------
def _mail_or_404(page: Page, session, email_id: str):
    found = queries.mail(session, email_id)
    if found is None:
        raise HTTPException(status_code=404, detail="no such mail")
    return found


@router.get("/ui/mails/{email_id}", response_class=HTMLResponse)
def mail_view(request: Request, email_id: str):
    page = Page(request)
    with page.store.session() as session:
        found = queries.mail(session, email_id)
        if found is None:
            return page.render("missing.html", status_code=404, what=email_id)
        mail, account = found
        events = queries.events(session, mail.id)
        label = label_names(session, {mail.label_id}).get(mail.label_id)
        deliveries = queries.webhook_attempts(session, page, email_id=mail.email_id, limit=MAIL_DELIVERIES)
        message_headers = queries.message_headers(session, mail)
        cursors = live.cursors(session, mail)
    attachments = queries.loads(mail.attachments, [])
    first_link = re.search(r"""href\s*=\s*["'](https?://[^"']+)["']""", mail.html or "", re.I)
    return page.render("mail.html", mail=mail, account=account, events=events, label=label,
                       to=queries.loads(mail.to, []), cc=queries.loads(mail.cc, []),
                       bcc=queries.loads(mail.bcc, []), reply_to=queries.loads(mail.reply_to, []),
                       variables=queries.loads(mail.variables, {}),
                       attachments=attachments, buttons=EVENT_BUTTONS, deliveries=deliveries,
                       message_headers=message_headers, cursors=cursors,
                       first_link=html_lib.unescape(first_link.group(1)) if first_link else "http://example.com/")


@router.get("/ui/mails/{email_id}/timeline", response_class=HTMLResponse)
def mail_timeline(request: Request, email_id: str):
    page = Page(request)
    with page.store.session() as session:
        mail, _account = _mail_or_404(page, session, email_id)
        events = queries.events(session, mail.id)
    body = _fragment(page, "_timeline.html", events=events, mail=mail)
    response = HTMLResponse(body)
    page.finish(response)
    return response


def _fragment(page: Page, name: str, **context) -> str:
    return templates().get_template(name).render(page=page, t=page.t, words=i18n.WORDS, **context)


def _mail_parts(page: Page, session, mail) -> dict:
    """The live parts of the mail view: its timeline and its webhook attempts."""
    return {"statusText": page.t("ev_" + mail.status),
            "timeline": _fragment(page, "_timeline.html", events=queries.events(session, mail.id), mail=mail),
            "deliveries": _fragment(page, "_mail_deliveries.html", deliveries=queries.webhook_attempts(
                session, page, email_id=mail.email_id, limit=MAIL_DELIVERIES))}


@router.get("/ui/mails/{email_id}/deliveries", response_class=HTMLResponse)
def mail_deliveries(request: Request, email_id: str):
    page = Page(request)
    with page.store.session() as session:
        mail, _account = _mail_or_404(page, session, email_id)
        body = _mail_parts(page, session, mail)["deliveries"]
    response = HTMLResponse(body)
    page.finish(response)
    return response


@router.get("/ui/mails/{email_id}/stream")
def mail_stream(request: Request, email_id: str):
    """Server-sent events for one mail: `mail` (status, timeline and webhook attempts) whenever it
    has an event or attempt newer than `events` / `attempts`; `gone` once it is deleted."""
    page = Page(request)
    state = live.MailState(email_id, events=_cursor(request.query_params.get("events")) or 0,
                           attempts=_cursor(request.query_params.get("attempts")) or 0)

    def look() -> list:
        with page.store.session() as session:
            return state.look(session, lambda mail: _mail_parts(page, session, mail))

    return _event_stream(page, live.stream(request, page.store, look))


def body_policy(remote_images: bool) -> str:
    """The mail document may style itself and show images; it never runs script or reaches the UI."""
    images = "'self' data: blob: cid:" + (" http: https:" if remote_images else "")
    return ("default-src 'none'; style-src 'unsafe-inline'; font-src data:; "
            f"img-src {images}; media-src data:; form-action 'none'; frame-ancestors 'self'; base-uri 'none'; "
            "sandbox allow-popups allow-popups-to-escape-sandbox")


@router.get("/ui/mails/{email_id}/body")
def mail_body(request: Request, email_id: str):
    """The mail's HTML as its own document, under a CSP that forbids script and sandboxes it."""
    page = Page(request)
    with page.store.session() as session:
        mail, _account = _mail_or_404(page, session, email_id)
    body = mail.html or ""
    for index, attachment in enumerate(queries.loads(mail.attachments, [])):
        cid = (attachment or {}).get("contentId") if isinstance(attachment, dict) else None
        if cid:
            # absolute, so that a `<base href>` in the mail cannot send the image request elsewhere
            target = f"{str(request.base_url).rstrip('/')}/_emulator/mails/{quote(email_id, safe='')}/attachments/{index}"
            body = re.sub(rf"""cid:{re.escape(cid.strip("<>"))}(?=["'\s)>])""", lambda _m, t=target: t, body)
    head = '<meta charset="utf-8"><base target="_blank">'
    doctype = re.match(r"\s*<!doctype[^>]*>", body, re.I)
    if doctype:  # keep the mail's own doctype first (standards mode), our head right after it
        document = doctype.group(0) + head + body[doctype.end():]
    else:
        document = "<!doctype html>" + head + body
    response = HTMLResponse(document)
    response.headers["Content-Security-Policy"] = body_policy(request.query_params.get("images") == "1")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


# accounts ---------------------------------------------------------------------------------------
@router.get("/ui/accounts", response_class=HTMLResponse)
def account_list(request: Request):
    page = Page(request)
    with page.store.session() as session:
        rows = queries.accounts(session)
    return page.render("accounts.html", rows=rows)


@router.get("/ui/accounts/{user_name}", response_class=HTMLResponse)
def account_view(request: Request, user_name: str):
    return account_section(request, user_name, "overview")


@router.get("/ui/accounts/{user_name}/{section}", response_class=HTMLResponse)
def account_section(request: Request, user_name: str, section: str):
    page = Page(request)
    if section not in sections.SECTIONS:
        return page.render("missing.html", status_code=404, what=section)
    with page.store.session() as session:
        account = queries.account(session, user_name)
        if account is None:
            return page.render("missing.html", status_code=404, what=user_name)
        data = sections.SECTIONS[section](session, account, page)
        # the badge: shown only while the account travels in time
        travel = None if clock.is_real_time(session, account.id) else clock.view(session, account.id, page.settings.tz)
    if travel is not None:
        travel["shown"] = page.fmt(datetime.fromisoformat(travel["now"]))
    return page.render(sections.TEMPLATES[section], account=account, section=section,
                       sections=list(sections.SECTIONS), titles=sections.TITLES, account_clock=travel, **data)


# static files -------------------------------------------------------------------------------------
@router.get("/ui/static/{name}")
def static(name: str):
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise HTTPException(status_code=404, detail="no such file")
    response = FileResponse(path)
    response.headers["Cache-Control"] = "no-cache"
    return response


@router.get("/ui", include_in_schema=False)
def ui_root():
    return RedirectResponse("/", status_code=307)
