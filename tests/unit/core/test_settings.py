"""Settings: the contract's names and defaults, and clear errors naming the variable."""

from __future__ import annotations

import pytest

from core.errors import ConfigurationError
from core.settings import load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("HUBSPOT_", "TOKEN_", "APP_ENV", "DATABASE_URL", "REDIS_URL", "PORT")):
            monkeypatch.delenv(name, raising=False)


def test_defaults_match_the_contract() -> None:
    """Unset variables give DESIGN.md section 2's defaults."""
    s = load_settings()
    assert s.app_env == "local"
    assert s.database_url == "sqlite:///hubspot-actions.db"
    assert s.redis_url is None
    assert s.port == 8000
    assert s.redirect_uri == "http://localhost:8000/oauth/callback"
    assert s.hubspot_api_base == "https://api.hubapi.com"
    assert s.hubspot_authorize_url == "https://app.hubspot.com/oauth/authorize"
    assert (s.hubspot_rate_limit_per_10s, s.hubspot_search_rate_limit_per_s) == (100, 4)
    assert (s.hubspot_connect_timeout_s, s.hubspot_read_timeout_s) == (5, 30)
    assert s.token_refresh_margin_seconds == 300
    assert (s.worker_processes, s.worker_threads) == (2, 8)
    assert s.job_retention_days == 7
    assert s.sweep_interval_seconds == 60
    assert (s.sandbox_port, s.sandbox_token_ttl, s.sandbox_rotate_refresh_tokens) == (
        8090,
        1800,
        False,
    )


def test_scopes_accept_spaces_or_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    """HUBSPOT_SCOPES may be space- or comma-separated; duplicates collapse."""
    monkeypatch.setenv(
        "HUBSPOT_SCOPES", "oauth crm.objects.contacts.read,crm.objects.contacts.read"
    )
    assert load_settings().hubspot_scopes == ("oauth", "crm.objects.contacts.read")


def test_malformed_scope_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A malformed scope is reported against HUBSPOT_SCOPES."""
    monkeypatch.setenv("HUBSPOT_SCOPES", "oauth Bad Scope!")
    with pytest.raises(ConfigurationError, match="HUBSPOT_SCOPES"):
        load_settings()


def test_malformed_values_name_their_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each malformed setting is named; the bad value itself is not echoed."""
    monkeypatch.setenv("PORT", "not-a-port")
    monkeypatch.setenv("REDIS_URL", "http://wrong")
    with pytest.raises(ConfigurationError) as info:
        load_settings()
    text = str(info.value)
    assert "PORT" in text
    assert "REDIS_URL" in text
    assert "http://wrong" not in text


def test_production_requires_keys_and_https(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production refuses to start without encryption keys or with an http redirect URI."""
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(ConfigurationError, match="TOKEN_ENCRYPTION_KEYS"):
        load_settings()
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEYS", "k1:" + "A" * 43 + "=")
    with pytest.raises(ConfigurationError, match="HUBSPOT_REDIRECT_URI"):
        load_settings()
    monkeypatch.setenv("HUBSPOT_REDIRECT_URI", "https://app.example.com/oauth/callback")
    assert load_settings().is_production


def test_client_id_and_secret_come_together(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client id without its secret is a start-up error naming the secret."""
    monkeypatch.setenv("HUBSPOT_CLIENT_ID", "abc")
    with pytest.raises(ConfigurationError, match="HUBSPOT_CLIENT_SECRET"):
        load_settings()
    monkeypatch.setenv("HUBSPOT_CLIENT_SECRET", "s3cret-value")
    settings = load_settings()
    assert "s3cret-value" not in repr(settings)


def test_commands_other_than_run_require_redis() -> None:
    """Without REDIS_URL, web/worker/scheduler explain that only run embeds Redis."""
    with pytest.raises(ConfigurationError, match=r"REDIS_URL.*only `hubspot-actions run`"):
        load_settings().require_redis_url("worker")


def test_sandbox_state_is_unset_memory_or_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """SANDBOX_STATE: unset (each command's default), blank as unset, a path kept as given."""
    monkeypatch.delenv("SANDBOX_STATE", raising=False)
    assert load_settings().sandbox_state is None
    monkeypatch.setenv("SANDBOX_STATE", "  ")
    assert load_settings().sandbox_state is None
    monkeypatch.setenv("SANDBOX_STATE", "memory")
    assert load_settings().sandbox_state == "memory"
    monkeypatch.setenv("SANDBOX_STATE", " data/sandbox.db ")
    assert load_settings().sandbox_state == "data/sandbox.db"
    monkeypatch.setenv("SANDBOX_STATE", "data/")
    with pytest.raises(ConfigurationError, match="SANDBOX_STATE: must be `memory` or the path"):
        load_settings()
