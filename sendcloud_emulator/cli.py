"""The `sendcloud-emulator` command: serve, seed, demo, reset, accounts create|clock, health.

Every option has an environment twin (shown in `--help`); the database commands work on the
database directly, so they also work while no server runs.
"""

import json
import os
import sys

import typer

from . import __version__, logs

app = typer.Typer(help="A local, offline emulator of the SendCloud email API v2.", no_args_is_help=True,
                  add_completion=False)
accounts_app = typer.Typer(help="Manage accounts in the database.", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")

PROGRESS_FROM = 1000  # demo runs of this many mails or more show a progress bar
DATABASE = typer.Option(None, "--database", envvar="SC_EMULATOR_DATABASE_URL", show_default=False,
                        help="Database URL (default: sqlite:///./data/emulator.db).")


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")) -> None:
    """A local, offline emulator of the SendCloud email API v2."""


def _settings(database: str | None, **values):
    from .settings import Settings

    if database:
        values["database_url"] = database
    return Settings(**{k: v for k, v in values.items() if v is not None})


def _store(database: str | None):
    from . import domain  # noqa: F401 (importing it registers every table)
    from .store.db import Store

    store = Store(_settings(database).database_url)
    store.create_schema()
    return store


def _valid_settings(settings_class):
    """The settings, or one line per refused value (e.g. an unknown SC_EMULATOR_TIMEZONE) and exit 2."""
    from pydantic import ValidationError

    try:
        return settings_class()
    except ValidationError as error:
        for item in error.errors():
            name = "SC_EMULATOR_" + "_".join(str(x) for x in item["loc"]).upper()
            typer.echo(f"sendcloud-emulator: {name}: {item['msg']}", err=True)
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: str = typer.Option(None, envvar="SC_EMULATOR_HOST", show_default=False,
                             help="Address to bind (default: 127.0.0.1)."),
    port: int = typer.Option(None, envvar="SC_EMULATOR_PORT", show_default=False, help="Port (default: 8000; 0: a free port, named in the start-up lines)."),
    database: str = DATABASE,
    fixtures: str = typer.Option(None, envvar="SC_EMULATOR_FIXTURES", show_default=False,
                                 help="Fixtures file loaded at start-up and on reset "
                                      "(default: the bundled default account)."),
    reload: bool = typer.Option(False, envvar="SC_EMULATOR_RELOAD",
                                help="Restart when the code changes (development)."),
    log_level: str = typer.Option(None, envvar="SC_EMULATOR_LOG_LEVEL", show_default=False,
                                  help="Server log level: critical, error, warning, info, debug (default: info)."),
    log_format: str = typer.Option(None, "--log-format", envvar="SC_EMULATOR_LOG_FORMAT", show_default=False,
                                   help="Log lines as text or json (default: text)."),
    workers: int = typer.Option(1, "--workers", envvar="SC_EMULATOR_WORKERS", min=1,
                                help="Server processes sharing the port (PostgreSQL only: SQLite takes one)."),
    smtp_port: int = typer.Option(None, "--smtp-port", envvar="SC_EMULATOR_SMTP_PORT", show_default=False, min=0,
                                  max=65535, help="SMTP port, STARTTLS offered; 0 turns SMTP off (default: 2525)."),
    smtps_port: int = typer.Option(None, "--smtps-port", envvar="SC_EMULATOR_SMTPS_PORT", show_default=False,
                                   min=0, max=65535, help="SMTP port with implicit TLS, like 465; 0 is off "
                                                          "(default: 0)."),
    smtp_tls_cert: str = typer.Option(None, "--smtp-tls-cert", envvar="SC_EMULATOR_SMTP_TLS_CERT",
                                      show_default=False, help="PEM certificate for STARTTLS and the implicit-TLS "
                                                               "port (default: a self-signed one made at start-up)."),
    smtp_tls_key: str = typer.Option(None, "--smtp-tls-key", envvar="SC_EMULATOR_SMTP_TLS_KEY", show_default=False,
                                     help="PEM private key of --smtp-tls-cert (default: in the certificate file)."),
) -> None:
    """Serve the SendCloud API (/apiv2), the control API (/_emulator) over HTTP, and SMTP."""
    from sqlalchemy.engine import make_url

    from .settings import Settings

    # Options become env twins so that the app factory (also under --reload) sees the same values.
    for name, value in (("HOST", host), ("PORT", port), ("DATABASE_URL", database),
                        ("FIXTURES", fixtures), ("LOG_LEVEL", log_level), ("LOG_FORMAT", log_format),
                        ("SMTP_PORT", smtp_port),
                        ("SMTPS_PORT", smtps_port), ("SMTP_TLS_CERT", smtp_tls_cert), ("SMTP_TLS_KEY", smtp_tls_key),
                        ("WORKERS", workers if workers > 1 else None)):
        if value is not None:
            os.environ[f"SC_EMULATOR_{name}"] = str(value)
    settings = _valid_settings(Settings)
    if workers > 1 and make_url(settings.database_url).get_backend_name() != "postgresql":
        # SQLite serialises every write of the file: more processes only add lock waits
        typer.echo("--workers > 1 needs PostgreSQL (SC_EMULATOR_DATABASE_URL=postgresql+psycopg://...): "
                   "a SQLite database is served by one process", err=True)
        raise typer.Exit(2)
    if workers > 1 and reload:
        typer.echo("--workers and --reload cannot be combined", err=True)
        raise typer.Exit(2)
    from . import preflight

    try:  # one line naming the problem and its fix, before anything is loaded (port first)
        preflight.run(settings)
    except preflight.Refused as refused:
        typer.echo(f"sendcloud-emulator: {refused}", err=True)
        raise typer.Exit(2) from None

    listening = None
    if settings.port == 0:
        # Port 0 asks the system for a free port, known only once bound: bind it here, so that the
        # app (its start-up lines, its own address) is told the port it really serves.
        listening = bind(settings.host, 0)
        os.environ["SC_EMULATOR_PORT"] = str(listening.getsockname()[1])
        settings = _valid_settings(Settings)
    run_server(settings, workers=workers, reload=reload, fd=None if listening is None else listening.fileno())


