"""Process settings: one pydantic-settings class, read from the environment at entry points only.

Every name here is a contract (DESIGN.md section 2). Library code never reads the environment; it is
handed a ``Settings`` (or the pieces it needs) by the entry point that built it. Secrets are
``SecretStr`` so that a ``repr`` or a log line of the settings never shows them.
"""

from __future__ import annotations

import re
import sys
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.errors import ConfigurationError

#: The SQLite file ``run`` and every command use when ``DATABASE_URL`` is unset.
DEFAULT_SQLITE_FILE = "hubspot-actions.db"

#: Where local mode keeps generated state (the token key file, the local API key).
DEFAULT_STATE_DIR = ".hubspot-actions"

#: What ``run`` writes for the other commands of its working directory (DESIGN section 17).
LOCAL_ENV_FILE = Path(DEFAULT_STATE_DIR) / "env"
#: The sandbox's state file under ``run`` when ``SANDBOX_STATE`` is unset (the ``sandbox``
#: command alone keeps its state in memory).
DEFAULT_SANDBOX_STATE_FILE = Path(DEFAULT_STATE_DIR) / "sandbox.db"

_SCOPE_RE = re.compile(r"^[a-z][a-z0-9_.\-]*[a-z0-9]$|^[a-z]$")
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")

ScopeList = Annotated[tuple[str, ...], NoDecode]


def split_scopes(value: object) -> tuple[str, ...]:
    """Parse a scope list given as space- or comma-separated text (or a sequence)."""
    if value is None:
        return ()
    if isinstance(value, str):
        parts = re.split(r"[\s,]+", value.strip())
    elif isinstance(value, list | tuple):
        parts = [str(p).strip() for p in value]
    else:
        raise ValueError("must be a space- or comma-separated list of scopes")
    scopes: list[str] = []
    for part in parts:
        if not part:
            continue
        if not _SCOPE_RE.match(part):
            raise ValueError(f"{part!r} is not a valid HubSpot scope name")
        if part not in scopes:
            scopes.append(part)
    return tuple(scopes)


def _optional_url(value: str | None, schemes: tuple[str, ...], kind: str) -> str | None:
    """An optional URL setting: empty means unset, anything else must use one of ``schemes``
    (``kind`` words them for the error: "must be {kind} URL")."""
    if value in (None, ""):
        return None
    assert value is not None
    if not value.startswith(schemes):
        raise ValueError(f"must be {kind} URL")
    return value


