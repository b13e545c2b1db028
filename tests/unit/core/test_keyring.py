"""The keyring: AES-GCM with associated data, key parsing, the local key file."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from store.errors import CredentialsUnreadable, KeyringError
from store.keyring import Keyring, generate_key_spec, load_keyring


def test_round_trip_and_binding() -> None:
    """Ciphertexts decrypt only for the account and field they were made for."""
    ring = Keyring.parse(generate_key_spec("k1"))
    key_id, blob = ring.encrypt("tok", account_id="acc_a", field="access_token")
    assert ring.decrypt(blob, key_id=key_id, account_id="acc_a", field="access_token") == "tok"
    with pytest.raises(CredentialsUnreadable):
        ring.decrypt(blob, key_id=key_id, account_id="acc_b", field="access_token")
    with pytest.raises(CredentialsUnreadable):
        ring.decrypt(blob, key_id=key_id, account_id="acc_a", field="refresh_token")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(CredentialsUnreadable):
        ring.decrypt(tampered, key_id=key_id, account_id="acc_a", field="access_token")


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("", "no key"),
        ("nokey", "key_id:base64key"),
        ("k1:not-base64!!", "base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "32 bytes"),
        (f"{generate_key_spec('a')},{generate_key_spec('a')}", "twice"),
    ],
)
def test_malformed_keys_are_named(spec: str, needle: str) -> None:
    """Each malformed keyring says what is wrong and names TOKEN_ENCRYPTION_KEYS."""
    with pytest.raises(KeyringError, match="TOKEN_ENCRYPTION_KEYS") as info:
        Keyring.parse(spec)
    assert needle in str(info.value)


def test_local_key_file_is_generated_once_private(tmp_path: Path) -> None:
    """Local mode creates a 0600 key file and reuses it."""
    path = tmp_path / "state" / "keys"
    first = load_keyring(configured=None, key_file=path, production=False)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    second = load_keyring(configured=None, key_file=path, production=False)
    key_id, blob = first.encrypt("x", account_id="a", field="f")
    assert second.decrypt(blob, key_id=key_id, account_id="a", field="f") == "x"


def test_production_refuses_to_generate(tmp_path: Path) -> None:
    """Production never falls back to a generated key file."""
    with pytest.raises(KeyringError, match="required"):
        load_keyring(configured=None, key_file=tmp_path / "k", production=True)
