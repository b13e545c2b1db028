"""One-time set-up shared by ``run`` and the individual commands.

``prepare_database`` applies migrations; ``ensure_bootstrap_key`` makes ``BOOTSTRAP_API_KEY`` (or,
under ``run`` in local mode, a key generated once into the state directory) a valid API key.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from core.settings import DEFAULT_STATE_DIR, Settings
from store.api_keys import ApiKeyStore, generate_key
from store.db import Database
from store.keyring import keyring_from_settings
from store.migrate import upgrade

#: Where ``run`` keeps the local API key it prints (local mode only).
LOCAL_API_KEY_FILE = Path(DEFAULT_STATE_DIR) / "api-key"


def prepare_database(settings: Settings) -> Database:
    db = Database(settings.database_url, pool_size=2)
    upgrade(db)
    return db


def prepare_keyring(settings: Settings) -> None:
    """Fail early on bad keys; in local mode, create the key file once."""
    keyring_from_settings(settings)


def ensure_bootstrap_key(settings: Settings, db: Database, *, local_fallback: bool) -> str | None:
    """The API key ``run`` prints: ``BOOTSTRAP_API_KEY``, else a local one kept in a file."""
    keys = ApiKeyStore(db=db)
    if settings.bootstrap_api_key is not None:
        plaintext = settings.bootstrap_api_key.get_secret_value()
        keys.ensure(name="bootstrap", plaintext=plaintext)
        return plaintext
    if not local_fallback or settings.is_production:
        return None
    if LOCAL_API_KEY_FILE.exists():
        plaintext = LOCAL_API_KEY_FILE.read_text().strip()
    else:
        plaintext = generate_key()
        LOCAL_API_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(
            LOCAL_API_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR
        )
        with os.fdopen(fd, "w") as handle:
            handle.write(plaintext + "\n")
    keys.ensure(name="local", plaintext=plaintext)
    return plaintext
