"""The access commands as an operator runs them: real ``hubspot-actions`` processes, no Redis."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schemas.connection import SCOPE_MATCH_RULE, default_scopes
from store.accounts import AccountStore
from store.api_keys import ApiKeyStore
from store.db import Database
from store.keyring import Keyring, generate_key_spec
from store.migrate import upgrade
from store.vault import TokenVault

_DROP = ("HUBSPOT_", "TOKEN_", "APP_ENV", "DATABASE_URL", "REDIS_URL", "BOOTSTRAP_", "OAUTH_")
SECRET = "zq81-secret-0123456789abcdef"


def _cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(_DROP)}
    base.update(DATABASE_URL=f"sqlite:///{cwd / 'cli.db'}", LOG_JSON="true", **env)
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=cwd,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_connections_show_prints_what_to_paste_into_the_app(tmp_path: Path) -> None:
    """The exact scope string, the redirect URI, a masked secret and the exact-match rule."""
    shown = _cli(
        "connections",
        "show",
        cwd=tmp_path,
        HUBSPOT_CLIENT_ID="my-client-id",
        HUBSPOT_CLIENT_SECRET=SECRET,
        HUBSPOT_REDIRECT_URI="https://crm.example.test/oauth/callback",
        HUBSPOT_OPTIONAL_SCOPES="crm.schemas.deals.read",
    )
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert f"  {' '.join(default_scopes())}" in lines
    assert "  crm.schemas.deals.read" in lines
    assert "my-client-id" in shown.stdout
    assert "https://crm.example.test/oauth/callback" in shown.stdout
    assert SECRET not in shown.stdout + shown.stderr
    assert SECRET[:6] not in shown.stdout
    assert "client secret:    set" in shown.stdout
    assert SCOPE_MATCH_RULE in _flat(shown.stdout)
    assert "needs_reauth" in shown.stdout


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"HUBSPOT_SCOPES": "oauth crm.objects.contacts.read Bad!Scope"}, "HUBSPOT_SCOPES"),
        ({"HUBSPOT_CLIENT_ID": "only-the-id"}, "HUBSPOT_CLIENT_SECRET"),
        (
            {
                "APP_ENV": "production",
                "TOKEN_ENCRYPTION_KEYS": generate_key_spec("p1"),
                "HUBSPOT_REDIRECT_URI": "http://crm.example.test/oauth/callback",
            },
            "HUBSPOT_REDIRECT_URI",
        ),
        ({"APP_ENV": "production"}, "TOKEN_ENCRYPTION_KEYS"),
    ],
    ids=["malformed-scope", "missing-secret", "http-redirect-in-production", "no-production-keys"],
)
def test_start_up_refuses_bad_settings_naming_them(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    """``web`` stops at once with exit code 2 and one line naming the setting, no traceback."""
    result = _cli("web", cwd=tmp_path, **env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "cli.db").exists()


def test_api_keys_create_list_revoke(tmp_path: Path) -> None:
    """Shown once, stored hashed, listed (with its last use) without the secret, refused once
    revoked."""
    created = _cli("api-keys", "create", "--name", "ci-bot", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    plaintext = created.stdout.split()[0]
    key_id = re.search(r"\(id (key_\w+);", created.stdout)
    assert plaintext.startswith("hak_")
    assert key_id is not None
    db = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        keys = ApiKeyStore(db=db)
        assert keys.verify(plaintext) is not None
        listed = _cli("api-keys", "list", cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert key_id.group(1) in listed.stdout
        assert "ci-bot" in listed.stdout
        assert "active" in listed.stdout
        assert "never" not in listed.stdout  # verified above: its last use is noted
        assert plaintext not in listed.stdout
        assert plaintext.encode() not in (tmp_path / "cli.db").read_bytes()
        revoked = _cli("api-keys", "revoke", key_id.group(1), cwd=tmp_path)
        assert revoked.returncode == 0, revoked.stderr
        assert keys.verify(plaintext) is None
        assert "revoked" in _cli("api-keys", "list", cwd=tmp_path).stdout
        again = _cli("api-keys", "revoke", key_id.group(1), cwd=tmp_path)
        assert again.returncode == 1
    finally:
        db.dispose()


def test_local_mode_generates_a_key_file_once_and_warns(tmp_path: Path) -> None:
    """Without TOKEN_ENCRYPTION_KEYS, local mode writes a private key file and says so once."""
    first = _cli("keys", "rotate", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "keyring.generated_local_key_file" in first.stderr
    key_file = tmp_path / ".hubspot-actions" / "token-keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    Keyring.parse(key_file.read_text().strip())
    second = _cli("keys", "rotate", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "keyring.generated_local_key_file" not in second.stderr
    generated = _cli("keys", "generate", "--id", "k2026", cwd=tmp_path)
    assert generated.stdout.startswith("k2026:")
    assert Keyring.parse(generated.stdout.strip()).primary_id == "k2026"


def test_rotate_reports_tokens_no_key_can_read(tmp_path: Path) -> None:
    """Tokens under a key missing from TOKEN_ENCRYPTION_KEYS: named, exit code 1, kept."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database(url)
    try:
        upgrade(db)
        account_id = (
            AccountStore(db=db).get_or_create(connection_name="hubspot", identifier="lost").id
        )
        with db.write() as conn:
            TokenVault(db=db, keyring=Keyring.parse(generate_key_spec("gone"))).put(
                conn,
                account_id=account_id,
                access="a",
                refresh="r",
                expires_at=datetime.now(UTC) + timedelta(minutes=30),
            )
    finally:
        db.dispose()
    result = _cli("keys", "rotate", cwd=tmp_path, TOKEN_ENCRYPTION_KEYS=generate_key_spec("new"))
    assert result.returncode == 1
    assert account_id in result.stderr
    assert "credentials_unreadable" in result.stderr
