"""All settings in one place; every field has an environment twin named SC_EMULATOR_<FIELD>."""

from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SC_EMULATOR_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = "sqlite:///./data/emulator.db"
    lang: Literal["zh", "en"] = "zh"
    timezone: str = "Asia/Shanghai"
    admin_token: str | None = None
    fixtures: str | None = None  # path of a fixtures file; None = the bundled default account
    max_body_bytes: int = 12582912
    webhook_probe: bool = True
    webhook_retry_scale: float = 1.0
    list_chunk: int = 1000  # at most this many address-list members' mails per write transaction of the task worker
    log_level: str = "info"
    header_timeout: float = 10.0  # seconds a connection may take to send a request's headers (serve)
    smtp_port: int = 2525  # plain SMTP with STARTTLS (smtp.md §1); 0 = off
    smtps_port: int = 0  # implicit TLS; 0 = off
    smtp_tls_cert: str | None = None  # PEM files; unset = a self-signed certificate made at start-up
    smtp_tls_key: str | None = None
    smtp_idle_seconds: float = 300  # an idle SMTP session is closed with 421 after this long
    workers: int = 1  # serve --workers: each worker process listens on the SMTP ports too (SO_REUSEPORT)
    log_format: Literal["text", "json"] = "text"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Asia/Shanghai)") from None
        return value

    @field_validator("admin_token")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
