"""The token encryption keyring: AES-256-GCM keys by id, the first one primary.

``TOKEN_ENCRYPTION_KEYS`` is ``key_id:base64key[,key_id:base64key...]``. New ciphertexts use the
primary key; older ones name their key id, so a key can be rotated in by putting it first and
retired once ``hubspot-actions keys rotate`` has re-encrypted everything under it.

Associated data binds every ciphertext to its account and field: a ciphertext copied into another
row (or from the refresh-token column into the access-token one) fails authentication instead of
handing one user's token to another user's job.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.logging import get_logger
from core.settings import Settings
from store.errors import CredentialsUnreadable, KeyringError

log = get_logger(__name__)

_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
_NONCE_BYTES = 12
#: Bumped if the ciphertext layout or the associated-data format ever changes.
_FORMAT = b"\x01"


@dataclass(frozen=True)
class Keyring:
    """Key ids to AES-GCM ciphers; ``primary_id`` encrypts."""

    keys: dict[str, AESGCM]
    primary_id: str

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        keys: dict[str, AESGCM] = {}
        order: list[str] = []
        for n, item in enumerate(p.strip() for p in spec.split(",")):
            if not item:
                continue
            key_id, sep, encoded = item.partition(":")
            if not sep or not _KEY_ID_RE.match(key_id):
                raise KeyringError(
                    f"TOKEN_ENCRYPTION_KEYS: entry {n + 1} must be key_id:base64key "
                    "(key_id: letters, digits, '-' or '_', at most 32)"
                )
            try:
                raw = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise KeyringError(
                    f"TOKEN_ENCRYPTION_KEYS: key {key_id!r} is not valid base64"
                ) from None
            if len(raw) != 32:
                raise KeyringError(
                    f"TOKEN_ENCRYPTION_KEYS: key {key_id!r} must decode to 32 bytes (AES-256), "
                    f"got {len(raw)}"
                )
            if key_id in keys:
                raise KeyringError(f"TOKEN_ENCRYPTION_KEYS: key id {key_id!r} appears twice")
            keys[key_id] = AESGCM(raw)
            order.append(key_id)
        if not order:
            raise KeyringError("TOKEN_ENCRYPTION_KEYS: no key given")
        return cls(keys=keys, primary_id=order[0])

    def encrypt(self, plaintext: str, *, account_id: str, field: str) -> tuple[str, bytes]:
        """Return ``(key_id, nonce || ciphertext)`` under the primary key."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self.keys[self.primary_id].encrypt(
            nonce, plaintext.encode(), _aad(account_id, field)
        )
        return self.primary_id, _FORMAT + nonce + sealed

    def decrypt(self, blob: bytes, *, key_id: str, account_id: str, field: str) -> str:
        """Decrypt, or raise ``CredentialsUnreadable`` (unknown key, tampered or moved blob)."""
        cipher = self.keys.get(key_id)
        if cipher is None:
            raise CredentialsUnreadable(
                f"the {field} of account {account_id} is encrypted under key {key_id!r}, "
                "which is not in TOKEN_ENCRYPTION_KEYS"
            )
        if not blob.startswith(_FORMAT) or len(blob) < 1 + _NONCE_BYTES + 16:
            raise CredentialsUnreadable(f"the {field} of account {account_id} is malformed")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        try:
            return cipher.decrypt(nonce, sealed, _aad(account_id, field)).decode()
        except InvalidTag:
            raise CredentialsUnreadable(
                f"the {field} of account {account_id} does not decrypt "
                "(wrong key, or a ciphertext that belongs to another row)"
            ) from None


def _aad(account_id: str, field: str) -> bytes:
    return f"hubspot-actions/token/v1|{account_id}|{field}".encode()


def generate_key_spec(key_id: str = "local1") -> str:
    """A fresh ``key_id:base64key`` entry."""
    return f"{key_id}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


def load_keyring(*, configured: str | None, key_file: Path, production: bool) -> Keyring:
    """The keyring from settings, or (local mode only) from a generated key file.

    Production refuses to guess: it requires ``TOKEN_ENCRYPTION_KEYS``. Local mode creates the key
    file once (mode 0600) and warns, because losing it makes every stored token unreadable.
    """
    if configured:
        return Keyring.parse(configured)
    if production:
        raise KeyringError("TOKEN_ENCRYPTION_KEYS: required when APP_ENV=production")
    if not key_file.exists() and _create_key_file(key_file):
        log.warning(
            "keyring.generated_local_key_file",
            path=str(key_file),
            hint="set TOKEN_ENCRYPTION_KEYS in production; back this file up",
        )
    try:
        return Keyring.parse(key_file.read_text().strip())
    except KeyringError as exc:
        raise KeyringError(
            f"the local key file {key_file} is malformed ({exc.message}); restore it from a "
            "backup (tokens encrypted under a lost key cannot be read) or set "
            "TOKEN_ENCRYPTION_KEYS"
        ) from None


def _create_key_file(key_file: Path) -> bool:
    """Write a fresh key file atomically; False when another process created it first.

    ``web`` and ``worker`` started side by side in local mode may both find no file: the key is
    written to a private temporary file and hard-linked into place (atomic, and refused if the
    name exists), so every process ends up with the same key and nobody reads a half-written one.
    """
    key_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = key_file.with_name(f".{key_file.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_key_spec() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, key_file)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    return True


def keyring_from_settings(settings: Settings) -> Keyring:
    """The keyring every process uses: ``TOKEN_ENCRYPTION_KEYS``, else the local key file."""
    configured = settings.token_encryption_keys
    return load_keyring(
        configured=configured.get_secret_value() if configured else None,
        key_file=settings.token_key_file,
        production=settings.is_production,
    )