class Settings(BaseSettings):
    """All settings of every process (web, worker, scheduler, sandbox, CLI)."""

    model_config = SettingsConfigDict(
        env_file=None, extra="ignore", case_sensitive=False, validate_default=True
    )

    app_env: Literal["local", "production"] = "local"
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_FILE}"
    redis_url: str | None = None
    port: int = Field(default=8000, ge=1, le=65535)

    hubspot_client_id: str | None = None
    hubspot_client_secret: SecretStr | None = None
    hubspot_redirect_uri: str | None = None
    hubspot_scopes: ScopeList | None = None
    hubspot_optional_scopes: ScopeList = ()
    hubspot_api_base: str = "https://api.hubapi.com"
    hubspot_authorize_url: str = "https://app.hubspot.com/oauth/authorize"
    hubspot_rate_limit_per_10s: int = Field(default=100, ge=0)
    hubspot_search_rate_limit_per_s: int = Field(default=4, ge=0)
    hubspot_connect_timeout_s: float = Field(default=5.0, gt=0)
    hubspot_read_timeout_s: float = Field(default=30.0, gt=0)

    token_encryption_keys: SecretStr | None = None
    token_key_file: Path = Path(DEFAULT_STATE_DIR) / "token-keys"
    token_refresh_margin_seconds: int = Field(default=300, ge=0)
    bootstrap_api_key: SecretStr | None = None
    #: How long a portal's cached properties and pipelines are trusted before they are fetched
    #: again (DESIGN.md section 13); HubSpot's INVALID_OPTION or PROPERTY_DOESNT_EXIST on a job
    #: refetches at once.
    portal_schema_ttl_seconds: int = Field(default=3600, ge=1)

    worker_processes: int = Field(default=2, ge=1, le=64)
    worker_threads: int = Field(default=8, ge=1, le=256)
    job_retention_days: int = Field(default=7, ge=1)
    sweep_interval_seconds: float = Field(default=60.0, gt=0)
    #: How long a running job's lease lasts without renewal; a killed worker's jobs are re-run
    #: after it lapses (the sweep notices).
    job_lease_seconds: float = Field(default=60.0, gt=0)
    #: A hard cap on one attempt (Dramatiq's ``TimeLimit``); the lease is renewed only this long.
    job_attempt_timeout_seconds: float = Field(default=120.0, gt=0)
    #: A job whose lease lapsed this many times (its worker died each time) fails ``worker_lost``
    #: instead of being re-queued forever.
    job_max_lease_lapses: int = Field(default=3, ge=1)
    #: How long a ``bulk`` job of a coalesced tool may wait for others of its account and tool
    #: to join its batch call (DESIGN.md section 12); ``interactive`` jobs never wait.
    bulk_coalesce_ms: int = Field(default=250, ge=0)
    #: Wake idle workers through Redis pub/sub when work arrives (off: Dramatiq's stock idle
    #: polling; only useful to measure the difference).
    worker_wakeups: bool = True
    #: First retry delay of a failed webhook delivery; doubles per attempt (with jitter) up to
    #: ``WEBHOOK_RETRY_MAX_SECONDS``, for ``WEBHOOK_RETRY_WINDOW_SECONDS`` (DESIGN.md s14).
    webhook_retry_base_seconds: float = Field(default=5.0, gt=0)
    webhook_retry_max_seconds: float = Field(default=3600.0, gt=0)
    webhook_retry_window_seconds: float = Field(default=86400.0, gt=0)

    #: Request bodies over this answer 413 ``request_too_large`` before they are read.
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_json: bool | None = None

    sandbox_port: int = Field(default=8090, ge=1, le=65535)
    sandbox_token_ttl: int = Field(default=1800, ge=1)
    sandbox_rotate_refresh_tokens: bool = False
    #: How long the sandbox's search index lags writes (HubSpot's search is eventually consistent).
    sandbox_search_index_delay_ms: int = Field(default=0, ge=0)
    #: ``memory`` or a SQLite file path; unset means the command's default (``run``:
    #: ``DEFAULT_SANDBOX_STATE_FILE``, ``sandbox``: ``memory``).
    sandbox_state: str | None = None

    #: Components ``/readyz`` waits for besides the database and Redis (``run`` sets it to
    #: what it started: ``worker,scheduler,sandbox``).
    ready_requires: Annotated[tuple[str, ...], NoDecode] = ()
    #: Return URLs the OAuth callback may redirect to after a connection (exact prefixes).
    oauth_return_url_allowlist: Annotated[tuple[str, ...], NoDecode] = ()
    #: With it set, a completed consent waits as PENDING_VERIFICATION and the callback sends the
    #: browser here with ``auth_request_id`` and ``identifier`` (DESIGN.md section 9).
    oauth_user_verify_url: str | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("hubspot_scopes", "hubspot_optional_scopes", mode="before")
    @classmethod
    def _parse_scopes(cls, value: object) -> tuple[str, ...] | None:
        if value is None:
            return None
        return split_scopes(value)

    @field_validator("ready_requires", "oauth_return_url_allowlist", mode="before")
    @classmethod
    def _parse_list(cls, value: object) -> tuple[str, ...]:
        if isinstance(value, str):
            return tuple(p for p in re.split(r"[\s,]+", value.strip()) if p)
        if isinstance(value, list | tuple):
            return tuple(str(v) for v in value)
        return ()

    @field_validator("sandbox_state")
    @classmethod
    def _check_sandbox_state(cls, value: str | None) -> str | None:
        text = (value or "").strip()
        if not text:
            return None
        if text.lower() != "memory" and text.endswith(("/", "\\")):
            raise ValueError("must be `memory` or the path of a SQLite file, not a directory")
        return text

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            # The driver the project ships is psycopg 3: make the common spelling work.
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite") or value.startswith("postgresql+psycopg")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        return _optional_url(
            value, ("redis://", "rediss://", "unix://"), "a redis://, rediss:// or unix://"
        )

    @field_validator("oauth_user_verify_url")
    @classmethod
    def _check_verify_url(cls, value: str | None) -> str | None:
        return _optional_url(value, ("http://", "https://"), "an http:// or https://")

    @field_validator("hubspot_api_base", "hubspot_authorize_url")
    @classmethod
    def _check_http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value.count("/") > 2 else value

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.app_env != "production":
            return self
        if self.token_encryption_keys is None:
            raise ValueError(
                "TOKEN_ENCRYPTION_KEYS: required when APP_ENV=production "
                "(comma-separated key_id:base64key, first is primary)"
            )
        if not self.redirect_uri.startswith("https://"):
            raise ValueError(
                "HUBSPOT_REDIRECT_URI: must be an https:// URL when APP_ENV=production"
            )
        if self.hubspot_client_id and self.hubspot_client_secret is None:
            raise ValueError("HUBSPOT_CLIENT_SECRET: required when HUBSPOT_CLIENT_ID is set")
        return self

    @model_validator(mode="after")
    def _check_credentials_pair(self) -> Settings:
        if self.hubspot_client_secret is not None and not self.hubspot_client_id:
            raise ValueError("HUBSPOT_CLIENT_ID: required when HUBSPOT_CLIENT_SECRET is set")
        if self.hubspot_client_id and self.hubspot_client_secret is None:
            raise ValueError("HUBSPOT_CLIENT_SECRET: required when HUBSPOT_CLIENT_ID is set")
        return self

    @property
    def redirect_uri(self) -> str:
        """The OAuth redirect URI; it must match the HubSpot app's settings exactly."""
        return self.hubspot_redirect_uri or f"http://localhost:{self.port}/oauth/callback"

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def has_hubspot_credentials(self) -> bool:
        return bool(self.hubspot_client_id and self.hubspot_client_secret)

    @cached_property
    def wants_json_logs(self) -> bool:
        if self.log_json is not None:
            return self.log_json
        return self.is_production or not sys.stderr.isatty()

    def require_redis_url(self, command: str) -> str:
        """Return ``REDIS_URL`` or explain that ``command`` needs it (only ``run`` embeds Redis)."""
        if not self.redis_url:
            raise ConfigurationError(
                f"REDIS_URL: required by `hubspot-actions {command}` "
                "(only `hubspot-actions run` starts an embedded Redis, and clients in its "
                "directory find it); for example REDIS_URL=redis://127.0.0.1:6379/0"
            )
        return self.redis_url


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, turning validation errors into one clear message.

    The message names each environment variable that is wrong and why, and never echoes a value
    (a malformed secret must not end up in a terminal scroll-back or a log).
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None


