"""The delivery pipeline: what an accepted send produces (docs/api.md §4) and how events update state.

`on_accepted` is the one entry point of the mail module: it is called in the send's transaction
with the rendered Mail rows, and stores them once their outcomes are decided. `inject` is the entry point of `POST /_emulator/events`. Every
event goes through `Emitter.emit`, which logs it, moves the mail's delivery status, updates the
suppression lists (§4.3), adds it to the mail's running totals (which database triggers fold into
the statistics counters) and queues the webhook callbacks (§5).
"""

import json
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from html.parser import HTMLParser

from sqlmodel import Session, select

from ..store.db import bind_time, insert_rows
from . import suppression, webhook
from .accounts import Account
from .outbox import STATUSES, Mail, MailEvent, MailRow

SIM_DOMAIN = "sim.sendcloud.test"
INJECTABLE = ("deliver", "invalid", "soft_bounce", "open", "click", "unsubscribe", "report_spam")
DEFAULT_SUB_STAT = {"invalid": 406, "soft_bounce": 506}
DEFAULT_URL = "http://example.com/"
DEFAULT_IP = "203.0.113.10"
DEFAULT_USER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/120.0.0.0 Safari/537.36")
SUB_STATS = {
    401: "recipient is on the SendCloud blacklist (bounce/spam list)",
    402: "recipient has unsubscribed",
    403: "recipient server unreachable",
    404: "recipient address format error",
    405: "IP or domain rejected",
    406: "recipient address does not exist",
    407: "rejected as spam",
    408: "sender or recipient rejected",
    409: "other",
    503: "service unavailable",
    504: "temporary failure",
    505: "IP or domain rejected",
    506: "mailbox does not exist",
    507: "rejected by anti-spam",
    508: "sender or recipient rejected",
    509: "other",
}
MESSAGES = {"request": "successfully request", "deliver": "Successfully delivered", "open": "open email",
            "click": "click email", "unsubscribe": "unsubscribe email", "report_spam": "report spam"}
TRACKING = ("open", "click", "unsubscribe")


def valid_sub_stat(event: str, sub_stat: int) -> bool:
    return (event == "invalid" and 401 <= sub_stat <= 409) or (event == "soft_bounce" and 503 <= sub_stat <= 509)


def describe(sub_stat: int | None) -> str:
    return SUB_STATS.get(sub_stat or 0, "")


