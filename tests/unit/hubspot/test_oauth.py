"""The OAuth client: v3 token calls, token parsing, and token-endpoint errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from hubspot_client import (
    AuthCodeRejected,
    OAuthError,
    OAuthRequestError,
    OAuthUnavailable,
    RefreshTokenRejected,
    TokenGrant,
)
from tests.unit.hubspot import bodies
from tests.unit.hubspot.helpers import (
    AUTH_CODE,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    Recorder,
    answer,
    oauth,
    raising,
)

REDIRECT_URI = "http://localhost:8000/oauth/callback"


def form_of(recorder: Recorder) -> dict[str, str]:
    """The last request's form body, one value per field (failing on repeats)."""
    fields = parse_qs(recorder.last.content.decode(), keep_blank_values=True, strict_parsing=True)
    assert all(len(v) == 1 for v in fields.values())
    return {k: v[0] for k, v in fields.items()}


def assert_form_post(recorder: Recorder, path: str) -> None:
    """A v3 token call: POST, form-encoded, nothing in the query string, no bearer header."""
    request = recorder.last
    assert request.method == "POST"
    assert request.url.path == path
    assert request.url.query == b""
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in request.headers


def test_exchange_code_sends_the_documented_form() -> None:
    """The code grant posts grant_type, client_id, client_secret, redirect_uri and code."""
    client, rec = oauth(answer(200, bodies.TOKEN_SUCCESS))
    client.exchange_code(code=AUTH_CODE, redirect_uri=REDIRECT_URI)
    assert_form_post(rec, "/oauth/v3/token")
    assert form_of(rec) == {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI,
        "code": AUTH_CODE,
    }


def test_exchange_code_with_pkce_verifier() -> None:
    """A PKCE ``code_verifier`` is added to the form when given."""
    client, rec = oauth(answer(200, bodies.TOKEN_SUCCESS))
    client.exchange_code(code=AUTH_CODE, redirect_uri=REDIRECT_URI, code_verifier="v" * 43)
    assert form_of(rec)["code_verifier"] == "v" * 43


def test_refresh_sends_the_documented_form() -> None:
    """The refresh grant posts grant_type, client_id, client_secret and refresh_token."""
    client, rec = oauth(answer(200, bodies.TOKEN_SUCCESS))
    client.refresh(refresh_token=REFRESH_TOKEN)
    assert_form_post(rec, "/oauth/v3/token")
    assert form_of(rec) == {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
    }


def test_documented_token_response_is_parsed() -> None:
    """The v3 documented body gives tokens, 1800 s, hub_id and the granted scopes."""
    client, _ = oauth(answer(200, bodies.TOKEN_SUCCESS))
    grant = client.refresh(refresh_token=REFRESH_TOKEN)
    assert grant.access_token.get_secret_value() == bodies.TOKEN_SUCCESS["access_token"]
    assert grant.refresh_token.get_secret_value() == "na1-aaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert grant.expires_in == 1800
    assert grant.hub_id == 1234567
    assert grant.scopes == ("oauth", "crm.objects.contacts.write", "crm.objects.contacts.read")
    assert grant.token_type == "bearer"


def test_extra_spec_fields_are_tolerated() -> None:
    """``token_use``, ``user_id`` and ``id_token`` (in the spec) do not break parsing."""
    body = bodies.TOKEN_SUCCESS | {
        "token_use": "access_token",
        "user_id": 293199,
        "id_token": "x.y",
    }
    client, _ = oauth(answer(200, body))
    assert client.exchange_code(code=AUTH_CODE, redirect_uri=REDIRECT_URI).hub_id == 1234567


def test_older_response_without_hub_id_and_scopes() -> None:
    """A response from before 2025-08-18 (no hub_id, no scopes) still parses."""
    body = {k: v for k, v in bodies.TOKEN_SUCCESS.items() if k not in ("hub_id", "scopes")}
    client, _ = oauth(answer(200, body))
    grant = client.exchange_code(code=AUTH_CODE, redirect_uri=REDIRECT_URI)
    assert grant.hub_id is None
    assert grant.scopes == ()


def test_rfc_scope_string_is_accepted() -> None:
    """RFC 6749's space-separated ``scope`` is read when ``scopes`` is absent."""
    body = {k: v for k, v in bodies.TOKEN_SUCCESS.items() if k != "scopes"}
    client, _ = oauth(answer(200, body | {"scope": "oauth crm.objects.deals.read"}))
    grant = client.refresh(refresh_token=REFRESH_TOKEN)
    assert grant.scopes == ("oauth", "crm.objects.deals.read")


def test_refresh_without_refresh_token_keeps_the_sent_one() -> None:
    """A refresh answer without ``refresh_token`` means the sent one is still the one."""
    body = {k: v for k, v in bodies.TOKEN_SUCCESS.items() if k != "refresh_token"}
    client, _ = oauth(answer(200, body))
    grant = client.refresh(refresh_token=REFRESH_TOKEN)
    assert grant.refresh_token.get_secret_value() == REFRESH_TOKEN


