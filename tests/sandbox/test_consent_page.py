"""The HTML authorization page: a real form a browser can submit, and HubSpot's error page."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.support.sandbox_server import ALL_SCOPES, CLIENT_ID, REDIRECT_URI, SandboxServer


class _Form(HTMLParser):
    """Collects what a browser would submit: inputs, the select's options and the buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.method = ""
        self.fields: dict[str, str] = {}
        self.options: list[str] = []
        self.buttons: dict[str, str] = {}
        self._button: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action, self.method = found["action"], found["method"]
        elif tag == "input":
            self.fields[found["name"]] = found.get("value", "")
        elif tag == "option":
            self.options.append(found["value"])
        elif tag == "button":
            self._button = found["value"]

    def handle_data(self, data: str) -> None:
        if self._button is not None and data.strip():
            self.buttons[data.strip()] = self._button
            self._button = None


def _authorize_url(**overrides: str) -> str:
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": " ".join(ALL_SCOPES),
        "state": "xyz",
        **overrides,
    }
    return "/oauth/authorize?" + str(httpx.QueryParams(params))


def _page(server: SandboxServer, url: str) -> _Form:
    response = server.http.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    form = _Form()
    form.feed(response.text)
    return form


def test_consent_page_connect_submits_to_the_app(fresh_sandbox: SandboxServer) -> None:
    """The page's form, submitted with "Connect app", redirects to the app with code and state."""
    fresh_sandbox.control.register_app()
    hub_id = fresh_sandbox.control.create_portal()
    form = _page(fresh_sandbox, _authorize_url())
    assert (form.action, form.method) == ("/oauth/authorize", "post")
    assert set(form.buttons) == {"Connect app", "Deny"}
    assert form.options == [str(hub_id), "new"]
    data = {**form.fields, "hub_id": str(hub_id), "action": form.buttons["Connect app"]}
    response = fresh_sandbox.http.post(form.action, data=data)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["xyz"]
    tokens = fresh_sandbox.exchange_code(response.headers["location"])
    assert tokens.hub_id == hub_id


def test_consent_page_deny(fresh_sandbox: SandboxServer) -> None:
    """ "Deny" redirects with ``error=access_denied`` and the state."""
    fresh_sandbox.control.register_app()
    form = _page(fresh_sandbox, _authorize_url())
    data = {**form.fields, "hub_id": "new", "action": form.buttons["Deny"]}
    response = fresh_sandbox.http.post(form.action, data=data)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["xyz"]


def test_new_test_account_option_creates_a_portal(fresh_sandbox: SandboxServer) -> None:
    """Choosing "New test account" creates a portal and installs the app there."""
    fresh_sandbox.control.register_app()
    form = _page(fresh_sandbox, _authorize_url(state=""))
    response = fresh_sandbox.http.post(
        form.action, data={**form.fields, "hub_id": "new", "action": "connect"}
    )
    location = response.headers["location"]
    assert "state" not in parse_qs(urlsplit(location).query)
    assert fresh_sandbox.exchange_code(location).hub_id > 0


def test_refused_requests_show_the_error_page(fresh_sandbox: SandboxServer) -> None:
    """Unknown client, bad redirect URI and missing scopes show an error page, never a redirect."""
    fresh_sandbox.control.register_app()
    cases = {
        _authorize_url(client_id="nobody"): "unknown_client",
        _authorize_url(redirect_uri="https://evil.example/cb"): "bad_redirect_uri",
        _authorize_url(scope="oauth"): "insufficient_scopes",
    }
    for url, code in cases.items():
        response = fresh_sandbox.http.get(url)
        assert response.status_code == 400
        assert "location" not in response.headers
        assert f'data-error-code="{code}"' in response.text
        assert "Couldn" in response.text
    assert (
        "Insufficient scopes were provided"
        in fresh_sandbox.http.get(_authorize_url(scope="oauth")).text
    )


def test_portal_lacking_features_fails_on_submit(fresh_sandbox: SandboxServer) -> None:
    """A portal without a required feature gets HubSpot's "doesn't have access" page."""
    fresh_sandbox.control.register_app()
    hub_id = fresh_sandbox.control.create_portal(lacks_scopes=["crm.objects.deals.write"])
    form = _page(fresh_sandbox, _authorize_url())
    response = fresh_sandbox.http.post(
        form.action, data={**form.fields, "hub_id": str(hub_id), "action": "connect"}
    )
    assert response.status_code == 400
    assert "doesn&#x27;t have access to some HubSpot features" in response.text
