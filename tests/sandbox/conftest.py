"""Fixtures for the sandbox's own tests: one server per session, reset before each test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.sandbox_server import SandboxServer, TokenSet, fresh_sandbox, sandbox_server

__all__ = ["Crm", "crm", "fresh_sandbox", "sandbox_server"]


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


@pytest.fixture
def crm(fresh_sandbox: SandboxServer) -> Crm:
    """A connected portal with every tool scope, HubSpot's rate limits switched off."""
    connection = fresh_sandbox.connect()
    fresh_sandbox.control.set_limits(burst_per_10s=0, search_per_second=0)
    return Crm(fresh_sandbox, connection.tokens)