def bind(host: str, port: int):
    """A TCP socket bound as uvicorn binds host:port (SO_REUSEADDR; IPv6 for an address with `:`)."""
    import socket

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)  # --reload and --workers hand it to their server processes
    return sock


def run_server(settings, workers: int = 1, reload: bool = False, fd: int | None = None) -> None:
    """uvicorn serving the app as `serve` does; `fd` serves an already bound socket instead of
    binding host:port (the tests bind a port once and hand the socket to a server process)."""
    import uvicorn

    from .app import SHUTDOWN_GRACE
    from .slow_clients import HeaderTimeoutProtocol

    # ws="none": no route speaks WebSocket (the UI's live view is server-sent events), and the
    # websockets library would cost every server ~0.7 MB.
    uvicorn.run("sendcloud_emulator.app:create_app", factory=True, host=settings.host, port=settings.port, fd=fd,
                reload=reload, log_level=settings.log_level.lower(), workers=workers, http=HeaderTimeoutProtocol,
                ws="none", log_config=logs.config(settings.log_level, settings.log_format),
                timeout_graceful_shutdown=SHUTDOWN_GRACE)


@app.command()
def seed(
    path: str = typer.Argument(..., envvar="SC_EMULATOR_SEED_FILE", show_default=False,
                               help="Fixtures file (docs/fixtures.md)."),
    database: str = DATABASE,
) -> None:
    """Load a fixtures file into the database (accounts whose userName exists are left as they are)."""
    from . import fixtures

    loaded = fixtures.load(_store(database), fixtures.read(path))
    for account in loaded:
        typer.echo(f"{account['userName']}: apiUser={account['apiUser']} apiKey={account['apiKey']}")


