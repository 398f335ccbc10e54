"""Server logging: text or JSON lines (`serve --log-format`, SC_EMULATOR_LOG_FORMAT), and polling quiet.

`config()` is the dictConfig uvicorn applies in every server process (also under --reload and
--workers). Health checks and the web UI's live polling are logged at DEBUG, not INFO: they
repeat every few seconds and would bury the requests a user is looking for.
"""

import json
import logging
from datetime import UTC, datetime

# Paths asked for over and over by machines rather than by the user: Docker's HEALTHCHECK, compose
# --wait, the web UI's live streams (the list's, and each open mail's `/ui/mails/{id}/stream`).
QUIET_PATHS = ("/_emulator/health", "/ui/mails/stream", "/ui/events")


class QuietPolling(logging.Filter):
    """Drops uvicorn access lines of QUIET_PATHS unless the access logger is at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        path = str(args[2]) if len(args) >= 3 else ""
        path = path.split("?", 1)[0]
        if path.startswith(QUIET_PATHS) or (path.startswith("/ui/mails/") and path.endswith("/stream")):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, plus the request for access lines."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            entry.update(client=client, method=method, path=path, status=status)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def config(level: str = "info", fmt: str = "text") -> dict:
    level = level.upper()
    if fmt == "json":
        formatters = {"default": {"()": JsonLines}, "access": {"()": JsonLines}}
    else:
        formatters = {
            "default": {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(levelprefix)s %(message)s"},
            "access": {"()": "uvicorn.logging.AccessFormatter",
                       "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s'},
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"quiet": {"()": QuietPolling}},
        "formatters": formatters,
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout",
                       "filters": ["quiet"]},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
            "sendcloud_emulator": {"handlers": ["default"], "level": level, "propagate": False},
        },
    }


def shown_host(host: str) -> str:
    """The address a user can open for a server bound to `host` (a wildcard address: loopback)."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def startup_lines(version: str, database_url: str, host: str, port: int, endpoints: list) -> list[str]:
    """What a user needs to start: version, database, where the API, the docs, the UI (and SMTP) are."""
    from sqlalchemy.engine import make_url

    base = f"http://{shown_host(host)}:{port}"
    database = make_url(database_url).render_as_string(hide_password=True)
    lines = [f"sendcloud-emulator {version}", f"database: {database}",
             f"HTTP API: {base}/apiv2 (docs {base}/docs)"]
    lines += [f"{name}: {where}" for name, where in endpoints]
    lines.append(f"web UI: {base}/")
    return lines
