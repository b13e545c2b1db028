"""The console's session: a signed cookie naming the API key that signed in, and a CSRF token.

The cookie is signed (``itsdangerous``, HMAC-SHA256) with a secret derived from the token
encryption keyring, so every web process of a deployment accepts every other's cookies without a
shared session store, and rotating the keyring signs everybody out. It holds the key's *id*,
never the key: a stolen cookie expires (``SESSION_MAX_AGE_S``) and dies with the key's
revocation (the key is looked up on every page). It is ``HttpOnly`` (no script reads it),
``SameSite=Strict`` (no other site's page sends it) and ``Secure`` in production.

Every POST form carries the session's CSRF token as a hidden field, compared in constant time:
SameSite already keeps cross-site posts cookie-less, the token covers older browsers and
same-site subdomains.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from core.settings import Settings
from store.keyring import keyring_from_settings

#: The cookie's name and path (sent to the console's pages only).
COOKIE_NAME = "ha_console"
COOKIE_PATH = "/console"
#: How long a sign-in lasts.
SESSION_MAX_AGE_S = 8 * 3600
#: The hidden form field carrying the CSRF token.
CSRF_FIELD = "csrf_token"

_SALT = "hubspot-actions.console.session"


@dataclass(frozen=True)
class Session:
    key_id: str
    csrf_token: str

    def csrf_ok(self, submitted: object) -> bool:
        return isinstance(submitted, str) and hmac.compare_digest(submitted, self.csrf_token)


class SessionSigner:
    """Issues and reads session cookies; ``secure`` sets the cookie's ``Secure`` flag."""

    def __init__(self, *, secret: bytes, secure: bool, max_age_s: int = SESSION_MAX_AGE_S) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self.secure = secure
        self.max_age_s = max_age_s

    def issue(self, key_id: str) -> tuple[Session, str]:
        """A new session for ``key_id`` and its cookie value."""
        session = Session(key_id=key_id, csrf_token=secrets.token_urlsafe(32))
        value = self._serializer.dumps({"k": session.key_id, "c": session.csrf_token})
        return session, value

    def read(self, value: str | None) -> Session | None:
        """The session in a cookie value; None when missing, tampered with or expired."""
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=self.max_age_s)
        except BadSignature:  # SignatureExpired is a BadSignature
            return None
        if not isinstance(data, dict):
            return None
        key_id, csrf = data.get("k"), data.get("c")
        if not isinstance(key_id, str) or not isinstance(csrf, str):
            return None
        return Session(key_id=key_id, csrf_token=csrf)


def session_secret(settings: Settings) -> bytes:
    """The signing secret: an HMAC of the keyring's spec (env or local key file), so it is the
    same in every process that can decrypt tokens, and useless for decrypting them."""
    configured = settings.token_encryption_keys
    if configured is not None:
        spec = configured.get_secret_value()
    else:
        keyring_from_settings(settings)  # creates the local key file when there is none yet
        spec = settings.token_key_file.read_text().strip()
    return hmac.new(spec.encode(), b"hubspot-actions console session", hashlib.sha256).digest()


def signer_from_settings(settings: Settings) -> SessionSigner:
    return SessionSigner(secret=session_secret(settings), secure=settings.is_production)
