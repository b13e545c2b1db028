"""Webhook URL validation (DESIGN s14): schemes everywhere, addresses in production."""

from __future__ import annotations

import pytest

from core.webhook_urls import WebhookUrlRefused, check_webhook_url, is_public_address


class resolving_to:  # noqa: N801 (reads as a function at the call sites)
    """A resolver answering fixed addresses, recording what it was asked."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = list(addresses)
        self.asked: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        return list(self.addresses)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "file:///etc/passwd", "example.com/hook", "http://", "http://a b.com"],
)
def test_only_http_urls_with_a_host_are_accepted(url: str) -> None:
    """Non-http(s) schemes, missing hosts and whitespace are refused even outside production."""
    with pytest.raises(WebhookUrlRefused):
        check_webhook_url(url, production=False, resolver=resolving_to("93.184.216.34"))


def test_credentials_in_the_url_are_refused() -> None:
    """user:password@ in a webhook URL is refused (it would be logged and shown)."""
    with pytest.raises(WebhookUrlRefused, match="credentials"):
        check_webhook_url("https://u:p@example.com/h", production=False)


def test_outside_production_loopback_is_allowed_without_resolving() -> None:
    """Local receivers work in development: no DNS lookup, no address check."""
    resolver = resolving_to()
    check_webhook_url("http://127.0.0.1:9000/hook", production=False, resolver=resolver)
    assert resolver.asked == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::5",
        "::ffff:127.0.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "100.64.0.1",
    ],
)
def test_production_refuses_names_resolving_to_non_public_addresses(address: str) -> None:
    """In production a host resolving to a private, loopback, link-local or reserved IP fails."""
    with pytest.raises(WebhookUrlRefused, match="refused in production"):
        check_webhook_url(
            "https://hooks.example.com/x", production=True, resolver=resolving_to(address)
        )


def test_production_refuses_when_any_resolved_address_is_private() -> None:
    """One private address among public ones is enough to refuse (DNS rebinding)."""
    with pytest.raises(WebhookUrlRefused, match=r"10\.0\.0\.7"):
        check_webhook_url(
            "https://hooks.example.com/x",
            production=True,
            resolver=resolving_to("93.184.216.34", "10.0.0.7"),
        )


def test_production_accepts_public_addresses_and_resolves_the_right_port() -> None:
    """A public address passes; the resolver is asked for the URL's host and default port."""
    resolver = resolving_to("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946")
    check_webhook_url("https://hooks.example.com/x", production=True, resolver=resolver)
    check_webhook_url("http://hooks.example.com:8080/x", production=True, resolver=resolver)
    assert resolver.asked == [("hooks.example.com", 443), ("hooks.example.com", 8080)]


def test_production_refuses_literal_private_ips_and_unresolvable_hosts() -> None:
    """A literal 127.0.0.1 (resolved to itself) and a host with no address are refused."""
    with pytest.raises(WebhookUrlRefused):
        check_webhook_url("http://127.0.0.1/x", production=True, resolver=resolving_to("127.0.0.1"))
    with pytest.raises(WebhookUrlRefused, match="does not resolve"):
        check_webhook_url("https://nowhere.example/x", production=True, resolver=resolving_to())


def test_is_public_address_rejects_garbage() -> None:
    """A string that is not an IP address is never public."""
    assert is_public_address("not-an-ip") is False
    assert is_public_address("8.8.8.8") is True
