"""The OAuth client: HubSpot's v3 token endpoints (code exchange, refresh, revoke).

v3 takes every parameter form-encoded in the body (v1, sunset 2027-02-16, took some in the query
string, where proxies log them). The client secret, codes and tokens appear only in those bodies:
never in a URL, a message, an exception or a repr. Error bodies are redacted of them before any
text is quoted, in case HubSpot ever echoes one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx
from pydantic import SecretStr

from hubspot_client.client import DEFAULT_USER_AGENT, new_http_client
from hubspot_client.errors import OAuthRequestError
from hubspot_client.parsing import make_redactor, parse_json
from hubspot_client.translate import (
    Grant,
    oauth_error,
    token_already_invalid,
    translated_transport_errors,
)

#: v3 token endpoint, both grants (DESIGN.md section 8).
TOKEN_PATH = "/oauth/v3/token"  # noqa: S105 - a URL path, not a password
REVOKE_PATH = "/oauth/v3/token/revoke"
#: Token calls are rare (one per account per ~25 minutes): a small pool is plenty.
OAUTH_MAX_CONNECTIONS = 16


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """A token response. ``scopes`` are those granted, optional ones included (empty when an
    older response omitted them); ``hub_id`` is the portal. Tokens stay ``SecretStr``."""

    access_token: SecretStr
    refresh_token: SecretStr
    expires_in: int
    hub_id: int | None
    scopes: tuple[str, ...]
    token_type: str


class OAuthClient:
    """Calls the token endpoints with the operator's app credentials. Safe to share."""

    def __init__(
        self,
        *,
        api_base: str,
        client_id: str,
        client_secret: SecretStr,
        connect_timeout: float,
        read_timeout: float,
        transport: httpx.BaseTransport | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = new_http_client(
            api_base=api_base,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            transport=transport,
            max_connections=OAUTH_MAX_CONNECTIONS,
            user_agent=user_agent,
        )
        self._client_id = client_id
        self._client_secret = client_secret
        self._clock = clock

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        """Trade an authorization code for tokens (``AuthCodeRejected`` if it is bad or used)."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier is not None:
            form["code_verifier"] = code_verifier
        payload = self._post(TOKEN_PATH, form, grant="authorization_code", secrets=[code])
        return parse_token_grant(payload)

    def refresh(self, *, refresh_token: str) -> TokenGrant:
        """A new access token (``RefreshTokenRejected`` when HubSpot refuses the refresh token).

        If the response has no refresh token the one sent is kept; if it has one, it may be a new
        one (rotation is undocumented), so callers store whatever comes back.
        """
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        payload = self._post(TOKEN_PATH, form, grant="refresh_token", secrets=[refresh_token])
        return parse_token_grant(payload, sent_refresh_token=refresh_token)

    def revoke(self, *, refresh_token: str) -> None:
        """Revoke a refresh token at HubSpot.

        A 400 or 404 saying the token is already invalid counts as success: the goal (the token
        no longer works) is met, and an uninstalled app's tokens are already dead. Other
        failures raise, so the caller can retry or report.
        """
        form = {"token": refresh_token, "token_type_hint": "refresh_token"}
        self._post(REVOKE_PATH, form, grant="revoke", secrets=[refresh_token])

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _post(self, path: str, form: dict[str, str], *, grant: Grant, secrets: list[str]) -> Any:
        """POST ``form`` with the client credentials; the 2xx JSON (``None`` when empty)."""
        secret = self._client_secret.get_secret_value()
        data = {"client_id": self._client_id, "client_secret": secret, **form}
        with translated_transport_errors(oauth=True):
            response = self._http.post(path, data=data)
        redact = make_redactor([secret, *secrets])
        if grant == "revoke" and token_already_invalid(response, redact=redact):
            return None
        if not response.is_success:
            raise oauth_error(response, grant=grant, now=self._clock(), redact=redact)
        if not response.content.strip():
            return None
        try:
            return parse_json(response.content)
        except ValueError as exc:
            raise _invalid("the body is not JSON") from exc


def parse_token_grant(payload: Any, *, sent_refresh_token: str | None = None) -> TokenGrant:
    """Validate a token response without echoing it; tolerate fields we do not use.

    Raises ``OAuthRequestError`` naming the missing or malformed field, never its value.
    """
    if not isinstance(payload, Mapping):
        raise _invalid("the body is not a JSON object")
    access_token = payload.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise _invalid("access_token is missing")
    refresh_token = payload.get("refresh_token") or sent_refresh_token
    if not isinstance(refresh_token, str) or not refresh_token:
        raise _invalid("refresh_token is missing")
    expires_in = _positive_int(payload.get("expires_in"))
    if expires_in is None:
        raise _invalid("expires_in is missing or not a positive integer")
    token_type = payload.get("token_type")
    return TokenGrant(
        access_token=SecretStr(access_token),
        refresh_token=SecretStr(refresh_token),
        expires_in=expires_in,
        hub_id=_positive_int(payload.get("hub_id")),
        scopes=_scopes(payload),
        token_type=token_type if isinstance(token_type, str) and token_type else "bearer",
    )


def _invalid(reason: str) -> OAuthRequestError:
    return OAuthRequestError(f"HubSpot's token response is unusable: {reason}")


def _positive_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None


def _scopes(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """``scopes`` (HubSpot's list) or RFC 6749's space-separated ``scope``; order kept."""
    raw = payload.get("scopes")
    if raw is None:
        raw = payload.get("scope")
    items = raw.split() if isinstance(raw, str) else raw if isinstance(raw, list) else []
    return tuple(dict.fromkeys(s for s in items if isinstance(s, str) and s))