@app.command()
def demo(
    seed_: int = typer.Option(42, "--seed", envvar="SC_EMULATOR_DEMO_SEED",
                              help="Random seed: the same seed gives the same data."),
    mails: int = typer.Option(500, "--mails", envvar="SC_EMULATOR_DEMO_MAILS", min=0,
                              help="How many mails (recipients) to create, spread over the last 30 days."),
    accounts: int = typer.Option(2, "--accounts", envvar="SC_EMULATOR_DEMO_ACCOUNTS", min=1, max=50,
                                 help="How many accounts to create."),
    locale: str = typer.Option("zh_CN", "--locale", envvar="SC_EMULATOR_DEMO_LOCALE",
                               help="Locale: zh_* gives Chinese mails, any other English; names, cities and "
                                    "companies come from Faker in it (e.g. zh_CN, en_US)."),
    now: str = typer.Option(None, "--now", envvar="SC_EMULATOR_DEMO_NOW", show_default=False,
                            help="Reference time, ISO 8601 (e.g. 2026-11-26T12:00:00+08:00) "
                                 "(default: the current time)."),
    database: str = DATABASE,
) -> None:
    """Generate demo data (accounts, domains, API_USERs, labels, templates, address lists, mails, events)."""
    from datetime import datetime

    from . import demo as demo_data

    reference = datetime.fromisoformat(now) if now else None
    if reference is not None and reference.tzinfo is None:
        raise typer.BadParameter("--now needs an offset, e.g. 2026-11-26T12:00:00+08:00")
    store = _store(database)
    if mails >= PROGRESS_FROM:  # a long run: show how far it is (on a terminal; one line otherwise)
        with typer.progressbar(length=mails, label="mails", file=sys.stderr) as bar:
            summary = demo_data.generate(store, seed=seed_, mails=mails, accounts=accounts, locale=locale,
                                         now=reference, progress=bar.update)
    else:
        summary = demo_data.generate(store, seed=seed_, mails=mails, accounts=accounts, locale=locale, now=reference)
    for line in demo_data.credentials(summary["accounts"]):
        typer.echo(line)
    typer.echo(f"{summary['mails']} mails, {summary['events']} events")


@app.command()
def reset(
    account: str = typer.Option(None, "--account", envvar="SC_EMULATOR_RESET_ACCOUNT", show_default=False,
                                help="Only wipe this account's traffic (userName); its configuration stays."),
    fixtures_file: str = typer.Option(None, "--fixtures", envvar="SC_EMULATOR_FIXTURES", show_default=False,
                                      help="Fixtures file reloaded after a full reset "
                                           "(default: the bundled default account)."),
    database: str = DATABASE,
) -> None:
    """Wipe the database and reload the fixtures, or wipe one account's traffic (like POST /_emulator/reset).

    Fault rules and rate-limit counters live in a running server's memory: reset those through its control API.
    """
    from . import fixtures
    from .domain import accounts as account_rules
    from .store.db import TRAFFIC_TABLES

    store = _store(database)
    if account is None:
        store.wipe()
        fixtures.load(store, fixtures.read(fixtures_file))
        typer.echo("reset: all data wiped, fixtures reloaded")
        return
    with store.session(write=True) as session:
        found = account_rules.find_account(session, user_name=account)
        if found is None:
            typer.echo(f"no such account: {account}", err=True)
            raise typer.Exit(1)
        account_rules.delete_account_rows(session, found.id, only=TRAFFIC_TABLES)
    typer.echo(f"reset: traffic of {account} wiped")


def _account_option(flag: str, help: str, **limits):
    """An option of `accounts create`: unset by default (the account rules choose), its environment
    twin SC_EMULATOR_ACCOUNT_<FLAG>."""
    return typer.Option(None, flag, envvar="SC_EMULATOR_ACCOUNT_" + flag[2:].upper().replace("-", "_"),
                        show_default=False, help=help, **limits)


@accounts_app.command("create")
def accounts_create(
    user_name: str = _account_option("--user-name", "userName (default: generated)."),
    api_user: str = _account_option("--api-user", "Trigger API_USER name (default: <userName>_trigger)."),
    api_key: str = _account_option("--api-key", "Its apiKey, 1-64 printable ASCII, no spaces "
                                   "(default: 16 random letters and digits)."),
    batch_api_user: str = _account_option("--batch-api-user", "Batch API_USER name (default: <userName>_batch)."),
    batch_api_key: str = _account_option("--batch-api-key", "Its apiKey (default: random)."),
    app_key: str = _account_option("--app-key", "Key that signs webhooks (default: random)."),
    domain: str = _account_option("--domain", "Name of the test domain (default: <random>.sendcloud.org)."),
    quota: int = _account_option("--quota", "Recipients per day (default: 10000).", min=0),
    template_review: str = _account_option("--template-review", "auto or manual (default: auto)."),
    rate_limit: int = _account_option("--rate-limit", "Requests per rolling minute (default: no limit).", min=1),
    as_json: bool = typer.Option(False, "--json", envvar="SC_EMULATOR_ACCOUNT_JSON",
                                 help="Print the account as JSON."),
    database: str = DATABASE,
) -> None:
    """Create an account (test domain, trigger and batch API_USERs) and print its credentials."""
    from .domain import accounts as account_rules

    spec = {"userName": user_name, "apiUser": api_user, "apiKey": api_key, "batchApiUser": batch_api_user,
            "batchApiKey": batch_api_key, "appKey": app_key, "domain": domain, "quota": quota,
            "templateReview": template_review, "rateLimitPerMinute": rate_limit}
    if template_review not in (None, "auto", "manual"):
        raise typer.BadParameter("auto or manual", param_hint="--template-review")
    store = _store(database)
    try:
        with store.session(write=True) as session:
            view = account_rules.create_account(store, session, {k: v for k, v in spec.items() if v is not None})
    except (account_rules.AccountClash, account_rules.AccountInvalid) as clash:
        typer.echo(str(clash), err=True)
        raise typer.Exit(1) from clash
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False))
        return
    for key in ("userName", "apiUser", "apiKey", "batchApiUser", "batchApiKey", "appKey", "domain"):
        typer.echo(f"{key}: {view[key]}")


