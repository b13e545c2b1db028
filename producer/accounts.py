"""Connected accounts as the API and the Python API offer them (DESIGN.md section 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import redis
from pydantic import ValidationError

from broker.schedule import refresh_due_at
from core.errors import AccountNotFound, ConfigurationError, ConnectionNotFound, InvalidRequest
from core.logging import get_logger
from hubspot_client.errors import HubSpotError
from schemas.accounts import AccountKey, AccountStatus, ConnectedAccountView
from schemas.webhooks import WebhookEvent
from store.accounts import AccountRecord
from store.errors import CredentialsUnreadable
from store.links import AuthorizationLink, mint_authorization_link
from store.vault import TokenSet

if TYPE_CHECKING:
    from producer.context import ProducerContext

log = get_logger(__name__)


class AccountService:
    def __init__(self, ctx: ProducerContext) -> None:
        self.ctx = ctx

    def key(self, connection_name: str, identifier: str) -> AccountKey:
        """Validate the account key (``InvalidRequest``/``ConnectionNotFound`` on bad input)."""
        try:
            key = AccountKey(connection_name=connection_name, identifier=identifier)
        except ValidationError as exc:
            raise InvalidRequest(
                "identifier must be 1-255 characters with no '/' and no whitespace"
            ) from exc
        if key.connection_name != self.ctx.connection.name:
            raise ConnectionNotFound(
                f"no connection named {connection_name!r} (this deployment serves "
                f"{self.ctx.connection.name!r})"
            )
        return key

    def view(self, record: AccountRecord) -> ConnectedAccountView:
        from producer.views import account_view

        return account_view(record, self.ctx.connection)

    def get_or_create(self, *, connection_name: str, identifier: str) -> AccountRecord:
        key = self.key(connection_name, identifier)
        record, created = self.ctx.accounts.get_or_create_flagged(
            connection_name=key.connection_name, identifier=key.identifier
        )
        if created:
            self.ctx.events.account(WebhookEvent.ACCOUNT_CREATED, record)
        return record

    def get(self, *, connection_name: str, identifier: str) -> AccountRecord:
        key = self.key(connection_name, identifier)
        record = self.ctx.accounts.get(
            connection_name=key.connection_name, identifier=key.identifier
        )
        if record is None:
            raise AccountNotFound(f"no {connection_name} account for identifier {identifier!r}")
        return record

    def list_page(
        self, *, status: AccountStatus | None, limit: int, after: str | None
    ) -> tuple[list[AccountRecord], str | None]:
        return self.ctx.accounts.list_page(
            connection_name=self.ctx.connection.name, status=status, limit=limit, after=after
        )

    def authorization_link(
        self, *, connection_name: str, identifier: str, return_url: str | None = None
    ) -> AuthorizationLink:
        """A link for the user to (re-)authorize; creates the account if needed."""
        record = self.get_or_create(connection_name=connection_name, identifier=identifier)
        return self.link_for(record.id, return_url=return_url)

    def checked_return_url(self, url: str | None) -> str | None:
        """A return URL is only followed when it is on ``OAUTH_RETURN_URL_ALLOWLIST``."""
        if url is None:
            return None
        if not return_url_allowed(url, self.ctx.settings.oauth_return_url_allowlist):
            raise InvalidRequest(
                "return_url is not on OAUTH_RETURN_URL_ALLOWLIST (an open redirect would let a "
                "link send users anywhere)"
            )
        return url

    def link_for(self, account_id: str, *, return_url: str | None = None) -> AuthorizationLink:
        return mint_authorization_link(
            states=self.ctx.states,
            connection=self.ctx.connection,
            account_id=account_id,
            return_url=return_url,
        )

    def delete(self, *, connection_name: str, identifier: str) -> AccountRecord:
        """Revoke at HubSpot (best effort), wipe tokens, void open links, mark DISCONNECTED.

        HubSpot being unreachable does not keep an operator from disconnecting a user: the
        local side is done anyway and a warning says the refresh token may still be live.
        """
        record = self.get(connection_name=connection_name, identifier=identifier)
        tokens = self._load_tokens_quietly(record.id)
        if tokens is not None:
            self._revoke_quietly(record.id, tokens)
        with self.ctx.db.write() as conn:
            self.ctx.vault.wipe(conn, account_id=record.id)
            self.ctx.states.void_for_account(conn, account_id=record.id)
            self.ctx.accounts.set_status(
                conn,
                account_id=record.id,
                status=AccountStatus.DISCONNECTED,
                reason="disconnected by the operator",
                clear_tokens=True,
            )
        self._unschedule(record.id)
        log.info("account.disconnected", account_id=record.id)
        deleted = self.get(connection_name=connection_name, identifier=identifier)
        self.ctx.events.account(WebhookEvent.ACCOUNT_DELETED, deleted)
        return deleted

    def _revoke_quietly(self, account_id: str, tokens: TokenSet) -> None:
        try:
            self.ctx.oauth.revoke(refresh_token=tokens.refresh_token.get_secret_value())
        except (HubSpotError, ConfigurationError) as exc:
            log.warning(
                "account.revoke_failed_disconnecting_locally",
                account_id=account_id,
                error=exc.code,
                detail=exc.message,
                hint="the refresh token may stay valid at HubSpot until the app is uninstalled",
            )

    def _load_tokens_quietly(self, account_id: str) -> TokenSet | None:
        try:
            return self.ctx.vault.load(account_id)
        except CredentialsUnreadable as exc:  # unreadable tokens must not block a disconnect
            log.warning(
                "account.tokens_unreadable_on_delete", account_id=account_id, error=exc.code
            )
            return None

    def schedule_refresh(self, account_id: str, expires_at_ts: float, lifetime_s: float) -> None:
        due = refresh_due_at(
            expires_at_ts,
            margin_s=float(self.ctx.settings.token_refresh_margin_seconds),
            lifetime_s=lifetime_s,
        )
        try:
            self.ctx.refresh_schedule.add(account_id, due)
        except redis.RedisError as exc:  # the scheduler's sweep re-adds it from SQL
            log.warning("account.schedule_refresh_failed", error=type(exc).__name__)

    def _unschedule(self, account_id: str) -> None:
        try:
            self.ctx.refresh_schedule.remove(account_id)
        except redis.RedisError as exc:
            log.warning("account.unschedule_failed", error=type(exc).__name__)


def return_url_allowed(url: str, allowlist: tuple[str, ...]) -> bool:
    """Whether ``url`` is under one of the allow-listed URL prefixes.

    Compared by parts, not as strings: the scheme and host (with port) must be equal, and the
    path must be the entry's path or below it at a ``/`` boundary. A plain ``startswith`` would
    let ``https://app.example.com.evil.test`` through for ``https://app.example.com``.
    """
    if any(ch in url for ch in "\\\r\n\t ") or not url.isprintable():
        return False
    try:
        target = urlsplit(url)
        port = target.port
    except ValueError:
        return False
    if target.scheme not in ("http", "https") or not target.hostname or target.username:
        return False
    return any(_under(target.scheme, target.hostname, port, target.path, e) for e in allowlist)


def _under(scheme: str, host: str, port: int | None, path: str, entry: str) -> bool:
    try:
        allowed = urlsplit(entry)
        allowed_port = allowed.port
    except ValueError:
        return False
    if (allowed.scheme, allowed.hostname, allowed_port) != (scheme, host, port):
        return False
    prefix = allowed.path.rstrip("/")
    return path == prefix or path.startswith(prefix + "/") or (not prefix and not path)
