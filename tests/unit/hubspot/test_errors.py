"""The error tree: codes, retryability, the job error shape, and picklability."""

from __future__ import annotations

import copy
import pickle

import pytest

from core.errors import HubSpotActionsError
from hubspot_client import (
    AuthCodeRejected,
    HubSpotConflict,
    HubSpotError,
    HubSpotMissingScopes,
    HubSpotNotFound,
    HubSpotOutcomeUnknown,
    HubSpotRateLimited,
    HubSpotRequestError,
    HubSpotUnauthorized,
    HubSpotUnavailable,
    OAuthError,
    OAuthRequestError,
    OAuthUnavailable,
    RefreshTokenRejected,
)

CODES: list[tuple[type[HubSpotError], str, bool]] = [
    (HubSpotError, "hubspot_error", False),
    (HubSpotUnauthorized, "hubspot_unauthorized", False),
    (HubSpotMissingScopes, "missing_scopes", False),
    (HubSpotRateLimited, "hubspot_rate_limited", True),
    (HubSpotUnavailable, "hubspot_unavailable", True),
    (HubSpotOutcomeUnknown, "outcome_unknown", True),
    (HubSpotConflict, "hubspot_error", False),
    (HubSpotNotFound, "hubspot_error", False),
    (HubSpotRequestError, "hubspot_error", False),
    (OAuthError, "oauth_error", False),
    (RefreshTokenRejected, "account_revoked", False),
    (AuthCodeRejected, "oauth_code_rejected", False),
    (OAuthUnavailable, "hubspot_unavailable", True),
    (OAuthRequestError, "oauth_error", False),
]


@pytest.mark.parametrize(("cls", "code", "retryable"), CODES)
def test_codes_and_retryability(cls: type[HubSpotError], code: str, retryable: bool) -> None:
    """Each class carries its DESIGN.md section 6 code and retryability, under the root."""
    assert issubclass(cls, HubSpotActionsError)
    assert cls.code == code
    assert cls.retryable is retryable


def test_outcome_unknown_is_a_kind_of_unavailable() -> None:
    """Catching HubSpotUnavailable also catches outcome-unknown failures."""
    assert issubclass(HubSpotOutcomeUnknown, HubSpotUnavailable)
    assert issubclass(RefreshTokenRejected, OAuthError)


def test_to_dict_job_error_shape() -> None:
    """``to_dict`` gives code, message, retryable, extras and the ``hubspot`` block."""
    exc = HubSpotRateLimited(
        "HubSpot rate limit reached (429 TEN_SECONDLY_ROLLING)",
        status_code=429,
        category="RATE_LIMIT",
        correlation_id="cid-1",
        retry_after=1.5,
        policy_name="TEN_SECONDLY_ROLLING",
    )
    assert exc.to_dict() == {
        "code": "hubspot_rate_limited",
        "message": "HubSpot rate limit reached (429 TEN_SECONDLY_ROLLING)",
        "retryable": True,
        "retry_after": 1.5,
        "policy_name": "TEN_SECONDLY_ROLLING",
        "hubspot": {"status": 429, "category": "RATE_LIMIT", "correlation_id": "cid-1"},
    }


def test_to_dict_without_a_response_has_no_hubspot_block() -> None:
    """A transport failure (no status) has no ``hubspot`` block and no null extras."""
    exc = HubSpotUnavailable("HubSpot could not be reached (ConnectError); nothing was sent")
    assert exc.to_dict() == {
        "code": "hubspot_unavailable",
        "message": "HubSpot could not be reached (ConnectError); nothing was sent",
        "retryable": True,
    }


def test_unauthorized_expired_flag() -> None:
    """``expired`` follows the EXPIRED_AUTHENTICATION category only."""
    assert HubSpotUnauthorized("x", category="EXPIRED_AUTHENTICATION").expired is True
    assert HubSpotUnauthorized("x", category="INVALID_AUTHENTICATION").expired is False
    assert HubSpotUnauthorized("x").expired is False


@pytest.mark.parametrize(
    "exc",
    [
        HubSpotMissingScopes("m", status_code=403, required_scopes=("a", "b")),
        HubSpotConflict("c", status_code=409, existing_id="12"),
        HubSpotOutcomeUnknown("o", retry_after=2.0),
        RefreshTokenRejected("r", status_code=400, oauth_status="BAD_REFRESH_TOKEN"),
        OAuthUnavailable("u", outcome_unknown=True),
        HubSpotRequestError("q", error_code="INVALID_OPTION"),
    ],
)
def test_errors_survive_pickle_and_copy(exc: HubSpotError) -> None:
    """Errors round-trip through pickle and copy with their data (e.g. across processes)."""
    for clone in (pickle.loads(pickle.dumps(exc)), copy.copy(exc)):
        assert type(clone) is type(exc)
        assert str(clone) == str(exc)
        assert clone.to_dict() == exc.to_dict()