def test_grant_repr_hides_tokens() -> None:
    """``repr(grant)`` shows neither token."""
    client, _ = oauth(answer(200, bodies.TOKEN_SUCCESS))
    grant = client.refresh(refresh_token=REFRESH_TOKEN)
    text = repr(grant) + str(grant)
    assert bodies.TOKEN_SUCCESS["access_token"] not in text
    assert bodies.TOKEN_SUCCESS["refresh_token"] not in text
    assert isinstance(grant, TokenGrant)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"refresh_token": "r", "expires_in": 1800}, "access_token is missing"),
        ({"access_token": "", "refresh_token": "r", "expires_in": 1800}, "access_token"),
        ({"access_token": "a", "refresh_token": "r"}, "expires_in is missing"),
        ({"access_token": "a", "refresh_token": "r", "expires_in": "soon"}, "expires_in"),
        ({"access_token": "a", "refresh_token": "r", "expires_in": True}, "expires_in"),
        ({"access_token": "a", "expires_in": 1800}, "refresh_token is missing"),
        (["not", "an", "object"], "not a JSON object"),
    ],
)
def test_unusable_token_response(body: Any, reason: str) -> None:
    """A 200 missing a required field is an OAuthRequestError naming the field only."""
    client, _ = oauth(answer(200, body))
    with pytest.raises(OAuthRequestError, match=reason) as info:
        client.exchange_code(code=AUTH_CODE, redirect_uri=REDIRECT_URI)
    assert "1800" not in str(info.value)


def test_non_json_token_response() -> None:
    """A 200 HTML page is an OAuthRequestError without the page in the message."""
    client, _ = oauth(answer(200, content=b"<html>login</html>"))
    with pytest.raises(OAuthRequestError, match="not JSON") as info:
        client.refresh(refresh_token=REFRESH_TOKEN)
    assert "<html" not in str(info.value)


def test_expires_in_as_numeric_string() -> None:
    """A numeric-string ``expires_in`` and ``hub_id`` are accepted."""
    body = bodies.TOKEN_SUCCESS | {"expires_in": "1800", "hub_id": "42"}
    client, _ = oauth(answer(200, body))
    grant = client.refresh(refresh_token=REFRESH_TOKEN)
    assert (grant.expires_in, grant.hub_id) == (1800, 42)


@pytest.mark.parametrize(
    "body",
    [
        bodies.BAD_REFRESH_TOKEN_V3,
        bodies.BAD_REFRESH_TOKEN_V1,
        bodies.BAD_REFRESH_TOKEN_INVALID_REQUEST,
        bodies.INVALID_GRANT_ONLY,
    ],
    ids=["v3", "v1", "invalid_request+status", "invalid_grant"],
)
def test_refresh_rejected(body: dict[str, Any]) -> None:
    """Every known bad-refresh-token body -> RefreshTokenRejected (code account_revoked)."""
    client, _ = oauth(answer(400, body))
    with pytest.raises(RefreshTokenRejected) as info:
        client.refresh(refresh_token=REFRESH_TOKEN)
    exc = info.value
    assert exc.code == "account_revoked"
    assert exc.retryable is False
    assert exc.status_code == 400
    assert exc.oauth_error == body.get("error")
    assert exc.oauth_status == body.get("status")
    assert exc.to_dict()["hubspot"]["category"] in ("BAD_REFRESH_TOKEN", "invalid_grant")


def test_refresh_rejected_message() -> None:
    """The message names HubSpot's status and quotes its text."""
    client, _ = oauth(answer(400, bodies.BAD_REFRESH_TOKEN_V3))
    with pytest.raises(RefreshTokenRejected) as info:
        client.refresh(refresh_token=REFRESH_TOKEN)
    assert str(info.value) == (
        "HubSpot rejected the refresh token (400 BAD_REFRESH_TOKEN): "
        "refresh token is invalid, expired or revoked"
    )


@pytest.mark.parametrize(
    "body", [bodies.EXPIRED_AUTH_CODE, bodies.BAD_AUTH_CODE, bodies.INVALID_GRANT_ONLY]
)
def test_code_rejected(body: dict[str, Any]) -> None:
    """EXPIRED_AUTH_CODE, BAD_AUTH_CODE or invalid_grant on a code grant -> AuthCodeRejected."""
    client, _ = oauth(answer(400, body))
    with pytest.raises(AuthCodeRejected) as info:
        client.exchange_code(code=AUTH_CODE, redirect_uri=REDIRECT_URI)
    assert info.value.code == "oauth_code_rejected"


