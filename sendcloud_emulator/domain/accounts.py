"""Accounts, their API_USERs and domains (docs/api.md §1.2, §2.6, §2.7; docs/control-api.md Accounts)."""

import base64
import hashlib
import random
import re
import secrets
import string
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ValidationError, field_validator
from pydantic import Field as Rule
from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, UniqueConstraint, bindparam, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from .. import values
from ..codes import ApiError
from ..store.db import DERIVED_TABLES, SCHEMA_STEPS, Prepared, Store, lock_table
from . import clock
from .clock import UTCDateTime

DEFAULT_QUOTA = 10000
MAX_DOMAINS = 5
MAX_API_USERS = 10
VERIFY_ALL = 31
CNAME_BIT = 8

# Names and keys: each rule is written here once, for the API, the control API, the CLI and fixtures.
API_USER_NAME = r"^[A-Za-z0-9_]{6,32}$"  # apiuser/add (docs/api.md §2.7)
USER_NAME = r"^[A-Za-z0-9_.@-]{1,64}$"
KEY = r"^[!-~]{1,64}$"  # printable ASCII without spaces: teams reuse keys such as `dummy-key-1`
KEY_ALPHABET = string.ascii_letters + string.digits  # of every key, token and name part we generate


def is_api_user_name(name: str) -> bool:
    return re.fullmatch(API_USER_NAME[1:-1], name) is not None


def is_key(key: str) -> bool:
    return re.fullmatch(KEY[1:-1], key) is not None


def random_key(length: int = 16, rng: random.Random | None = None) -> str:
    """`length` letters and digits: from `rng` when given (seeded demo data), else from the OS.

    Unbiased: OS bytes ≥ 248 are skipped, so each of the 62 letters is equally likely.
    """
    if rng is not None:
        return "".join(rng.choice(KEY_ALPHABET) for _ in range(length))
    found: list[str] = []
    while len(found) < length:
        found.extend(KEY_ALPHABET[b % 62] for b in secrets.token_bytes(length + 8) if b < 248)
    return "".join(found[:length])


class AccountSpec(BaseModel):
    """What a new account may be given; absent values are generated (docs/control-api.md Accounts)."""

    userName: str | None = Rule(default=None, pattern=USER_NAME)
    apiUser: str | None = Rule(default=None, pattern=API_USER_NAME)
    apiKey: str | None = Rule(default=None, pattern=KEY)
    batchApiUser: str | None = Rule(default=None, pattern=API_USER_NAME)
    batchApiKey: str | None = Rule(default=None, pattern=KEY)
    appKey: str | None = Rule(default=None, pattern=KEY)
    domain: str | None = Rule(default=None, max_length=250)
    email: str | None = Rule(default=None, max_length=254)
    phone: str | None = Rule(default=None, max_length=64)
    quota: int | None = Rule(default=None, ge=0, le=values.INT_MAX)
    templateReview: Literal["auto", "manual"] | None = None
    rateLimitPerMinute: int | None = Rule(default=None, ge=1, le=values.INT_MAX)

    @field_validator("domain")
    @classmethod
    def _domain_name(cls, value: str | None) -> str | None:
        if value is not None and not values.is_domain_name(value):
            raise ValueError("domain must be a domain name")
        return value

    @field_validator("email", "phone")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL")
        return value


class AccountInvalid(ValueError):
    """A value that breaks a rule of AccountSpec or of apiuser/add (control API answers 400)."""


