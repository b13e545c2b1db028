"""Which URLs a webhook may be sent to (DESIGN.md s14).

Only ``http``/``https``. In production, no address the server itself could reach privately:
loopback, private (RFC 1918, unique-local), link-local (cloud metadata at 169.254.169.254),
multicast, unspecified or reserved. The host is resolved first and *every* address it resolves to
is checked, at registration and again before each delivery: a name that pointed at a public
address when it was registered may point at ``127.0.0.1`` tomorrow (DNS rebinding). Outside
production anything http(s) goes, so local receivers (``http://127.0.0.1:...``) work in tests and
in ``hubspot-actions run``.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from core.errors import InvalidRequest

#: Host and port to the IP addresses they resolve to (injectable: tests give a fake resolver).
Resolver = Callable[[str, int], list[str]]


class WebhookUrlRefused(InvalidRequest):
    """The URL is not one we send events to; the message says why."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (both families), via the system resolver."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookUrlRefused(f"url: the host {host!r} does not resolve ({exc})") from None
    return sorted({str(info[4][0]) for info in infos})


def check_webhook_url(url: str, *, production: bool, resolver: Resolver = system_resolver) -> None:
    """Raise ``WebhookUrlRefused`` unless events may be sent to ``url``."""
    if any(ch.isspace() for ch in url) or not url.isprintable():
        raise WebhookUrlRefused("url: must not contain whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookUrlRefused(f"url: not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlRefused("url: must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise WebhookUrlRefused("url: must not carry credentials")
    if not production:
        return
    host = parts.hostname
    addresses = resolver(host, port or (443 if parts.scheme == "https" else 80))
    if not addresses:
        raise WebhookUrlRefused(f"url: the host {host!r} does not resolve")
    for address in addresses:
        if not is_public_address(address):
            raise WebhookUrlRefused(
                f"url: {host!r} resolves to {address}, a loopback, private, link-local or "
                "reserved address (refused in production)"
            )


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address (IPv4-mapped IPv6 judged as IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)