def test_bad_refresh_token_status_on_a_code_grant_is_not_a_code_rejection() -> None:
    """Statuses are grant-specific: BAD_REFRESH_TOKEN on a code grant is a request error."""
    client, _ = oauth(answer(400, bodies.BAD_REFRESH_TOKEN_V1))
    with pytest.raises(OAuthRequestError):
        client.exchange_code(code=AUTH_CODE, redirect_uri=REDIRECT_URI)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"error": "invalid_client", "error_description": "client authentication failed"}),
        (400, {"status": "BAD_CLIENT_ID", "message": "missing or invalid client id"}),
        (400, {"error": "invalid_request", "error_description": "missing redirect_uri"}),
    ],
)
def test_bad_client_credentials_are_not_a_revocation(status: int, body: dict[str, Any]) -> None:
    """Operator problems (bad client id/secret) never read as a revoked account."""
    client, _ = oauth(answer(status, body))
    with pytest.raises(OAuthRequestError) as info:
        client.refresh(refresh_token=REFRESH_TOKEN)
    assert type(info.value) is OAuthRequestError
    assert info.value.code == "oauth_error"


def test_html_400_on_refresh_is_not_a_revocation() -> None:
    """A non-JSON 400 (a proxy's page) must not mark the account revoked."""
    client, _ = oauth(answer(400, content=b"<html>Bad Request</html>"))
    with pytest.raises(OAuthRequestError) as info:
        client.refresh(refresh_token=REFRESH_TOKEN)
    assert type(info.value) is OAuthRequestError


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_token_endpoint_unavailable(status: int) -> None:
    """429 and 5xx on the token endpoint -> OAuthUnavailable, retryable, with Retry-After."""
    body = {"status": "error", "message": "You have reached your rate limit."}
    client, _ = oauth(answer(status, body, headers={"Retry-After": "5"}))
    with pytest.raises(OAuthUnavailable) as info:
        client.refresh(refresh_token=REFRESH_TOKEN)
    exc = info.value
    assert exc.retryable is True
    assert exc.code == "hubspot_unavailable"
    assert exc.retry_after == 5.0
    assert exc.outcome_unknown is False


def test_token_gateway_timeout_marks_outcome_unknown() -> None:
    """A 504 from the token endpoint may have rotated the refresh token: flagged."""
    client, _ = oauth(answer(504))
    with pytest.raises(OAuthUnavailable) as info:
        client.refresh(refresh_token=REFRESH_TOKEN)
    assert info.value.outcome_unknown is True


@pytest.mark.parametrize(
    ("exc_type", "unknown"),
    [(httpx.ConnectError, False), (httpx.ConnectTimeout, False), (httpx.ReadTimeout, True)],
)
def test_token_transport_errors(exc_type: type[httpx.RequestError], unknown: bool) -> None:
    """Transport failures -> OAuthUnavailable; after sending, ``outcome_unknown`` is set."""
    client, _ = oauth(raising(exc_type))
    with pytest.raises(OAuthUnavailable) as info:
        client.refresh(refresh_token=REFRESH_TOKEN)
    assert info.value.outcome_unknown is unknown
    assert isinstance(info.value.__cause__, exc_type)


def test_revoke_sends_the_spec_form() -> None:
    """Revoke posts client_id, client_secret, token and token_type_hint=refresh_token."""
    client, rec = oauth(answer(200, {}))
    client.revoke(refresh_token=REFRESH_TOKEN)
    assert_form_post(rec, "/oauth/v3/token/revoke")
    assert form_of(rec) == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "token": REFRESH_TOKEN,
        "token_type_hint": "refresh_token",
    }


@pytest.mark.parametrize("status", [200, 204])
def test_revoke_success(status: int) -> None:
    """Any 2xx, with or without a body, is success."""
    client, _ = oauth(answer(status))
    client.revoke(refresh_token=REFRESH_TOKEN)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, bodies.BAD_REFRESH_TOKEN_V3),
        (400, bodies.BAD_REFRESH_TOKEN_V1),
        (400, {"error": "invalid_token"}),
        (404, bodies.INVALID_GRANT_ONLY),
    ],
)
def test_revoke_of_an_already_invalid_token_succeeds(status: int, body: dict[str, Any]) -> None:
    """A revoke refused because the token is already dead has reached its goal."""
    client, _ = oauth(answer(status, body))
    client.revoke(refresh_token=REFRESH_TOKEN)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"error": "invalid_client"}, OAuthRequestError),
        (404, None, OAuthRequestError),
        (503, None, OAuthUnavailable),
    ],
)
def test_revoke_failures_raise(status: int, body: object, error: type[OAuthError]) -> None:
    """Other revoke failures raise (bad credentials, wrong path, outage)."""
    client, _ = oauth(answer(status, body))
    with pytest.raises(error):
        client.revoke(refresh_token=REFRESH_TOKEN)


def test_client_is_a_context_manager() -> None:
    """``with OAuthClient(...)`` closes its connection pool."""
    client, _ = oauth(answer(200, bodies.TOKEN_SUCCESS))
    with client as same:
        assert same is client
        same.refresh(refresh_token=REFRESH_TOKEN)
    with pytest.raises(RuntimeError):
        client.refresh(refresh_token=REFRESH_TOKEN)
