"""`yard.webhooks`: the organization's webhook endpoints and their deliveries (admin scope)."""

from __future__ import annotations

import functools
from typing import Unpack

from ...types.webhooks import (
    Webhook,
    WebhookCreated,
    WebhookDeleted,
    WebhookDelivery,
    WebhookDeliveryList,
    WebhookList,
    WebhookSecret,
)
from .. import _operations as op
from .._params import (
    CreateWebhookParams,
    ListWebhookDeliveriesParams,
    RequestOptions,
    UpdateWebhookParams,
)
from .._raw import raw_twins
from ._resource import Resource


class Webhooks(Resource):
    """Endpoints that receive the organization's audit events, signed (docs/webhooks.md); an
    endpoint's secret is only in `create`'s and `rotate_secret`'s results."""

    # The same methods, each returning a `RawResponse` with the headers.
    with_raw_response = functools.cached_property(lambda self: WebhooksWithRawResponse(self))

    def create(self, *, url: str, **params: Unpack[CreateWebhookParams]) -> WebhookCreated:
        """Subscribe `url`; `.secret` (`whsec_...`) verifies the deliveries, shown only here."""
        outcome = self._yard._send(op.create_webhook(url, params), params)
        return op.read(WebhookCreated, outcome)

    async def create_async(
        self, *, url: str, **params: Unpack[CreateWebhookParams]
    ) -> WebhookCreated:
        """Subscribe `url`; `.secret` (`whsec_...`) verifies the deliveries, shown only here."""
        outcome = await self._yard._send_async(op.create_webhook(url, params), params)
        return op.read(WebhookCreated, outcome)

    def list(self, **options: Unpack[RequestOptions]) -> WebhookList:
        """The organization's endpoints (never their secrets)."""
        return op.read(WebhookList, self._yard._send(op.list_webhooks(), options))

    async def list_async(self, **options: Unpack[RequestOptions]) -> WebhookList:
        """The organization's endpoints (never their secrets)."""
        return op.read(WebhookList, await self._yard._send_async(op.list_webhooks(), options))

    def get(self, *, webhook_id: str, **options: Unpack[RequestOptions]) -> Webhook:
        """One endpoint; `disabled_reason` says why its circuit opened, if it did."""
        return op.read(Webhook, self._yard._send(op.get_webhook(webhook_id), options))

    async def get_async(self, *, webhook_id: str, **options: Unpack[RequestOptions]) -> Webhook:
        """One endpoint; `disabled_reason` says why its circuit opened, if it did."""
        outcome = await self._yard._send_async(op.get_webhook(webhook_id), options)
        return op.read(Webhook, outcome)

    def update(self, *, webhook_id: str, **params: Unpack[UpdateWebhookParams]) -> Webhook:
        """Change the keys given (`url`, `events`, `description`, `enabled`)."""
        outcome = self._yard._send(op.update_webhook(webhook_id, params), params)
        return op.read(Webhook, outcome)

    async def update_async(
        self, *, webhook_id: str, **params: Unpack[UpdateWebhookParams]
    ) -> Webhook:
        """Change the keys given (`url`, `events`, `description`, `enabled`)."""
        outcome = await self._yard._send_async(op.update_webhook(webhook_id, params), params)
        return op.read(Webhook, outcome)

    def delete(self, *, webhook_id: str, **options: Unpack[RequestOptions]) -> WebhookDeleted:
        """Remove an endpoint and its delivery log."""
        return op.read(WebhookDeleted, self._yard._send(op.delete_webhook(webhook_id), options))

    async def delete_async(
        self, *, webhook_id: str, **options: Unpack[RequestOptions]
    ) -> WebhookDeleted:
        """Remove an endpoint and its delivery log."""
        outcome = await self._yard._send_async(op.delete_webhook(webhook_id), options)
        return op.read(WebhookDeleted, outcome)

    def rotate_secret(self, *, webhook_id: str, **options: Unpack[RequestOptions]) -> WebhookSecret:
        """A new secret (shown only here); the next deliveries are signed with it."""
        outcome = self._yard._send(op.rotate_webhook_secret(webhook_id), options)
        return op.read(WebhookSecret, outcome)

    async def rotate_secret_async(
        self, *, webhook_id: str, **options: Unpack[RequestOptions]
    ) -> WebhookSecret:
        """A new secret (shown only here); the next deliveries are signed with it."""
        outcome = await self._yard._send_async(op.rotate_webhook_secret(webhook_id), options)
        return op.read(WebhookSecret, outcome)

    def deliveries(
        self, *, webhook_id: str, **params: Unpack[ListWebhookDeliveriesParams]
    ) -> WebhookDeliveryList:
        """The endpoint's delivery log, newest first: status, attempts, the last answer."""
        outcome = self._yard._send(op.list_webhook_deliveries(webhook_id, params), params)
        return op.read(WebhookDeliveryList, outcome)

    async def deliveries_async(
        self, *, webhook_id: str, **params: Unpack[ListWebhookDeliveriesParams]
    ) -> WebhookDeliveryList:
        """The endpoint's delivery log, newest first: status, attempts, the last answer."""
        call = op.list_webhook_deliveries(webhook_id, params)
        return op.read(WebhookDeliveryList, await self._yard._send_async(call, params))

    def redeliver(
        self, *, webhook_id: str, delivery_id: str, **options: Unpack[RequestOptions]
    ) -> WebhookDelivery:
        """Send a delivery again, now, with its `webhook-id`."""
        call = op.redeliver_webhook_delivery(webhook_id, delivery_id)
        return op.read(WebhookDelivery, self._yard._send(call, options))

    async def redeliver_async(
        self, *, webhook_id: str, delivery_id: str, **options: Unpack[RequestOptions]
    ) -> WebhookDelivery:
        """Send a delivery again, now, with its `webhook-id`."""
        call = op.redeliver_webhook_delivery(webhook_id, delivery_id)
        return op.read(WebhookDelivery, await self._yard._send_async(call, options))

    def ping(self, *, webhook_id: str, **options: Unpack[RequestOptions]) -> WebhookDelivery:
        """Send a `webhook.ping` delivery (see it in `deliveries`)."""
        return op.read(WebhookDelivery, self._yard._send(op.ping_webhook(webhook_id), options))

    async def ping_async(
        self, *, webhook_id: str, **options: Unpack[RequestOptions]
    ) -> WebhookDelivery:
        """Send a `webhook.ping` delivery (see it in `deliveries`)."""
        outcome = await self._yard._send_async(op.ping_webhook(webhook_id), options)
        return op.read(WebhookDelivery, outcome)


class WebhooksWithRawResponse:
    """`yard.webhooks.with_raw_response`: each method returns `RawResponse[its result]`."""

    def __init__(self, webhooks: Webhooks) -> None:
        self.create, self.create_async = raw_twins(webhooks.create, webhooks.create_async)
        self.list, self.list_async = raw_twins(webhooks.list, webhooks.list_async)
        self.get, self.get_async = raw_twins(webhooks.get, webhooks.get_async)
        self.update, self.update_async = raw_twins(webhooks.update, webhooks.update_async)
        self.delete, self.delete_async = raw_twins(webhooks.delete, webhooks.delete_async)
        self.rotate_secret, self.rotate_secret_async = raw_twins(
            webhooks.rotate_secret, webhooks.rotate_secret_async
        )
        self.deliveries, self.deliveries_async = raw_twins(
            webhooks.deliveries, webhooks.deliveries_async
        )
        self.redeliver, self.redeliver_async = raw_twins(
            webhooks.redeliver, webhooks.redeliver_async
        )
        self.ping, self.ping_async = raw_twins(webhooks.ping, webhooks.ping_async)
