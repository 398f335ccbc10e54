"""Webhook configurations (docs/api.md §2.18) and the callbacks they receive (§5).

A configuration is (categoryName, url) → a set of event types. Every event of a mail queues one
`WebhookDelivery` per distinct URL whose configuration matches; the payload (timestamp, token and
signature included) is fixed when it is queued, so retries resend it unchanged. Pending deliveries
live in the store and survive a restart; each HTTP attempt is a `WebhookAttempt` row.
"""

import hashlib
import hmac
import ipaddress
import json
import socket
import threading
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import Index, UniqueConstraint, bindparam
from sqlmodel import Field, Session, SQLModel, select

from ..codes import ApiError
from .accounts import random_key
from ..store.db import TRAFFIC_TABLES
from .clock import UTCDateTime

# name → code, in the order of §2.18 (also the order names are rendered in)
EVENT_CODES = {"request": 18, "deliver": 1, "report_spam": 3, "invalid": 4, "soft_bounce": 5,
               "click": 10, "open": 11, "unsubscribe": 12}
CODE_NAMES = {str(code): name for name, code in EVENT_CODES.items()}
RETRY_MINUTES = (1, 2, 4, 8, 16)
MAX_ATTEMPTS = len(RETRY_MINUTES) + 1
TIMEOUT_SECONDS = 3.0


