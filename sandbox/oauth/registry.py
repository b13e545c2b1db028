"""Apps (what a developer registers) and portals (HubSpot accounts that install them).

An app's ``scopes`` are its required scopes and ``optional_scopes`` the ones it may ask for with
``optional_scope`` (facts 1.2). A portal's ``lacks_scopes`` are features the account does not
have: asking for one as required is refused, asking for it as optional silently drops it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.errors import ControlError


@dataclass(frozen=True, slots=True)
class App:
    """A registered public app."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    optional_scopes: tuple[str, ...]
    app_id: int

    def view(self) -> dict[str, Any]:
        """The control API's answer (never the secret)."""
        return {
            "client_id": self.client_id,
            "app_id": self.app_id,
            "redirect_uris": list(self.redirect_uris),
            "scopes": list(self.scopes),
            "optional_scopes": list(self.optional_scopes),
        }


@dataclass(frozen=True, slots=True)
class Portal:
    """A HubSpot account; ``user_id`` is the (single) user who installs apps on it."""

    hub_id: int
    lacks_scopes: frozenset[str]
    user_id: int

    @property
    def domain(self) -> str:
        """The ``hub_domain`` token metadata reports."""
        return f"portal-{self.hub_id}.sandbox.example.com"

    @property
    def user(self) -> str:
        """The installing user's email, as token metadata reports it."""
        return f"admin@{self.domain}"


class Registry:
    """All apps by client id and all portals by hub id."""

    def __init__(self, *, first_hub_id: int) -> None:
        self.apps: dict[str, App] = {}
        self.portals: dict[int, Portal] = {}
        #: The next ids handed out (public so the state can be persisted and restored).
        self.next_hub_id = first_hub_id
        self.next_app_id = 3000001

    def register_app(self, spec: dict[str, Any]) -> App:
        """Create an app, or replace the one with the same ``client_id`` (keeping its app id)."""
        try:
            client_id = _text(spec["client_id"])
            secret = _text(spec["client_secret"])
            redirect_uris = _texts(spec["redirect_uris"])
            scopes = _texts(spec.get("scopes", []))
            optional = _texts(spec.get("optional_scopes", []))
        except (KeyError, TypeError) as exc:
            raise ControlError(422, f"invalid app: {exc!s}", "invalid_app") from exc
        previous = self.apps.get(client_id)
        if previous is None:
            app_id = self.next_app_id
            self.next_app_id += 1
        else:
            app_id = previous.app_id
        app = App(client_id, secret, redirect_uris, scopes, optional, app_id)
        self.apps[client_id] = app
        return app

    def create_portal(self, spec: dict[str, Any]) -> Portal:
        """Create a portal (or redefine the features of an existing hub id)."""
        try:
            lacks = frozenset(_texts(spec.get("lacks_scopes") or []))
            wanted = spec.get("hub_id")
            hub_id = self._allocate() if wanted is None else int(wanted)
        except (TypeError, ValueError) as exc:
            raise ControlError(422, f"invalid portal: {exc!s}", "invalid_portal") from exc
        if hub_id <= 0:
            raise ControlError(422, "invalid portal: hub_id must be positive", "invalid_portal")
        portal = Portal(hub_id, lacks, user_id=hub_id % 1000000 + 9000000)
        self.portals[hub_id] = portal
        return portal

    def portal(self, hub_id: int) -> Portal | None:
        """The portal with this hub id, if it exists."""
        return self.portals.get(hub_id)

    def _allocate(self) -> int:
        while self.next_hub_id in self.portals:
            self.next_hub_id += 1
        hub_id = self.next_hub_id
        self.next_hub_id += 1
        return hub_id


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("expected a non-empty string")
    return value


def _texts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.split())
    if not isinstance(value, list):
        raise TypeError("expected a list of strings")
    return tuple(_text(item) for item in value)