# the mailbox simulator (docs/control-api.md) ------------------------------------------------------------
class _FirstLink(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.href: str | None = None

    def handle_starttag(self, tag, attrs):
        if self.href is None and tag == "a":
            href = dict(attrs).get("href")
            if href and href.strip():
                self.href = href.strip()


def first_link(html: str | None) -> str:
    if not html:
        return DEFAULT_URL
    parser = _FirstLink()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # malformed markup: no link
        return DEFAULT_URL
    return parser.href or DEFAULT_URL


def script(mail: Mail | MailRow) -> list[tuple[str, int | None]]:
    """The outcome after `request`: (event, subStat) steps, scripted by the local part on the simulator."""
    local, _, domain = mail.recipient.rpartition("@")
    if domain.lower() != SIM_DOMAIN:
        return [("deliver", None)]
    word = local.split("+", 1)[0].lower()
    if word == "invalid":
        return [("invalid", 406)]
    if word == "softbounce":
        return [("soft_bounce", 506)]
    for prefix, event in (("invalid-", "invalid"), ("softbounce-", "soft_bounce")):
        if word.startswith(prefix) and word[len(prefix):].isdigit():
            code = int(word[len(prefix):])
            if valid_sub_stat(event, code):
                return [(event, code)]
    follow = {"open": ["open"], "click": ["open", "click"], "unsubscribe": ["unsubscribe"],
              "spam": ["report_spam"]}.get(word, [])
    return [("deliver", None)] + [(event, None) for event in follow]


# the emitter ------------------------------------------------------------------------------------
EVENT_COLUMNS = ("account_id", "mail_id", "email_id", "event", "sub_stat", "url", "ip", "user_agent", "created_at")


class Emitter:
    """Applies events of one account within one transaction; `queued` says whether callbacks wait."""

    def __init__(self, session: Session, account_id: int, now: datetime):
        self.session = session
        self.account_id = account_id
        self.now = now
        self.hooks = webhook.hooks_for(session, account_id)
        self.app_key = session.get(Account, account_id).app_key if self.hooks else ""
        self.queued = 0
        self.created_at = bind_time(session.connection(), MailEvent.__table__, "created_at")(now)
        self.events: list[tuple] = []  # MailEvent rows (EVENT_COLUMNS) and WebhookDelivery rows, inserted in bulk by flush()
        self.deliveries: list[dict] = []

    def flush(self) -> None:
        """Insert the buffered events and callbacks (executemany: far cheaper than ORM objects)."""
        if self.events:
            insert_rows(self.session.connection(), MailEvent.__table__, EVENT_COLUMNS, self.events)
            self.events = []
        if self.deliveries:
            self.session.connection().execute(webhook.WebhookDelivery.__table__.insert(), self.deliveries)
            self.deliveries = []

    def _event(self, mail: Mail | MailRow, event: str, sub_stat: int | None = None, url: str | None = None,
               ip: str | None = None, user_agent: str | None = None) -> None:
        self.events.append((mail.account_id, mail.id, mail.email_id, event, sub_stat, url, ip, user_agent,
                            self.created_at))

    def _common(self, mail: Mail | MailRow, event: str, sub_stat: int | None) -> dict[str, str]:
        task = "" if mail.maillist_task_id is None else str(mail.maillist_task_id)
        message = MESSAGES.get(event) or describe(sub_stat)
        return {"apiUser": mail.api_user, "category": mail.api_user, "labelId": str(mail.label_id or 0),
                "maillistTaskId": task, "mail_list_task_id": task, "userHeaders": user_headers(mail.headers),
                "message": message}

    def _queue(self, mail: Mail | MailRow, event: str, fields: dict[str, str], message_id: str | None = None,
               email_id: str | None = None) -> None:
        for url in webhook.matching_urls(self.hooks, mail.api_user, event):
            self.deliveries.append(webhook.delivery_row(self.account_id, self.app_key, url, event, fields, self.now,
                                                        email_id=email_id, message_id=message_id or mail.message_id))
            self.queued += 1

    def request(self, mails: list[MailRow], message_id: str) -> None:
        """One `request` event per mail, one callback per URL listing every recipient (§4.1)."""
        for mail in mails:
            self._event(mail, "request")
            mail.status, mail.sub_stat, mail.status_time = "request", 0, self.now
        if self.hooks and mails:
            fields = self._common(mails[0], "request", None)
            fields.update({"messageId": message_id,
                           "recipientArray": json.dumps([m.recipient for m in mails], ensure_ascii=False),
                           "emailIds": json.dumps([m.email_id for m in mails], ensure_ascii=False),
                           "recipientSize": str(len(mails))})
            self._queue(mails[0], "request", fields, message_id=message_id)

    def emit(self, mail: Mail | MailRow, event: str, sub_stat: int | None = None, url: str | None = None,
             ip: str | None = None, user_agent: str | None = None) -> None:
        if event in DEFAULT_SUB_STAT and sub_stat is None:
            sub_stat = DEFAULT_SUB_STAT[event]
        if event == "click" and not url:
            url = first_link(mail.html)
        if event in TRACKING:
            ip, user_agent = ip or DEFAULT_IP, user_agent or DEFAULT_USER_AGENT
        self._event(mail, event, sub_stat, url if event == "click" else None, ip, user_agent)
        if event in STATUSES:
            mail.status, mail.sub_stat, mail.status_time = event, sub_stat or 0, self.now
        tally(mail, event, sub_stat)
        # the suppression lists (§4.3)
        if event == "invalid" and sub_stat == 406:
            suppression.add_bounce(self.session, mail.account_id, mail.recipient, describe(406), self.now)
        elif event == "unsubscribe":
            suppression.add_unsubscribe(self.session, mail.account_id, mail.recipient, mail.api_user,
                                        mail.label_id or 0, self.now)
        elif event == "report_spam":
            suppression.add_spam(self.session, mail.account_id, mail.recipient, self.now)
        if self.hooks:
            fields = self._common(mail, event, sub_stat)
            fields.update({"emailId": mail.email_id, "recipient": mail.recipient})
            if event in TRACKING:
                fields.update({"ip": ip, **client_of(user_agent)})
            if event == "click":
                fields["url"] = url
            if event in DEFAULT_SUB_STAT:
                fields.update({"subStat": str(sub_stat), "subStatDesc": describe(sub_stat)})
            self._queue(mail, event, fields, email_id=mail.email_id)


def tally(mail: Mail | MailRow, event: str, sub_stat: int | None) -> None:
    """The mail's running totals that the statistics counters are built from (stats.py)."""
    if event == "deliver":
        mail.stat_delivered = 1
    elif event == "invalid":
        mail.stat_invalid, mail.stat_invalid_sub = 1, sub_stat
    elif event == "soft_bounce":
        mail.stat_bounced = 1
    elif event == "open":
        mail.stat_opens = (mail.stat_opens or 0) + 1
    elif event == "click":
        mail.stat_clicks = (mail.stat_clicks or 0) + 1
    elif event == "report_spam":
        mail.stat_spam = (mail.stat_spam or 0) + 1
    elif event == "unsubscribe":
        mail.stat_unsubscribes = (mail.stat_unsubscribes or 0) + 1


def user_headers(headers: str | None) -> str:
    """JSON text of the send's `SC-Custom-*` headers (§5), `{}` when none."""
    try:
        parsed = json.loads(headers or "{}")
    except ValueError:
        parsed = {}
    if not isinstance(parsed, dict):
        parsed = {}
    custom = {k: v for k, v in parsed.items() if isinstance(k, str) and k.lower().startswith("sc-custom-")}
    return json.dumps(custom, ensure_ascii=False)


DEFAULT_CLIENT = {"explorerName": "Chrome", "explorerVer": "120.0", "oSName": "Windows", "oSVer": "10"}


@lru_cache(maxsize=256)
def client_of(user_agent: str | None) -> dict[str, str]:
    """explorerName, explorerVer, oSName, oSVer of a user agent (§5)."""
    if not user_agent or user_agent == DEFAULT_USER_AGENT:
        return dict(DEFAULT_CLIENT)
    from ua_parser import parse  # imported lazily: its first parse compiles many patterns

    found = parse(user_agent)
    browser, system = found.user_agent, found.os

    def version(part) -> str:
        if part is None or not part.major:
            return ""
        return part.major + (f".{part.minor}" if part.minor else "")

    return {"explorerName": browser.family if browser else "Other", "explorerVer": version(browser),
            "oSName": system.family if system else "Other", "oSVer": version(system)}


def _wake(services) -> Callable[[], None] | None:
    worker = getattr(services, "webhook_worker", None)
    return worker.wake if worker is not None else None


def on_accepted(ctx, mails: list[MailRow], message_id: str, store_mails: Callable[[], None],
                task_id: int | None = None) -> None:
    """Every accepted recipient gets `request`, then suppression, the simulator script, or `deliver`.

    `mails` are the mails sending.create_mails rendered, not stored yet: their outcomes are decided
    first (on the MailRows), then `store_mails` inserts each row once in its final state (so the
    statistics triggers run once per mail), then their events and callbacks go in, in bulk."""
    if not mails:
        return
    emitter = Emitter(ctx.session, mails[0].account_id, ctx.now)
    emitter.request(mails, message_id)
    blocked = suppression.suppressed(ctx.session, emitter.account_id, {m.recipient_key for m in mails})
    for mail in mails:
        code = blocked.get(mail.recipient_key)
        steps = [("invalid", code)] if code else script(mail)
        for event, sub_stat in steps:
            emitter.emit(mail, event, sub_stat)
    store_mails()
    emitter.flush()
    if emitter.queued:
        wake = _wake(ctx.services)
        if wake is not None:
            ctx.after_commit.append(wake)


def inject(session: Session, mail: Mail, event: str, now: datetime, sub_stat: int | None = None,
           url: str | None = None, ip: str | None = None, user_agent: str | None = None) -> tuple[MailEvent, int]:
    """`POST /_emulator/events`: one event for one mail, exactly as a simulated outcome. → (event, callbacks queued)."""
    emitter = Emitter(session, mail.account_id, now)
    emitter.emit(mail, event, sub_stat, url, ip, user_agent)
    emitter.flush()
    session.flush()
    row = session.exec(select(MailEvent).where(MailEvent.mail_id == mail.id).order_by(MailEvent.id.desc())).first()
    return row, emitter.queued