def check_spec(spec: dict) -> AccountSpec:
    """The spec's account fields under the rules of AccountSpec (other keys, e.g. fixtures' lists, pass)."""
    try:
        return AccountSpec.model_validate(spec)
    except ValidationError as error:
        # one line naming each refused field, e.g. `apiUser: String should match pattern …`
        raise AccountInvalid("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())) from None


@lock_table
class Account(SQLModel, table=True):
    id: int = Field(primary_key=True)  # the accountNo of messageIds
    user_name: str = Field(unique=True, max_length=64)
    email: str = ""
    phone: str = ""
    app_key: str
    quota: int = DEFAULT_QUOTA
    template_review: str = "auto"  # auto | manual
    rate_limit_per_minute: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


class Domain(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "name_key"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str
    name_key: str  # lower-cased name: domains are unique per account, case-insensitively
    is_test: bool = False
    verify: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ApiUser(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(unique=True, max_length=64)
    api_key: str
    email_type: int  # 0 trigger, 1 batch
    domain_id: int = Field(foreign_key="domain.id")
    open: int = 1
    click: int = 0
    unsubscribe: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)


class AccountClash(Exception):
    """A userName or API_USER name that already exists (control API answers 400)."""


# authentication ---------------------------------------------------------------------------------
def authenticate(session: Session, api_user: str | None, api_key: str | None) -> tuple[Account, ApiUser]:
    """§1.2: the pair must match one API_USER exactly (case-sensitive); else 40005."""
    if not _well_formed(api_user, api_key):
        raise ApiError(40005)
    user = session.exec(select(ApiUser).where(ApiUser.name == api_user.strip())).first()
    if user is None or user.name != api_user.strip() or user.api_key != api_key.strip():
        raise ApiError(40005)
    return session.get(Account, user.account_id), user


def _well_formed(api_user: str | None, api_key: str | None) -> bool:
    if not api_user or not api_key or not api_user.strip() or not api_key.strip():
        return False
    return "\x00" not in api_user and "\x00" not in api_key  # no stored name holds NUL (PostgreSQL rejects it)


# The authentication version: one row that every change of an account or an API_USER bumps, by
# database trigger, in the changing transaction (API, control API, CLI, fixtures, resets alike), so
# every process on the database sees a change as soon as it commits. Outside SQLModel's metadata:
# a wipe leaves it counting up, never back to a value a process may have cached.
AUTH_METADATA = MetaData()
auth_version = Table("authversion", AUTH_METADATA, Column("id", Integer, primary_key=True, autoincrement=False),
                     Column("value", BigInteger, nullable=False))
_AUTH_TABLES = ("account", "apiuser")


def install_auth_version(connection) -> None:
    """Create the version row and the triggers that bump it (once per database)."""
    AUTH_METADATA.create_all(connection)
    if connection.execute(select(auth_version.c.id)).first() is None:
        connection.execute(auth_version.insert().values(id=1, value=1))
    bump = "UPDATE authversion SET value = value + 1 WHERE id = 1"
    if connection.dialect.name == "sqlite":
        for table in _AUTH_TABLES:
            for op in ("INSERT", "UPDATE", "DELETE"):
                connection.exec_driver_sql(f"CREATE TRIGGER IF NOT EXISTS {table}_auth_{op.lower()} "
                                           f"AFTER {op} ON {table} BEGIN {bump}; END")
        return
    connection.exec_driver_sql(f"CREATE OR REPLACE FUNCTION auth_version_bump() RETURNS trigger AS $$ "
                               f"BEGIN {bump}; RETURN NULL; END $$ LANGUAGE plpgsql")
    for table in _AUTH_TABLES:
        if connection.exec_driver_sql(f"SELECT 1 FROM pg_trigger WHERE tgname = '{table}_auth' "
                                      f"AND tgrelid = '{table}'::regclass").first() is None:
            connection.exec_driver_sql(f"CREATE TRIGGER {table}_auth AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION auth_version_bump()")


SCHEMA_STEPS.append(install_auth_version)

_VERSION = select(auth_version.c.value).where(auth_version.c.id == 1)
# the version and the account's clock in one small read: all a cached caller costs a request
_VERSION_AND_CLOCK = Prepared(
    select(auth_version.c.value, clock.AccountClock.offset_seconds, clock.AccountClock.frozen_at)
    .select_from(auth_version.outerjoin(clock.AccountClock, clock.AccountClock.account_id == bindparam("account")))
    .where(auth_version.c.id == 1))


class Authenticator:
    """`(apiUser, apiKey)` → the caller's Account and ApiUser and the account's clock, for one process.

    Callers found once are kept with the authentication version they were read under; a request
    then reads only the version and the clock row (one query) and uses them while the version is
    unchanged. Any change of an account or API_USER, in any process, moves the version, and the
    next request reads the caller again (a deleted key or API_USER is refused at once). The
    Account and ApiUser returned are shared, detached copies: read them, never change them.
    """

    LIMIT = 10_000  # callers kept (cleared whole when full)

    def __init__(self):
        self._callers: dict[tuple[str, str], tuple[int, Account, ApiUser]] = {}

    def __call__(self, session: Session, api_user: str | None, api_key: str | None,
                 lock: Store | None = None) -> tuple[Account, ApiUser, datetime]:
        """§1.2 (40005), and the account's clock; `lock`: take the account's write lock first."""
        if not _well_formed(api_user, api_key):
            raise ApiError(40005)
        connection = session.connection()
        kept = self._callers.get((api_user, api_key))
        if kept is not None:
            version, account, user = kept
            if lock is not None:
                lock.lock_account(session, account.id)
            row = _VERSION_AND_CLOCK.first(connection, {"account": account.id})
            if row is not None and row[0] == version:
                return account, user, clock.reading(row[1], row[2])
        # read the version before the caller: a change committed in between makes the kept copy newer, never older
        version = connection.execute(_VERSION).scalar()
        account, user = authenticate(session, api_user, api_key)
        if lock is not None:
            lock.lock_account(session, account.id)
            session.refresh(account)
        account, user = Account(**account.model_dump()), ApiUser(**user.model_dump())
        if version is not None:
            if len(self._callers) >= self.LIMIT:
                self._callers.clear()
            self._callers[(api_user, api_key)] = (version, account, user)
        return account, user, clock.now(session, account.id)


# accounts ---------------------------------------------------------------------------------------
def create_account(store: Store, session: Session, spec: dict) -> dict:
    """Create an account with its test domain and two API_USERs; returns the control-API view."""
    check_spec(spec)
    user_name = spec.get("userName") or f"user_{random_key(8).lower()}"
    trigger = spec.get("apiUser") or _generated_api_user(session, user_name, "_trigger")
    batch = spec.get("batchApiUser") or _generated_api_user(session, user_name, "_batch")
    if trigger == batch:
        raise AccountClash("apiUser and batchApiUser must differ")
    if session.exec(select(Account).where(Account.user_name == user_name)).first():
        raise AccountClash(f"userName {user_name!r} already exists")
    for name in (trigger, batch):
        if session.exec(select(ApiUser).where(ApiUser.name == name)).first():
            raise AccountClash(f"apiUser {name!r} already exists")
    review = spec.get("templateReview") or "auto"
    account_id = store.next_id(session, "account", first=1001)
    now = clock.now(session, account_id)  # a new account's clock is real time
    account = Account(
        id=account_id,
        user_name=user_name,
        email=spec.get("email") or f"{user_name}@example.com",
        phone=spec.get("phone") or "",
        app_key=spec.get("appKey") or random_key(),
        quota=int(spec["quota"]) if spec.get("quota") is not None else DEFAULT_QUOTA,
        template_review=review,
        rate_limit_per_minute=spec.get("rateLimitPerMinute"),
        created_at=now,
    )
    if spec.get("createdAt"):
        account.created_at = spec["createdAt"]
    session.add(account)
    session.flush()
    test_name = spec.get("domain") or f"{random_key(10).lower()}.sendcloud.org"
    domain = Domain(account_id=account.id, name=test_name, name_key=test_name.lower(),
                    is_test=True, verify=VERIFY_ALL, created_at=now, updated_at=now)
    session.add(domain)
    session.flush()
    keys = {"apiKey": spec.get("apiKey") or random_key(), "batchApiKey": spec.get("batchApiKey") or random_key()}
    session.add(ApiUser(account_id=account.id, name=trigger, api_key=keys["apiKey"], email_type=0,
                        domain_id=domain.id, click=1, created_at=now))
    session.add(ApiUser(account_id=account.id, name=batch, api_key=keys["batchApiKey"], email_type=1,
                        domain_id=domain.id, click=1, created_at=now))
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent create took the name first
        raise AccountClash("userName or apiUser already exists") from exc
    return account_view(session, account)


def _generated_api_user(session: Session, user_name: str, suffix: str) -> str:
    """`<userName><suffix>` cut to the API_USER name rule (6–32 of [A-Za-z0-9_]); random if taken."""
    base = re.sub(r"[^A-Za-z0-9_]", "_", user_name)[: 32 - len(suffix)]
    name = f"{base}{suffix}"
    while len(name) < 6 or api_user_name_taken(session, name):
        name = f"{base[: 32 - len(suffix) - 7]}_{random_key(6).lower()}{suffix}"
    return name


def account_view(session: Session, account: Account) -> dict:
    return account_views(session, [account])[0]


def account_views(session: Session, rows: list[Account]) -> list[dict]:
    """The control-API views of many accounts in three queries (GET /_emulator/accounts)."""
    ids = [a.id for a in rows]
    users: dict[int, list[ApiUser]] = {i: [] for i in ids}
    tests: dict[int, Domain] = {}
    if ids:
        # a long id list would pass SQLite's bound-parameter limit: then read every row instead
        user_query = select(ApiUser).order_by(ApiUser.id)
        domain_query = select(Domain).where(Domain.is_test == True).order_by(Domain.id)  # noqa: E712
        if len(ids) <= 500:
            user_query = user_query.where(ApiUser.account_id.in_(ids))
            domain_query = domain_query.where(Domain.account_id.in_(ids))
        for user in session.exec(user_query).all():
            if user.account_id in users:
                users[user.account_id].append(user)
        for domain in session.exec(domain_query).all():
            tests.setdefault(domain.account_id, domain)
    return [_view(account, users[account.id], tests.get(account.id)) for account in rows]


def _view(account: Account, users: list[ApiUser], test_domain: Domain | None) -> dict:
    trigger = next((u for u in users if u.email_type == 0), None)
    batch = next((u for u in users if u.email_type == 1), None)
    return {
        "userName": account.user_name,
        "apiUser": trigger.name if trigger else None,
        "apiKey": trigger.api_key if trigger else None,
        "batchApiUser": batch.name if batch else None,
        "batchApiKey": batch.api_key if batch else None,
        "appKey": account.app_key,
        "domain": test_domain.name if test_domain else None,
        "quota": account.quota,
        "templateReview": account.template_review,
        "rateLimitPerMinute": account.rate_limit_per_minute,
        "apiUsers": [{"name": u.name, "apiKey": u.api_key, "emailType": u.email_type} for u in users],
    }


def find_account(session: Session, user_name: str | None = None, api_user: str | None = None) -> Account | None:
    if "\x00" in (user_name or "") + (api_user or ""):
        return None
    if user_name:
        return session.exec(select(Account).where(Account.user_name == user_name)).first()
    if api_user:
        user = session.exec(select(ApiUser).where(ApiUser.name == api_user)).first()
        return session.get(Account, user.account_id) if user else None
    return None


def delete_account_rows(session: Session, account_id: int, only: set[str] | None = None) -> None:
    """Delete the account's rows from every table with an account_id column (children first)."""
    for table in reversed(SQLModel.metadata.sorted_tables):
        if "account_id" in table.c and (only is None or table.name in only):
            session.exec(table.delete().where(table.c.account_id == account_id))
    for table in DERIVED_TABLES:  # after the delete triggers of the tables above wrote to them
        session.exec(table.delete().where(table.c.account_id == account_id))


# domains ----------------------------------------------------------------------------------------
def domain_records(name: str) -> dict[str, str]:
    """The DNS records of §2.6, derived from the lower-cased name."""
    key = name.lower()
    dkim = base64.b64encode(hashlib.sha256(key.encode("utf-8")).digest()).decode("ascii")
    return {
        "verifyKey.domain": key,
        "verifyKey.value": str(uuid.uuid5(uuid.NAMESPACE_DNS, key)),
        "spf.domain": key,
        "spf.value": "v=spf1 include:spf.sendcloud.org ~all",
        "dkim.domain": f"mail._domainkey.{key}",
        "dkim.value": f"k=rsa;p={dkim}",
        "cname.domain": f"sctrack.{key}",
        "cname.value": "track.sendcloud.org",
        "mx.domain": key,
        "mx.value": "mx.sendcloud.net",
    }


def list_domains(session: Session, account_id: int, names: list[str] | None, type_: int | None,
                 verify: tuple[str, int] | None) -> list[Domain]:
    query = select(Domain).where(Domain.account_id == account_id)
    if names is not None:
        query = query.where(Domain.name_key.in_([n.lower() for n in names if "\x00" not in n]))
    if type_ is not None:
        query = query.where(Domain.is_test == (type_ == 0))
    if verify is not None:
        op, number = verify
        column = Domain.verify
        query = query.where(column >= number if op == ">" else column <= number if op == "<" else column == number)
    return list(session.exec(query.order_by(Domain.id)).all())


def find_domain(session: Session, account_id: int, name: str) -> Domain | None:
    if "\x00" in name:  # no domain name holds NUL (PostgreSQL rejects it in a query)
        return None
    return session.exec(select(Domain).where(Domain.account_id == account_id, Domain.name_key == name.lower())).first()


def add_domain(session: Session, account_id: int, name: str, now: datetime) -> Domain:
    if find_domain(session, account_id, name):
        raise ApiError(41015)
    normal = session.exec(
        select(func.count()).select_from(Domain).where(Domain.account_id == account_id, Domain.is_test == False)  # noqa: E712
    ).one()
    if normal >= MAX_DOMAINS:
        raise ApiError(41012)
    domain = Domain(account_id=account_id, name=name, name_key=name.lower(), created_at=now, updated_at=now)
    session.add(domain)
    session.flush()
    return domain


def rename_domain(session: Session, domain: Domain, new_name: str, now: datetime) -> Domain:
    if domain.is_test or domain.verify != 0:
        raise ApiError(41016)
    other = find_domain(session, domain.account_id, new_name)
    if other is not None and other.id != domain.id:
        raise ApiError(41016)
    domain.name, domain.name_key, domain.updated_at = new_name, new_name.lower(), now
    session.add(domain)
    session.flush()
    return domain


def verify_domain(session: Session, account_id: int, name: str, bits: int) -> Domain | None:
    domain = find_domain(session, account_id, name)
    if domain is None:
        return None
    domain.verify |= bits & VERIFY_ALL
    domain.updated_at = clock.now(session, account_id)
    session.add(domain)
    return domain


# API_USERs --------------------------------------------------------------------------------------
def list_api_users(session: Session, account_id: int, email_type: int | None, c_type: int | None,
                   domain_name: str | None) -> list[tuple[ApiUser, Domain]]:
    query = select(ApiUser, Domain).join(Domain, Domain.id == ApiUser.domain_id).where(ApiUser.account_id == account_id)
    if email_type is not None:
        query = query.where(ApiUser.email_type == email_type)
    if c_type is not None:
        query = query.where(Domain.is_test == (c_type == 0))
    if domain_name is not None:
        query = query.where(Domain.name_key == domain_name.lower())
    return list(session.exec(query.order_by(ApiUser.id)).all())


def add_api_user(session: Session, account_id: int, name: str, email_type: int, domain: Domain,
                 open_: int, click: int, unsubscribe: int, now: datetime) -> ApiUser:
    count = session.exec(select(func.count()).select_from(ApiUser).where(ApiUser.account_id == account_id)).one()
    if count >= MAX_API_USERS:
        raise ApiError(41112)
    user = ApiUser(account_id=account_id, name=name, api_key=random_key(), email_type=email_type,
                   domain_id=domain.id, open=open_, click=click, unsubscribe=unsubscribe, created_at=now)
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:  # the name was taken by another account in a racing request
        raise ApiError(41119) from exc
    return user


def api_user_name_taken(session: Session, name: str) -> bool:
    if "\x00" in name:
        return False
    return session.exec(select(ApiUser.id).where(ApiUser.name == name)).first() is not None
