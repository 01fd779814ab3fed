"""`yard.webhooks` against a real server process, sync and async, on both dialects: the secret
once, the merge patch, rotation, ping, the delivery log, redeliver and the errors."""

from __future__ import annotations

import time

import pytest

from modelyard import (
    HTTPValidationError,
    NotFoundError,
    SDKError,
    Webhook,
    WebhookCreated,
    WebhookDelivery,
)
from tests.sdk.test_live_extensions import MODES, yard_of
from tests.support.server import LiveServer

# Never resolves (RFC 2606): every attempt fails at once, which the delivery log shows.
TARGET = "https://hooks.example.test/modelyard"


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_a_webhook_from_creation_to_deletion(mode: str, live_server: LiveServer) -> None:
    with yard_of(mode, live_server) as yard:
        created = yard.webhooks.create(url=TARGET, events=["model.updated"], description="ci")
        try:
            assert isinstance(created, WebhookCreated)
            assert created.secret.startswith("whsec_")
            fetched = yard.webhooks.get(webhook_id=created.id)
            assert isinstance(fetched, Webhook)
            assert fetched.events == ["model.updated"]
            assert created.id in [each.id for each in yard.webhooks.list().data]
            updated = yard.webhooks.update(
                webhook_id=created.id, description=None, events=["model.deleted", "alias.set"]
            )
            assert (updated.description, updated.events) == (None, ["model.deleted", "alias.set"])
            assert yard.webhooks.update(webhook_id=created.id).events == updated.events
            rotated = yard.webhooks.rotate_secret(webhook_id=created.id)
            assert rotated.secret != created.secret
            ping = yard.webhooks.ping(webhook_id=created.id)
            assert isinstance(ping, WebhookDelivery)
            assert ping.type == "webhook.ping"
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                (logged,) = yard.webhooks.deliveries(webhook_id=created.id, limit=10).data
                if logged.attempts:
                    break
                time.sleep(0.1)
            assert logged.id == ping.id
            assert logged.error is not None  # the host does not resolve
            again = yard.webhooks.redeliver(webhook_id=created.id, delivery_id=ping.id)
            assert (again.id, again.status, again.attempts) == (ping.id, "pending", 0)
        finally:
            deleted = yard.webhooks.delete(webhook_id=created.id)
        assert deleted.deleted is True
        with pytest.raises(NotFoundError) as missing:
            yard.webhooks.get(webhook_id=created.id)
    assert missing.value.code == "webhook_not_found"


def test_refusals_reach_the_caller_typed(mode: str, live_server: LiveServer) -> None:
    with yard_of(mode, live_server) as yard:
        with pytest.raises(SDKError) as forbidden:
            yard.webhooks.create(url="http://169.254.169.254/latest")
        with pytest.raises((HTTPValidationError, SDKError)) as invalid:
            yard.webhooks.create(url=TARGET, events=["model.exploded"])  # type: ignore[list-item]
    assert forbidden.value.status_code == 422
    assert forbidden.value.code == "webhook_target_forbidden"
    assert invalid.value.status_code == 422
