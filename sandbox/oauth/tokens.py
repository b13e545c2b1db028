"""Authorization codes, access tokens and refresh tokens, and what kills them.

Each consent starts a *chain*: its refresh token (or, when rotation is on, the succession of
refresh tokens) and every access token issued from it. Chains exist to judge the pipeline's
refresh discipline ("refresh each issued token at most once"): a refresh grant is charged to the
chain's newest access token, except that a token nobody has used yet and that is younger than
``refresh_settle_seconds`` cannot have reached the client, so the grant is charged to the token
before it. Two workers racing to refresh the same account therefore show up as one token charged
twice (``double_refreshes``), while a scheduled refresh of an idle account does not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field

from sandbox.clock import Clock
from sandbox.config import SandboxConfig
from sandbox.errors import OAuthError
from sandbox.oauth.registry import App
from sandbox.stats import Stats


def bad_refresh_token() -> OAuthError:
    """The facts sheet's exact BAD_REFRESH_TOKEN answer (v3 and the older v1 body, facts 1.5)."""
    return OAuthError(
        "BAD_REFRESH_TOKEN",
        "invalid_grant",
        "refresh token is invalid, expired or revoked",
        legacy_message="missing or invalid refresh token",
    )


def bad_auth_code() -> OAuthError:
    """An unknown, already used or foreign code (status name from hubspot-api-python#115)."""
    return OAuthError(
        "BAD_AUTH_CODE",
        "invalid_grant",
        "auth code is invalid, expired or already used",
        legacy_message="missing or invalid auth code",
    )


def bad_code_verifier() -> OAuthError:
    """A PKCE code exchanged without its verifier or with a wrong one (DESIGN.md section 10)."""
    return OAuthError(
        "BAD_AUTH_CODE",
        "invalid_grant",
        "code_verifier is missing or does not match the code_challenge",
        legacy_message="missing or invalid code_verifier",
    )