def load_local_settings(**overrides: object) -> Settings:
    """Settings for a client of the local ``run`` (DESIGN section 17).

    Environment variables win; what they leave unset comes from ``.hubspot-actions/env``, which
    ``run`` writes in its working directory (its embedded Redis, database and sandbox app). Used by
    ``Actions.from_env()``, the LangChain tools, ``mcp``, ``connections show`` and the job
    commands, never by ``run`` itself (it would find its own previous Redis) nor by ``web``,
    ``worker`` and ``scheduler`` (their settings come from their environment only).
    """
    env_file = LOCAL_ENV_FILE if LOCAL_ENV_FILE.is_file() else None
    try:
        settings = Settings(_env_file=env_file, **overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None
    url = settings.redis_url or ""
    if env_file is not None and url.startswith("unix://") and not Path(url[7:]).exists():
        raise ConfigurationError(
            f"REDIS_URL: {LOCAL_ENV_FILE} names the Redis of a `hubspot-actions run` that is no "
            "longer running; start `hubspot-actions run` in this directory, or set REDIS_URL"
        )
    return settings


def describe_validation_error(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = [str(p) for p in err.get("loc", ())]
        msg = str(err.get("msg", "invalid"))
        msg = msg.removeprefix("Value error, ")
        if loc:
            lines.append(f"{loc[0].upper()}: {msg}")
        else:
            lines.append(msg)
    return "invalid settings:\n  " + "\n  ".join(lines)
