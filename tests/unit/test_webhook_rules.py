"""Webhook rules that need no store: which addresses are refused, the retry schedule, the
payload's shape, and the send-time check of where a host resolves."""

from __future__ import annotations

import asyncio
import ipaddress
import random

import orjson
import pytest

from modelyard.registry import webhooks
from modelyard.registry.targets import TargetForbidden, check_url, forbidden_reason
from modelyard.server.webhook_dispatcher import Dispatcher, Refused
from modelyard.settings import Settings
from modelyard.store import records


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not globally routable"),
        ("::ffff:127.0.0.1", "loopback"),
    ],
)
def test_private_and_special_addresses_are_refused(address: str, reason: str):
    assert forbidden_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_are_allowed(address: str):
    assert forbidden_reason(ipaddress.ip_address(address)) is None


def test_a_literal_private_url_is_refused_unless_allowed():
    with pytest.raises(TargetForbidden) as refused:
        check_url("http://[::1]:8000/hook", allow_private=False)
    assert refused.value.code == "webhook_target_forbidden"
    assert refused.value.status == 422
    check_url("http://[::1]:8000/hook", allow_private=True)
    check_url("https://localhost/hook", allow_private=False)  # a name: checked at send time


def test_retries_back_off_from_seconds_to_hours_then_give_up():
    rng = random.Random(1)
    delays = [webhooks.retry_delay(n, 5.0, rng) for n in range(1, 10)]
    assert delays[-1] is None
    waits = [delay for delay in delays if delay is not None]
    assert len(waits) == 8
    for wait, step in zip(waits, (5, 30, 120, 600, 3600, 10800, 21600, 43200), strict=True):
        assert step * 0.8 <= wait <= step * 1.2
    assert 20 * 3600 < sum(waits) < 26 * 3600


def test_the_payload_is_the_audit_event_with_its_type_and_time():
    event = records.AuditEvent(
        7, 1_767_225_600, "org", "ws", "model.updated", "key", "ft:x", {"a": 1}, {"a": 2}, "r"
    )
    delivery = records.Delivery(
        1, "msg_1", "wh_1", 7, "model.updated", "ft:x", "pending", 0, 0, 0, 0, *[None] * 5
    )
    payload = orjson.loads(
        webhooks.delivery_payload(records.ClaimedDelivery(delivery, "u", "s", event))
    )
    assert payload["type"] == "model.updated"
    assert payload["timestamp"] == "2026-01-01T00:00:00Z"
    assert payload["data"]["object"] == "audit.event"
    assert payload["data"]["id"] == 7
    assert payload["data"]["after"] == {"a": 2}


def test_a_host_resolving_to_loopback_is_refused_at_send_time():
    dispatcher = Dispatcher(None, Settings(webhook_allow_private=False))  # type: ignore[arg-type]
    with pytest.raises(Refused, match="loopback"):
        asyncio.run(dispatcher._target("http://localhost:8000/hook"))
    with pytest.raises(Refused, match="does not resolve"):
        asyncio.run(dispatcher._target("https://hooks.example.test/hook"))


def test_a_public_target_is_pinned_to_the_checked_address():
    dispatcher = Dispatcher(None, Settings(webhook_allow_private=False))  # type: ignore[arg-type]
    url, headers, extensions = asyncio.run(
        dispatcher._target("https://93.184.216.34:8443/hook?x=1")
    )
    assert url == "https://93.184.216.34:8443/hook?x=1"
    assert headers == {"host": "93.184.216.34:8443"}
    assert extensions == {"sni_hostname": "93.184.216.34"}