def s256(verifier: str) -> str:
    """RFC 7636's S256 transform: base64url(sha256(verifier)) without ``=`` padding."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def expired_auth_code() -> OAuthError:
    """A code past its lifetime (EXPIRED_AUTH_CODE, hubspot-api-python#115; wording guessed)."""
    return OAuthError(
        "EXPIRED_AUTH_CODE",
        "invalid_grant",
        "auth code is expired",
        legacy_message="auth code has expired",
    )


@dataclass(slots=True)
class AccessToken:
    """An issued access token; ``refreshed`` counts the refresh grants charged to it and
    ``used`` says the client has presented it (so it has certainly received it)."""

    token: str
    client_id: str
    app_id: int
    hub_id: int
    scopes: tuple[str, ...]
    scope_set: frozenset[str]
    issued_at: float
    expires_at: float
    chain: Chain
    refreshed: int = 0
    used: bool = False


@dataclass(slots=True)
class Chain:
    """One consent's lineage of tokens (see the module docstring)."""

    newest: AccessToken | None = None
    previous: AccessToken | None = None


@dataclass(slots=True)
class RefreshToken:
    """An issued refresh token, valid until revoked, rotated away or uninstalled."""

    token: str
    client_id: str
    app_id: int
    hub_id: int
    scopes: tuple[str, ...]
    chain: Chain


@dataclass(slots=True)
class AuthCode:
    """A single-use authorization code bound to its app, redirect URI and portal, and to a PKCE
    ``code_challenge`` (S256) when the consent carried one."""

    code: str
    client_id: str
    redirect_uri: str
    hub_id: int
    scopes: tuple[str, ...]
    expires_at: float
    code_challenge: str | None = None


@dataclass(slots=True)
class _Install:
    """Everything issued to one app on one portal, so an uninstall can kill it all."""

    access: list[str] = field(default_factory=list)
    refresh: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


def _verifies(verifier: str | None, challenge: str) -> bool:
    return verifier is not None and hmac.compare_digest(s256(verifier), challenge)


def new_access_token() -> str:
    """Opaque, URL-safe and long like HubSpot's (128 characters; HubSpot allows up to 512)."""
    return "C" + secrets.token_urlsafe(96)


def new_refresh_token() -> str:
    """``na1-`` then hex groups 4-4-4-4-12, like HubSpot's documented examples."""
    hexes = secrets.token_hex(14)
    return f"na1-{hexes[0:4]}-{hexes[4:8]}-{hexes[8:12]}-{hexes[12:16]}-{hexes[16:28]}"


class TokenBook:
    """Issues, checks and revokes codes and tokens against the sandbox clock."""

    def __init__(self, *, clock: Clock, config: SandboxConfig, stats: Stats) -> None:
        self._clock = clock
        self._config = config
        self._stats = stats
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}
        self._installs: dict[tuple[str, int], _Install] = {}

    def issue_code(
        self,
        app: App,
        redirect_uri: str,
        hub_id: int,
        scopes: tuple[str, ...],
        *,
        code_challenge: str | None = None,
    ) -> str:
        """A fresh code for a consent that HubSpot accepted."""
        code = str(uuid.uuid4())
        expires_at = self._clock.now() + self._config.auth_code_ttl
        self.codes[code] = AuthCode(
            code, app.client_id, redirect_uri, hub_id, scopes, expires_at, code_challenge
        )
        self._install(app.client_id, hub_id).codes.append(code)
        return code

    def exchange_code(
        self, app: App, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> tuple[AccessToken, RefreshToken]:
        """``grant_type=authorization_code``: the code is consumed only when this succeeds.

        A code issued with a PKCE challenge needs the verifier that hashes to it; a code issued
        without one ignores any verifier sent, as RFC 7636 servers do.
        """
        grant = self.codes.get(code)
        if grant is None or grant.client_id != app.client_id:
            raise bad_auth_code()
        if self._clock.now() >= grant.expires_at:
            raise expired_auth_code()
        if redirect_uri != grant.redirect_uri:
            raise OAuthError(
                "BAD_REDIRECT_URI",
                "invalid_grant",
                "redirect_uri does not match the redirect URI used for this code",
            )
        if grant.code_challenge is not None and not _verifies(code_verifier, grant.code_challenge):
            raise bad_code_verifier()
        del self.codes[code]
        chain = Chain()
        refresh = RefreshToken(
            new_refresh_token(), app.client_id, app.app_id, grant.hub_id, grant.scopes, chain
        )
        self.refresh[refresh.token] = refresh
        self._install(app.client_id, grant.hub_id).refresh.append(refresh.token)
        self._stats.token_grants[grant.hub_id] += 1
        return self._issue_access(refresh), refresh

    def refresh_grant(self, app: App, token: str) -> tuple[AccessToken, RefreshToken]:
        """``grant_type=refresh_token``: a new access token, rotating the refresh token if set."""
        refresh = self.refresh.get(token)
        if refresh is None or refresh.client_id != app.client_id:
            raise bad_refresh_token()
        self._charge(refresh.chain)
        if self._config.rotate_refresh_tokens:
            del self.refresh[token]
            refresh = RefreshToken(
                new_refresh_token(),
                app.client_id,
                app.app_id,
                refresh.hub_id,
                refresh.scopes,
                refresh.chain,
            )
            self.refresh[refresh.token] = refresh
            self._install(app.client_id, refresh.hub_id).refresh.append(refresh.token)
        self._stats.refreshes[refresh.hub_id] += 1
        return self._issue_access(refresh), refresh

    def revoke_refresh(self, token: str) -> bool:
        """Delete one refresh token; access tokens it produced keep working (facts 1.4)."""
        return self.refresh.pop(token, None) is not None

    def revoke_access(self, token: str) -> bool:
        """Kill one access token at once (RFC 7009 revocation of an access token)."""
        return self.access.pop(token, None) is not None

    def uninstall(self, client_id: str, hub_id: int) -> None:
        """The app leaves the portal: every code, refresh and access token of it dies."""
        install = self._installs.pop((client_id, hub_id), None)
        if install is None:
            return
        for token in install.access:
            self.access.pop(token, None)
        for token in install.refresh:
            self.refresh.pop(token, None)
        for code in install.codes:
            self.codes.pop(code, None)

    def restore(
        self,
        access: list[AccessToken],
        refresh: list[RefreshToken],
        codes: list[AuthCode],
    ) -> None:
        """Load persisted codes and tokens, rebuilding the per-install index uninstall uses."""
        for token in access:
            self.access[token.token] = token
            self._install(token.client_id, token.hub_id).access.append(token.token)
        for grant in refresh:
            self.refresh[grant.token] = grant
            self._install(grant.client_id, grant.hub_id).refresh.append(grant.token)
        for code in codes:
            self.codes[code.code] = code
            self._install(code.client_id, code.hub_id).codes.append(code.code)

    def _issue_access(self, refresh: RefreshToken) -> AccessToken:
        now = self._clock.now()
        token = AccessToken(
            token=new_access_token(),
            client_id=refresh.client_id,
            app_id=refresh.app_id,
            hub_id=refresh.hub_id,
            scopes=refresh.scopes,
            scope_set=frozenset(refresh.scopes),
            issued_at=now,
            expires_at=now + self._config.token_ttl,
            chain=refresh.chain,
        )
        self.access[token.token] = token
        self._install(refresh.client_id, refresh.hub_id).access.append(token.token)
        chain = refresh.chain
        if chain.newest is not None:
            chain.previous = chain.newest
        chain.newest = token
        return token

    def _charge(self, chain: Chain) -> None:
        """Charge a refresh grant to the token the client most likely held (module docstring)."""
        target = chain.newest
        if target is None:
            return
        young = self._clock.now() - target.issued_at < self._config.refresh_settle_seconds
        if young and not target.used and chain.previous is not None:
            target = chain.previous
        target.refreshed += 1
        self._stats.charge_refresh(target.refreshed)
        # The new token replaces the one charged, whichever it was.
        chain.newest = target

    def _install(self, client_id: str, hub_id: int) -> _Install:
        key = (client_id, hub_id)
        install = self._installs.get(key)
        if install is None:
            install = self._installs[key] = _Install()
        return install