class WebhookConfig(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "category_name", "url"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    category_name: str  # an API_USER name of the account, or "all"
    url: str
    events: str  # comma-joined event names, in EVENT_CODES order
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One callback (one event to one URL), pending until it succeeds or runs out of attempts."""

    # the worker's "what is due next" reads this index, not every delivered row
    __table_args__ = (Index("ix_webhookdelivery_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    url: str
    event: str
    email_id: str | None = None
    message_id: str | None = None
    payload: str  # JSON object of the form fields (all strings)
    attempts: int = 0
    status: str = "pending"  # pending | delivered | failed
    next_attempt_at: datetime | None = Field(default=None, index=True, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)


class WebhookAttempt(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    delivery_id: int = Field(foreign_key="webhookdelivery.id", index=True)
    url: str
    event: str
    attempt: int
    status_code: int | None = None
    error: str | None = None
    status: str  # delivered | retrying | failed
    sent_at: datetime = Field(sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


TRAFFIC_TABLES.update({WebhookDelivery.__tablename__, WebhookAttempt.__tablename__})


# parameter rules ----------------------------------------------------------------------------------
def parse_events(text: str) -> list[str] | None:
    """`,`/`;`-separated names or codes, case-insensitive; unknown items dropped; None when none is left."""
    found = set()
    for item in text.replace(";", ",").split(","):
        item = item.strip().lower()
        name = item if item in EVENT_CODES else CODE_NAMES.get(item.lstrip("0") or "0")
        if name:
            found.add(name)
    return [name for name in EVENT_CODES if name in found] or None


def is_url(text: str) -> bool:
    if len(text) > 255 or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        return False
    try:
        parts = urlsplit(text)
        _ = parts.port  # a bad port raises
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


class OwnAddresses:
    """The emulator's own host names and ports, so that no webhook ever calls the emulator itself
    (a callback to /_emulator/reset would wipe every account). Ports and host names are learned
    from the settings and from every request the server answers."""

    LOCAL_NAMES = frozenset({"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
    OWN_PATHS = ("/_emulator", "/apiv2", "/webapi", "/ui")

    def __init__(self, host: str = "127.0.0.1", port: int | None = None):
        self.hosts: set[str] = {host.lower().strip("[]")}
        self.ports: set[int] = {port} if port else set()
        self.lock = threading.Lock()
        try:  # the machine's own names (a server bound to 0.0.0.0 answers on them too)
            name = socket.gethostname().lower()
            self.hosts.update({name, socket.getfqdn().lower()})
        except OSError:
            pass

    def note(self, host: str | None, port: int | None) -> None:
        """A host name and port this server was reached at (the Host header, the listening socket)."""
        if host and host.lower() not in self.hosts:
            with self.lock:
                self.hosts.add(host.lower().strip("[]"))
        if port and port not in self.ports:
            with self.lock:
                self.ports.add(port)

    def covers(self, url: str, resolved: list[str] | None = None) -> bool:
        """Whether `url` reaches this emulator: a local or own host name on one of its ports, or
        one of its own paths on any local port. `resolved`: the addresses its host resolves to."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower().rstrip(".")
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            return False
        local = (host in self.LOCAL_NAMES or host.endswith(".localhost") or _is_local_ip(host)
                 or any(_is_local_ip(a) for a in resolved or ()))
        if not local and host not in self.hosts:
            return False
        return port in self.ports or (local and (parts.path or "/").startswith(self.OWN_PATHS))


def _is_local_ip(text: str) -> bool:
    """Loopback or unspecified, in any spelling a resolver accepts (127.1, 0x7f000001, ::ffff:127.0.0.1)."""
    text = text.strip("[]").split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        try:
            address = ipaddress.ip_address(socket.inet_aton(text))
        except (OSError, ValueError):
            return False
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_loopback or address.is_unspecified


def check_url(text: str, own: OwnAddresses | None, resolved: list[str] | None = None) -> str:
    """A URL a configuration may call: 40706 when malformed or when it reaches the emulator itself."""
    if not is_url(text) or (own is not None and own.covers(text, resolved)):
        raise ApiError(40706)
    return text


# configurations --------------------------------------------------------------------------------
def view(config: WebhookConfig, fmt) -> dict:
    return {"url": config.url, "categoryName": config.category_name, "event": config.events,
            "gmtCreated": fmt(config.created_at)}


def find(session: Session, account_id: int, category: str, url: str) -> WebhookConfig | None:
    return session.exec(select(WebhookConfig).where(WebhookConfig.account_id == account_id,
                                                    WebhookConfig.category_name == category,
                                                    WebhookConfig.url == url)).first()


def search(session: Session, account_id: int, url: str | None, category: str | None,
           events: list[str] | None) -> list[WebhookConfig]:
    query = select(WebhookConfig).where(WebhookConfig.account_id == account_id)
    if url is not None:
        query = query.where(WebhookConfig.url == url)
    if category is not None:
        query = query.where(WebhookConfig.category_name == category)
    rows = session.exec(query.order_by(WebhookConfig.id)).all()
    if events is not None:
        rows = [r for r in rows if set(r.events.split(",")) & set(events)]
    return list(rows)


def add(session: Session, account_id: int, category: str, url: str, events: list[str], now: datetime,
        probe) -> WebhookConfig:
    if find(session, account_id, category, url) is not None:
        raise ApiError(40708)
    probe(url)
    config = WebhookConfig(account_id=account_id, category_name=category, url=url, events=",".join(events),
                           created_at=now, updated_at=now)
    session.add(config)
    session.flush()
    return config


def existing(session: Session, account_id: int, category: str, url: str) -> WebhookConfig:
    config = find(session, account_id, category, url)
    if config is None:
        raise ApiError(40709)
    return config


def update(session: Session, config: WebhookConfig, category: str | None, events: list[str] | None,
           url: str | None, now: datetime, probe) -> None:
    new_category = category if category is not None else config.category_name
    new_url = url if url is not None else config.url
    other = find(session, config.account_id, new_category, new_url)
    if other is not None and other.id != config.id:
        raise ApiError(40708)
    if url is not None:
        probe(url)
    if category is None and events is None and url is None:
        raise ApiError(40712)
    config.category_name, config.url, config.updated_at = new_category, new_url, now
    if events is not None:
        config.events = ",".join(events)
    session.add(config)
    session.flush()


def remove(session: Session, config: WebhookConfig, events: list[str] | None, now: datetime) -> None:
    if events is not None:
        left = [name for name in config.events.split(",") if name not in events]
        if left:
            config.events, config.updated_at = ",".join(left), now
            session.add(config)
            session.flush()
            return
    session.delete(config)
    session.flush()


def hooks_for(session: Session, account_id: int) -> list:
    """The account's configurations as read-only rows (every send reads them: no ORM objects)."""
    return list(session.connection().execute(_HOOKS, {"account": account_id}).all())


_HOOKS = (WebhookConfig.__table__.select().where(WebhookConfig.__table__.c.account_id == bindparam("account"))
          .order_by(WebhookConfig.__table__.c.id))


def matching_urls(hooks: list[WebhookConfig], api_user: str, event: str) -> list[str]:
    """Distinct URLs (first configuration first) whose configuration covers this API_USER and event."""
    urls: list[str] = []
    for hook in hooks:
        if hook.category_name in (api_user, "all") and event in hook.events.split(",") and hook.url not in urls:
            urls.append(hook.url)
    return urls


# callbacks ------------------------------------------------------------------------------------
def sign(app_key: str, timestamp: str, token: str) -> str:
    """§5: lowercase hex HMAC-SHA256 over timestamp + token, keyed with the account's appKey."""
    return hmac.new(app_key.encode("utf-8"), (timestamp + token).encode("utf-8"), hashlib.sha256).hexdigest()


def delivery_row(account_id: int, app_key: str, url: str, event: str, fields: dict[str, str], when: datetime,
                 email_id: str | None = None, message_id: str | None = None) -> dict:
    """The values of one WebhookDelivery (inserted in bulk by the pipeline): the payload is fixed here."""
    timestamp = str(int(when.timestamp() * 1000))
    token = random_key(50)
    payload = {"event": event, "timestamp": timestamp, "token": token,
               "signature": sign(app_key, timestamp, token), **fields}
    return {"account_id": account_id, "url": url, "event": event, "email_id": email_id, "message_id": message_id,
            "payload": json.dumps(payload, ensure_ascii=False), "attempts": 0, "status": "pending",
            "next_attempt_at": when, "created_at": when}


def retry_delay(attempt: int, scale: float) -> timedelta | None:
    """The wait after failed attempt number `attempt` (1-based), or None when it was the last."""
    if attempt >= MAX_ATTEMPTS:
        return None
    return timedelta(minutes=RETRY_MINUTES[attempt - 1] * scale)