@accounts_app.command("clock")
def accounts_clock(
    user_name: str = typer.Argument(..., envvar="SC_EMULATOR_CLOCK_ACCOUNT", show_default=False,
                                    help="The account's userName."),
    advance: float = typer.Option(None, "--advance", envvar="SC_EMULATOR_CLOCK_ADVANCE", show_default=False,
                                  help="Seconds to move the account's clock forward (e.g. 3600)."),
    to: str = typer.Option(None, "--to", envvar="SC_EMULATOR_CLOCK_TO", show_default=False,
                           help="Jump forward to this ISO 8601 time (no offset: SC_EMULATOR_TIMEZONE)."),
    freeze: bool = typer.Option(None, "--freeze/--unfreeze", envvar="SC_EMULATOR_CLOCK_FREEZE", show_default=False,
                                help="Stop the clock at its reading, or let it run again (default: unchanged)."),
    real_time: bool = typer.Option(False, "--real-time", envvar="SC_EMULATOR_CLOCK_REAL_TIME",
                                   help="Back to real time, unfrozen."),
    database: str = DATABASE,
) -> None:
    """Show or move an account's clock (time travel: quota day, sendRequestId hour, webhook retries, statistics).

    Without options it prints the clock. The clock never runs backwards; --real-time resets it.
    """
    from .domain import accounts as account_rules
    from .domain import clock

    settings = _settings(database)
    store = _store(database)
    target = None
    if to is not None:
        try:
            target = clock.parse_iso(to, settings.tz)
        except ValueError as exc:
            raise typer.BadParameter("an ISO 8601 time, e.g. 2026-11-27T00:00:00+08:00", param_hint="--to") from exc
    with store.session(write=True) as session:
        found = account_rules.find_account(session, user_name=user_name)
        if found is None:
            typer.echo(f"no such account: {user_name}", err=True)
            raise typer.Exit(1)
        store.lock_account(session, found.id)
        try:
            if real_time:
                clock.back_to_real_time(session, found.id)
            if advance is not None or target is not None or freeze is not None:
                clock.change(session, found.id, advance_seconds=advance, to=target, frozen=freeze)
        except clock.ClockError as refused:
            typer.echo(str(refused), err=True)
            raise typer.Exit(1) from refused
        view = clock.view(session, found.id, settings.tz)
    typer.echo(json.dumps(view, ensure_ascii=False))


@app.command()
def health(
    url: str = typer.Option(None, "--url", envvar="SC_EMULATOR_HEALTH_URL", show_default=False,
                            help="Health URL (default: http://127.0.0.1:<SC_EMULATOR_PORT>/_emulator/health)."),
    timeout: float = typer.Option(3.0, "--timeout", envvar="SC_EMULATOR_HEALTH_TIMEOUT", help="Seconds to wait."),
) -> None:
    """Exit 0 when a running emulator answers its health check, else 1 (Docker HEALTHCHECK)."""
    import urllib.request

    if url is None:
        url = f"http://127.0.0.1:{os.environ.get('SC_EMULATOR_PORT') or 8000}/_emulator/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            body = json.loads(response.read())
            ok = response.status == 200 and body.get("status") == "ok"
    except Exception as exc:  # refused, timeout, bad JSON
        typer.echo(f"unhealthy: {exc}", err=True)
        raise typer.Exit(1) from exc
    if not ok:
        raise typer.Exit(1)
    typer.echo("ok")


if __name__ == "__main__":
    sys.exit(app())
