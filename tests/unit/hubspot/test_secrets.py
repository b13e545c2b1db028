"""No token, code or client secret ever shows in an error's str, repr, to_dict or attributes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from hubspot_client import HubSpotError, OAuthClient, OAuthRequestError
from tests.unit.hubspot import bodies
from tests.unit.hubspot.helpers import (
    ACCESS_TOKEN,
    API_BASE,
    AUTH_CODE,
    REFRESH_TOKEN,
    Handler,
    Req,
    answer,
    crm,
    leaked,
    oauth,
)

ERROR_BODIES: list[dict[str, Any]] = [
    bodies.EXPIRED_AUTHENTICATION,
    bodies.INVALID_AUTHENTICATION,
    bodies.MISSING_SCOPES,
    bodies.VALIDATION_UNKNOWN_PROPERTY,
    bodies.CONFLICT,
    bodies.OBJECT_NOT_FOUND,
    bodies.RATE_LIMIT_TEN_SECONDLY,
    bodies.BAD_REFRESH_TOKEN_V3,
    bodies.BAD_REFRESH_TOKEN_V1,
    bodies.EXPIRED_AUTH_CODE,
]
STATUSES = [400, 401, 403, 404, 409, 423, 429, 477, 500, 503, 504]
TRANSPORT_ERRORS: list[type[httpx.RequestError]] = [
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.RemoteProtocolError,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
]


def echo(status: int) -> Handler:
    """A hostile server quoting the Authorization header and the whole request body back."""

    def respond(request: httpx.Request) -> httpx.Response:
        sent = f"{request.headers.get('authorization')} {request.content.decode()}"
        body = {
            "status": "error",
            "message": f"You sent {sent}. Existing ID: 1",
            "error": "invalid_grant",
            "error_description": sent,
            "category": "MISSING_SCOPES",
            "correlationId": sent,
            "context": {"requiredScopes": [sent]},
            "errors": [{"message": sent, "code": "X", "context": {"missingScopes": [sent]}}],
        }
        headers = {"x-hubspot-correlation-id": sent, "retry-after": "1"}
        return httpx.Response(status, json=body, headers=headers)

    return respond


def secret_in_transport_text(exc_type: type[httpx.RequestError]) -> Handler:
    """A transport error whose own text quotes the Authorization header (as h11's can)."""

    def respond(request: httpx.Request) -> httpx.Response:
        raise exc_type(
            f"Illegal header value {request.headers['authorization']!r}", request=request
        )

    return respond


def assert_clean(exc: HubSpotError) -> None:
    """The error's text, repr, dict form and attributes contain no secret literal."""
    surfaces = [str(exc), repr(exc), json.dumps(exc.to_dict()), repr(vars(exc)), repr(exc.args)]
    for surface in surfaces:
        assert leaked(surface) == [], surface


def crm_error(handler: Handler) -> HubSpotError:
    client, _ = crm(handler)
    request = Req("POST", "/crm/v3/objects/contacts", json={"properties": {"email": "a@b.co"}})
    with pytest.raises(HubSpotError) as info:
        client.send(request, access_token=ACCESS_TOKEN)
    return info.value


OAuthCall = Callable[[OAuthClient], object]
OAUTH_CALLS: dict[str, OAuthCall] = {
    "exchange_code": lambda c: c.exchange_code(code=AUTH_CODE, redirect_uri="https://x.test/cb"),
    "refresh": lambda c: c.refresh(refresh_token=REFRESH_TOKEN),
    "revoke": lambda c: c.revoke(refresh_token=REFRESH_TOKEN),
}


def oauth_error(handler: Handler, call: OAuthCall) -> HubSpotError:
    client, _ = oauth(handler)
    with pytest.raises(HubSpotError) as info:
        call(client)
    return info.value


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("body", ERROR_BODIES)
def test_crm_errors_from_every_body_and_status(status: int, body: dict[str, Any]) -> None:
    """Every documented body under every failing status gives a clean CRM error."""
    assert_clean(crm_error(answer(status, body)))


@pytest.mark.parametrize("status", STATUSES)
def test_crm_errors_redact_an_echoing_server(status: int) -> None:
    """Even a server echoing the bearer header in every field yields a clean error."""
    exc = crm_error(echo(status))
    assert_clean(exc)
    assert exc.correlation_id is not None
    assert "[redacted]" in exc.correlation_id


@pytest.mark.parametrize("exc_type", TRANSPORT_ERRORS)
def test_crm_transport_errors(exc_type: type[httpx.RequestError]) -> None:
    """Transport errors never copy httpx's text, which may quote the header."""
    assert_clean(crm_error(secret_in_transport_text(exc_type)))


@pytest.mark.parametrize("call", OAUTH_CALLS.values(), ids=OAUTH_CALLS.keys())
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("body", ERROR_BODIES)
def test_oauth_errors_from_every_body_and_status(
    call: OAuthCall, status: int, body: dict[str, Any]
) -> None:
    """Every documented body under every failing status gives a clean OAuth error."""
    client, _ = oauth(answer(status, body))
    try:
        call(client)
    except HubSpotError as exc:
        assert_clean(exc)
    else:  # only a revoke of an already-invalid token may succeed
        assert call is OAUTH_CALLS["revoke"]


@pytest.mark.parametrize("call", OAUTH_CALLS.values(), ids=OAUTH_CALLS.keys())
@pytest.mark.parametrize("status", [401, 403, 429, 500, 504])
def test_oauth_errors_redact_an_echoing_server(call: OAuthCall, status: int) -> None:
    """A server echoing the form (client secret, code, refresh token) yields a clean error."""
    assert_clean(oauth_error(echo(status), call))


@pytest.mark.parametrize("call", OAUTH_CALLS.values(), ids=OAUTH_CALLS.keys())
@pytest.mark.parametrize("exc_type", TRANSPORT_ERRORS)
def test_oauth_transport_errors(call: OAuthCall, exc_type: type[httpx.RequestError]) -> None:
    """Transport errors on token calls are clean too."""

    def respond(request: httpx.Request) -> httpx.Response:
        raise exc_type(request.content.decode(), request=request)

    assert_clean(oauth_error(respond, call))


@pytest.mark.parametrize(
    "body",
    [
        {"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN},
        {"access_token": ACCESS_TOKEN, "expires_in": -1},
        {"refresh_token": REFRESH_TOKEN, "expires_in": 1800},
    ],
)
def test_unusable_token_response_does_not_echo(body: dict[str, Any]) -> None:
    """Validation failures of a token response name fields, never values."""
    exc = oauth_error(answer(200, body), OAUTH_CALLS["exchange_code"])
    assert isinstance(exc, OAuthRequestError)
    assert_clean(exc)


def test_grant_repr_and_str_hide_tokens() -> None:
    """``repr``/``str`` of a TokenGrant show neither token."""
    body = bodies.TOKEN_SUCCESS | {"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN}
    client, _ = oauth(answer(200, body))
    grant = client.refresh(refresh_token=REFRESH_TOKEN)
    assert leaked(repr(grant) + str(grant)) == []
    assert grant.access_token.get_secret_value() == ACCESS_TOKEN


def test_url_encoded_secret_is_redacted() -> None:
    """A secret with reserved characters is redacted in its form-encoded spelling too."""
    secret = "se/cr+et=with&chars"
    client = OAuthClient(
        api_base=API_BASE,
        client_id="id",
        client_secret=SecretStr(secret),
        connect_timeout=1,
        read_timeout=1,
        transport=httpx.MockTransport(echo(400)),
    )
    with pytest.raises(HubSpotError) as info:
        client.refresh(refresh_token=REFRESH_TOKEN)
    text = str(info.value) + json.dumps(info.value.to_dict())
    assert secret not in text
    assert "se%2Fcr%2Bet%3Dwith%26chars" not in text
