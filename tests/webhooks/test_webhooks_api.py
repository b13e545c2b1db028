"""``/v1/webhooks`` and ``metadata`` through the HTTP API (DESIGN s6, s14)."""

from __future__ import annotations

from standardwebhooks.webhooks import Webhook

from tests.support.stack import Stack
from tests.support.tools_stack import unique
from tests.support.webhook_receiver import WebhookReceiver


def test_subscription_lifecycle(stack: Stack, receiver: WebhookReceiver) -> None:
    """Create (201, secret once), list (no secret), deliveries, delete, then 404s."""
    with stack.api as api:
        created = api.post(
            "/v1/webhooks",
            json={
                "url": receiver.url("api"),
                "events": ["job.failed", "job.failed", "connected_account.deleted"],
                "description": "ops",
            },
        )
        assert created.status_code == 201, created.text
        hook = created.json()["webhook"]
        assert hook["events"] == ["job.failed", "connected_account.deleted"]
        assert hook["secret"].startswith("whsec_")
        Webhook(hook["secret"])  # the library reads our secret format
        listed = [w for w in api.get("/v1/webhooks").json()["webhooks"] if w["id"] == hook["id"]]
        assert len(listed) == 1
        assert "secret" not in listed[0]
        assert listed[0]["description"] == "ops"
        deliveries = api.get(f"/v1/webhooks/{hook['id']}/deliveries", params={"limit": 5})
        assert deliveries.status_code == 200
        assert deliveries.json() == {"deliveries": []}
        assert api.delete(f"/v1/webhooks/{hook['id']}").status_code == 200
        again = api.delete(f"/v1/webhooks/{hook['id']}")
        assert again.status_code == 404
        assert again.json()["error"]["code"] == "webhook_not_found"
        gone = api.get(f"/v1/webhooks/{hook['id']}/deliveries")
        assert gone.status_code == 404


def test_bad_subscriptions_are_422(stack: Stack) -> None:
    """Unknown events, no events, a non-http URL and extra fields are refused with 422."""
    bodies = [
        {"url": "https://example.com/h", "events": ["job.exploded"]},
        {"url": "https://example.com/h", "events": []},
        {"url": "ftp://example.com/h", "events": ["job.failed"]},
        {"url": "https://example.com/h", "events": ["job.failed"], "secret": "mine"},
    ]
    with stack.api as api:
        for body in bodies:
            response = api.post("/v1/webhooks", json=body)
            assert response.status_code == 422, (body, response.text)
        assert api.get("/v1/webhooks/whe_nope/deliveries", params={"limit": 0}).status_code == 422


def test_webhooks_require_an_api_key(stack: Stack) -> None:
    """No bearer key: 401 on every webhook route."""
    import httpx

    assert httpx.get(f"{stack.base_url}/v1/webhooks").status_code == 401


def test_metadata_is_stored_echoed_and_limited(stack: Stack) -> None:
    """metadata comes back on submit and read; > 4 KiB, NUL or a non-object is 422."""
    identifier = unique("whmeta")
    stack.connect(identifier)
    meta = {"trace": "t-1", "tags": ["a", "b"]}
    job = stack.submit(identifier, "hubspot_contacts_list", {}, metadata=meta).json()["job"]
    assert job["metadata"] == meta
    assert stack.wait(job["id"])["metadata"] == meta
    for bad in ({"k": "x" * 5000}, {"k": "a\u0000b"}, ["x"]):
        response = stack.submit(identifier, "hubspot_contacts_list", {}, metadata=bad)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "invalid_request"
    with stack.api as api:
        batch = api.post(
            "/v1/jobs/batch",
            json={
                "jobs": [
                    {
                        "identifier": identifier,
                        "tool_name": "hubspot_contacts_list",
                        "metadata": {"i": 1},
                    },
                    {
                        "identifier": identifier,
                        "tool_name": "hubspot_contacts_list",
                        "metadata": {"k": "x" * 5000},
                    },
                ]
            },
        ).json()["jobs"]
    assert batch[0]["metadata"] == {"i": 1}
    assert batch[1]["error"]["code"] == "invalid_request"
