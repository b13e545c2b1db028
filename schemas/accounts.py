"""Connected-account contracts: the status machine's states and the account view (DESIGN.md s4)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from core.errors import AccountDisconnected, AccountPending, AccountRevoked, AccountUnavailable


class AccountPendingVerification(AccountUnavailable):
    """The user consented, but the operator has not yet confirmed who they are (DESIGN s9)."""

    code = "account_pending_verification"


class AccountStatus(StrEnum):
    """Where an account is in its life; only ACTIVE and EXPIRED accounts run jobs.

    ``PENDING_VERIFICATION`` (only with ``OAUTH_USER_VERIFY_URL`` set) holds tokens but runs
    nothing until the operator verifies the user. It does not count as needing authorization:
    the user already consented and the next step is the operator's, so ``needs_reauth`` stays
    false (a new link would only start another consent that also waits for verification).
    """

    PENDING = "PENDING"
    PENDING_VERIFICATION = "PENDING_VERIFICATION"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    DISCONNECTED = "DISCONNECTED"

    @property
    def can_run_jobs(self) -> bool:
        return self in (AccountStatus.ACTIVE, AccountStatus.EXPIRED)

    @property
    def needs_authorization(self) -> bool:
        return self in (AccountStatus.PENDING, AccountStatus.REVOKED, AccountStatus.DISCONNECTED)

    @property
    def error_code(self) -> str:
        """The stable error code a job for an account in this state fails with."""
        return f"account_{self.value.lower()}"


#: The only connection this deployment serves (BYOC: its app credentials come from settings).
HUBSPOT_CONNECTION = "hubspot"

#: No ``/`` (it is a path segment), no NUL (PostgreSQL cannot store it) and no whitespace. The
#: whitespace is spelled out, the union of what Python, Rust (pydantic) and JavaScript (JSON
#: Schema) mean by ``\s``: with ``\s`` the three engines disagreed on U+0085 and U+001C-U+001F,
#: so the documented pattern accepted identifiers the API refused.
_WHITESPACE = r"\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
IDENTIFIER_PATTERN = rf"^[^/\x00{_WHITESPACE}]{{1,255}}$"


class AccountKey(BaseModel):
    """What names an account: ``(connection_name, identifier)``."""

    model_config = ConfigDict(extra="forbid")

    connection_name: str = Field(min_length=1, max_length=64)
    identifier: str = Field(
        pattern=IDENTIFIER_PATTERN,
        description="Your user's id: 1-255 characters, no '/' and no whitespace.",
    )


class ConnectedAccountView(BaseModel):
    """The account as the API shows it. Never a token."""

    id: str
    connection_name: str
    identifier: str
    status: AccountStatus
    status_reason: str | None
    hub_id: int | None
    granted_scopes: list[str]
    missing_scopes: list[str]
    needs_reauth: bool
    token_expires_at: datetime | None
    last_refreshed_at: datetime | None
    created_at: datetime
    updated_at: datetime


def unavailable_error(status: AccountStatus, identifier: str) -> AccountUnavailable:
    """The error a job (or a submit) gets when its account cannot run jobs in ``status``."""
    reasons = {
        AccountStatus.PENDING: (AccountPending, "has not been authorized yet"),
        AccountStatus.REVOKED: (
            AccountRevoked,
            "was revoked in HubSpot (app uninstalled or access removed)",
        ),
        AccountStatus.DISCONNECTED: (AccountDisconnected, "was disconnected"),
    }
    if status == AccountStatus.PENDING_VERIFICATION:
        return AccountPendingVerification(
            f"the HubSpot account of {identifier!r} is connected but waits for the operator to "
            "verify the user (POST /v1/connected-accounts/verify)"
        )
    cls, why = reasons.get(status, (AccountUnavailable, f"is {status.value}"))
    # "again" only for an account that was authorized once: a PENDING one never was.
    again = "" if status is AccountStatus.PENDING else " again"
    return cls(f"the HubSpot account of {identifier!r} {why}; the user must authorize it{again}")
