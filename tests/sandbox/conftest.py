"""Fixtures for the sandbox's own tests: one server per session, reset before each test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hubspot import HubSpot

from tests.support.sandbox_server import (
    ALL_SCOPES,
    SandboxServer,
    TokenSet,
    fresh_sandbox,
    sandbox_server,
)

__all__ = ["Crm", "crm", "fresh_sandbox", "sandbox_server", "schema_crm"]

#: The scopes that let a token create properties and deal pipelines (facts 4.2, 5b).
SCHEMA_WRITE_SCOPES: tuple[str, ...] = (
    "crm.schemas.contacts.write",
    "crm.schemas.companies.write",
    "crm.schemas.deals.write",
)


@dataclass
class Crm:
    """An authenticated CRM client on a freshly connected portal (limits off)."""

    server: SandboxServer
    tokens: TokenSet

    @property
    def hub_id(self) -> int:
        """The connected portal."""
        return self.tokens.hub_id

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One authenticated request."""
        headers = {**self.tokens.headers, **kwargs.pop("headers", {})}
        return self.server.http.request(method, path, headers=headers, **kwargs)

    def create(self, object_type: str, **properties: Any) -> dict[str, Any]:
        """Create a record and answer its JSON (asserting 201)."""
        response = self.call(
            "POST", f"/crm/v3/objects/{object_type}", json={"properties": properties}
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def search(self, object_type: str, **body: Any) -> httpx.Response:
        """One search call."""
        return self.call("POST", f"/crm/v3/objects/{object_type}/search", json=body)

    def sdk(self) -> Any:
        """HubSpot's official SDK on this portal, checking every model it builds (enums and
        required fields), which the SDK skips by default."""
        return HubSpot(
            access_token=self.tokens.access_token,
            host=self.server.base_url,
            client_side_validation=True,
        )


@pytest.fixture
def crm(fresh_sandbox: SandboxServer) -> Crm:
    """A connected portal with every tool scope, HubSpot's rate limits switched off."""
    connection = fresh_sandbox.connect()
    fresh_sandbox.control.set_limits(burst_per_10s=0, search_per_second=0)
    return Crm(fresh_sandbox, connection.tokens)


@pytest.fixture
def schema_crm(fresh_sandbox: SandboxServer) -> Crm:
    """Like ``crm``, with the scopes to create custom properties and deal pipelines."""
    connection = fresh_sandbox.connect(scopes=ALL_SCOPES + SCHEMA_WRITE_SCOPES)
    fresh_sandbox.control.set_limits(burst_per_10s=0, search_per_second=0)
    return Crm(fresh_sandbox, connection.tokens)
