"""A web app in this process (``create_app``) for the API tests: its settings and an account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.settings import Settings
from schemas.tools import all_required_scopes
from store.accounts import AccountStore
from store.db import Database
from store.keyring import generate_key_spec
from store.migrate import upgrade
from tests.support.services import REDIS_BASE

#: The identifier of the active account every web fixture has.
IDENTIFIER = "web_user"


def web_settings(database_url: str, api_key: str, **overrides: object) -> Settings:
    """Settings of a web app in this process: Redis is the test database, HubSpot unreachable."""
    values: dict[str, object] = {
        "database_url": database_url,
        "redis_url": REDIS_BASE,
        "bootstrap_api_key": api_key,
        "hubspot_client_id": "web-client",
        "hubspot_client_secret": "web-secret",
        "hubspot_api_base": "http://127.0.0.1:9",
        "token_encryption_keys": generate_key_spec("web"),
        "log_level": "WARNING",
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


def activate(settings: Settings, identifier: str = IDENTIFIER) -> None:
    """Migrate the database and give ``identifier`` an active account with every scope."""
    db = Database(settings.database_url)
    try:
        upgrade(db)
        store = AccountStore(db=db)
        account = store.get_or_create(connection_name="hubspot", identifier=identifier)
        with db.write() as conn:
            store.activate(
                conn,
                account_id=account.id,
                hub_id=1,
                granted_scopes=("oauth", *all_required_scopes()),
                token_expires_at=datetime.now(UTC) + timedelta(hours=1),
            )
    finally:
        db.dispose()
