"""The CRM client's request building and success parsing."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from hubspot_client import HubSpotClient, HubSpotUnauthorized, RateLimitInfo
from tests.unit.hubspot.helpers import ACCESS_TOKEN, API_BASE, Req, answer, crm

CONTACT = {
    "id": "33451",
    "properties": {"email": "lorelai@thedragonfly.com", "hs_object_id": "33451"},
    "createdAt": "2022-06-01T14:31:48.469Z",
    "updatedAt": "2025-07-07T20:27:17.947Z",
    "archived": False,
}
RATE_HEADERS = {
    "X-HubSpot-RateLimit-Max": "110",
    "X-HubSpot-RateLimit-Remaining": "109",
    "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
    "X-HubSpot-Correlation-Id": "11111111-2222-3333-4444-555555555555",
    "Content-Type": "application/json;charset=utf-8",
}


def test_get_sends_bearer_header_and_query_params() -> None:
    """A GET carries ``Authorization: Bearer <token>``, the query string and no body."""
    client, rec = crm(answer(200, CONTACT))
    client.send(
        Req("GET", "/crm/v3/objects/contacts/33451", params={"properties": "email,firstname"}),
        access_token=ACCESS_TOKEN,
    )
    sent = rec.last
    assert sent.method == "GET"
    assert sent.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["User-Agent"] == "hubspot-actions/0.1"
    assert str(sent.url) == f"{API_BASE}/crm/v3/objects/contacts/33451?properties=email%2Cfirstname"
    assert sent.content == b""


def test_post_sends_json_body() -> None:
    """A POST sends its ``json`` as an ``application/json`` body."""
    client, rec = crm(answer(201, CONTACT))
    payload = {"properties": {"email": "jane@acmecorp.com"}}
    client.send(Req("POST", "/crm/v3/objects/contacts", json=payload), access_token=ACCESS_TOKEN)
    assert rec.last.method == "POST"
    assert rec.last.headers["Content-Type"] == "application/json"
    assert json.loads(rec.last.content) == payload
    assert "?" not in str(rec.last.url)


def test_success_parses_body_headers_and_timing() -> None:
    """A 2xx gives the JSON body, the correlation id, the rate-limit headers and a duration."""
    client, _ = crm(answer(200, CONTACT, headers=RATE_HEADERS))
    response = client.send(Req("GET", "/crm/v3/objects/contacts/33451"), access_token=ACCESS_TOKEN)
    assert response.status_code == 200
    assert response.body == CONTACT
    assert response.correlation_id == "11111111-2222-3333-4444-555555555555"
    assert response.rate_limit == RateLimitInfo(max=110, remaining=109, interval_ms=10000)
    assert response.elapsed_ms >= 0


def test_204_has_no_body_and_search_has_no_rate_limit() -> None:
    """A 204 (archive) gives ``body=None``; without rate-limit headers ``rate_limit`` is None."""
    client, _ = crm(answer(204))
    response = client.send(
        Req("DELETE", "/crm/v3/objects/contacts/33451"), access_token=ACCESS_TOKEN
    )
    assert response.status_code == 204
    assert response.body is None
    assert response.rate_limit is None
    assert response.correlation_id is None


def test_api_base_with_a_path_prefix_is_kept() -> None:
    """A base URL with a path (a proxy or sandbox mount) prefixes every request path."""
    rec_client = HubSpotClient(
        api_base="http://127.0.0.1:8090/hs",
        connect_timeout=1,
        read_timeout=1,
        transport=httpx.MockTransport(answer(200, {})),
    )
    with rec_client as client:
        response = client.send(Req("GET", "/crm/v3/pipelines/deals"), access_token=ACCESS_TOKEN)
    assert response.body == {}


@pytest.mark.parametrize("path", ["https://evil.example/steal", "//evil.example/x", "crm/v3"])
def test_non_relative_paths_are_refused_before_sending(path: str) -> None:
    """A path that could send the token to another host raises before any request."""
    client, rec = crm(answer(200, {}))
    with pytest.raises(ValueError, match="must start with a single '/'"):
        client.send(Req("GET", path), access_token=ACCESS_TOKEN)
    assert rec.requests == []


@pytest.mark.parametrize("token", ["", "has space", "line\nbreak", "caf\u00e9"])
def test_malformed_token_is_not_sent(token: str) -> None:
    """A corrupt stored token is reported as unauthorized (so it gets refreshed), not sent."""
    client, rec = crm(answer(200, {}))
    with pytest.raises(HubSpotUnauthorized) as info:
        client.send(Req("GET", "/crm/v3/objects/contacts"), access_token=token)
    assert info.value.status_code is None
    assert rec.requests == []
    if token:
        assert token not in str(info.value)


def test_client_is_shared_by_threads() -> None:
    """Concurrent sends from many threads each carry their own token."""
    seen: list[str] = []
    lock = threading.Lock()

    def respond(request: httpx.Request) -> httpx.Response:
        with lock:
            seen.append(request.headers["Authorization"])
        return httpx.Response(200, json={"ok": True})

    client = HubSpotClient(
        api_base=API_BASE,
        connect_timeout=1,
        read_timeout=1,
        transport=httpx.MockTransport(respond),
        max_connections=4,
    )
    tokens = [f"token-{n}" for n in range(16)]
    threads = [
        threading.Thread(
            target=client.send,
            args=(Req("GET", "/crm/v3/objects/deals"),),
            kwargs={"access_token": t},
        )
        for t in tokens
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()
    assert sorted(seen) == sorted(f"Bearer {t}" for t in tokens)


def test_accepts_the_tools_request_value() -> None:
    """``schemas.tools.HubSpotRequest`` satisfies the client's request protocol (mypy-checked)."""
    from schemas.tools import HubSpotRequest

    client, rec = crm(answer(200, {"results": []}))
    request = HubSpotRequest(method="GET", path="/crm/v3/objects/deals", params={"limit": "10"})
    assert client.send(request, access_token=ACCESS_TOKEN).body == {"results": []}
    assert rec.last.url.params["limit"] == "10"
