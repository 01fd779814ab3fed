"""Where a webhook may send: never to this machine or its private networks (SSRF).

Checked twice: when an endpoint is created or changed (a literal address in its URL), and at
every send against the addresses its host resolves to, so a public name that resolves to
127.0.0.1 (or is changed to, later) is refused too. `MODELYARD_WEBHOOK_ALLOW_PRIVATE=true` turns
both off (a receiver on the same machine or network, in development and tests).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .errors import RegistryError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetForbidden(RegistryError):
    status, type, code = 422, "invalid_request_error", "webhook_target_forbidden"


def forbidden_reason(address: Address) -> str | None:
    """Why a webhook may not be sent to this address, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for reason, flag in (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not globally routable", not address.is_global),
    ):
        if flag:
            return reason
    return None


def literal_address(url: str) -> Address | None:
    """The IP address a URL names literally, or None when it names a host."""
    host = urlsplit(url).hostname or ""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_url(url: str, *, allow_private: bool) -> None:
    """At creation or update: a URL whose literal address is forbidden is a 422."""
    if allow_private:
        return
    address = literal_address(url)
    reason = forbidden_reason(address) if address is not None else None
    if reason is not None:
        raise TargetForbidden(
            f"Webhook targets on {reason} addresses ({address}) are refused "
            "(MODELYARD_WEBHOOK_ALLOW_PRIVATE=true allows them).",
            param="url",
        )
