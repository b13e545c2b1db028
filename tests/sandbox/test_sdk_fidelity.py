"""Fidelity check with HubSpot's own Python SDK (``hubspot-api-client``) as the client.

The SDK is pointed at the sandbox with ``HubSpot(access_token=..., host=base_url)``: its
discovery layer copies every extra keyword onto each generated ``Configuration``, and the
``host`` setter replaces the default ``https://api.hubapi.com`` base path. Its OAuth client
(v1 only in 12.0.0) takes the same ``host``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import (
    ApiException,
    PublicObjectSearchRequest,
    SimplePublicObjectInputForCreate,
)

from tests.support.sandbox_server import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, SandboxServer


def test_sdk_creates_reads_and_searches_contacts(fresh_sandbox: SandboxServer) -> None:
    """The SDK's contacts API round-trips against the sandbox, models and errors included."""
    tokens = fresh_sandbox.connect().tokens
    client: Any = HubSpot(access_token=tokens.access_token, host=fresh_sandbox.base_url)
    contacts = client.crm.contacts
    created = contacts.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "jane@acmecorp.com", "firstname": "Jane"}
        )
    )
    assert created.properties["email"] == "jane@acmecorp.com"
    read = contacts.basic_api.get_by_id(created.id, properties=["firstname", "jobtitle"])
    assert read.properties["firstname"] == "Jane"
    assert read.properties["jobtitle"] is None
    found = contacts.search_api.do_search(PublicObjectSearchRequest(query="acmecorp", limit=10))
    assert found.total == 1
    assert found.results[0].id == created.id
    with pytest.raises(ApiException) as conflict:
        contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": "jane@acmecorp.com"})
        )
    assert conflict.value.status == 409
    assert f"Existing ID: {created.id}" in conflict.value.body


def test_sdk_pipelines_and_properties(fresh_sandbox: SandboxServer) -> None:
    """The SDK parses the pipelines and property definitions the sandbox serves."""
    tokens = fresh_sandbox.connect().tokens
    client: Any = HubSpot(access_token=tokens.access_token, host=fresh_sandbox.base_url)
    pipelines = client.crm.pipelines.pipelines_api.get_all("deals")
    assert pipelines.results[0].id == "default"
    stage = client.crm.properties.core_api.get_by_name("deals", "dealstage")
    assert stage.options[0].value == "appointmentscheduled"


def test_sdk_oauth_exchanges_a_code(fresh_sandbox: SandboxServer) -> None:
    """The SDK's (v1) OAuth client exchanges a consent code at the sandbox."""
    control = fresh_sandbox.control
    control.register_app()
    hub_id = control.create_portal()
    code = parse_qs(urlsplit(control.consent(hub_id=hub_id)).query)["code"][0]
    client: Any = HubSpot(host=fresh_sandbox.base_url)
    tokens = client.oauth.tokens_api.create(
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    assert tokens.expires_in == 1800
    assert tokens.refresh_token.startswith("na1-")
