"""`/v1/webhooks`: endpoints that receive the organization's audit events (admin scope)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from modelyard.registry.webhooks import webhook_body
from modelyard.types.webhooks import (
    Webhook,
    WebhookCreated,
    WebhookCreateIn,
    WebhookDeleted,
    WebhookDelivery,
    WebhookDeliveryList,
    WebhookList,
    WebhookSecret,
    WebhookUpdateIn,
)

from ..answers import Answer, json_answer, list_answer
from ..operations import PATH, Call, Operations, Params

operations = Operations("webhooks")


class WebhookRef(Params):
    webhook_id: Annotated[str, PATH, Field(max_length=64)]


class DeliveriesParams(WebhookRef):
    limit: Annotated[int, Field(ge=1, le=1000, description="Newest first.")] = 100


class DeliveryRef(WebhookRef):
    delivery_id: Annotated[str, PATH, Field(max_length=64)]


@operations(
    "POST",
    "/v1/webhooks",
    scope="admin",
    body=WebhookCreateIn,
    operation_id="create_webhook",
    summary="Create Webhook",
    status_code=201,
    responses={201: WebhookCreated},
)
async def create_webhook(call: Call[None, WebhookCreateIn]) -> Answer:
    webhook = await call.write(call.services.webhooks.create, call.principal, call.body)
    return json_answer({**webhook_body(webhook), "secret": webhook.secret}, 201)


@operations(
    "GET",
    "/v1/webhooks",
    scope="admin",
    operation_id="list_webhooks",
    summary="List Webhooks",
    responses={200: WebhookList},
)
def list_webhooks(call: Call[None, None]) -> Answer:
    found = call.read(call.services.webhooks.list, call.principal)
    return list_answer([webhook_body(each) for each in found])


@operations(
    "GET",
    "/v1/webhooks/{webhook_id}",
    scope="admin",
    params=WebhookRef,
    operation_id="get_webhook",
    errors=(404,),
    summary="Get Webhook",
    responses={200: Webhook},
)
def get_webhook(call: Call[WebhookRef, None]) -> Answer:
    found = call.read(call.services.webhooks.get, call.principal, call.params.webhook_id)
    return json_answer(webhook_body(found))


@operations(
    "PATCH",
    "/v1/webhooks/{webhook_id}",
    scope="admin",
    params=WebhookRef,
    body=WebhookUpdateIn,
    operation_id="update_webhook",
    errors=(404,),
    summary="Update Webhook",
    responses={200: Webhook},
)
async def update_webhook(call: Call[WebhookRef, WebhookUpdateIn]) -> Answer:
    webhooks = call.services.webhooks
    found = await call.write(webhooks.update, call.principal, call.params.webhook_id, call.body)
    return json_answer(webhook_body(found))


@operations(
    "DELETE",
    "/v1/webhooks/{webhook_id}",
    scope="admin",
    params=WebhookRef,
    operation_id="delete_webhook",
    errors=(404,),
    summary="Delete Webhook",
    responses={200: WebhookDeleted},
)
async def delete_webhook(call: Call[WebhookRef, None]) -> Answer:
    webhooks = call.services.webhooks
    return json_answer(await call.write(webhooks.delete, call.principal, call.params.webhook_id))


@operations(
    "POST",
    "/v1/webhooks/{webhook_id}/secret",
    scope="admin",
    params=WebhookRef,
    operation_id="rotate_webhook_secret",
    errors=(404,),
    summary="Rotate Webhook Secret",
    responses={200: WebhookSecret},
)
async def rotate_webhook_secret(call: Call[WebhookRef, None]) -> Answer:
    webhooks = call.services.webhooks
    rotated = await call.write(webhooks.rotate_secret, call.principal, call.params.webhook_id)
    return json_answer(rotated)


@operations(
    "GET",
    "/v1/webhooks/{webhook_id}/deliveries",
    scope="admin",
    params=DeliveriesParams,
    operation_id="list_webhook_deliveries",
    errors=(404,),
    summary="List Webhook Deliveries",
    responses={200: WebhookDeliveryList},
)
def list_webhook_deliveries(call: Call[DeliveriesParams, None]) -> Answer:
    params = call.params
    page = call.read(
        call.services.webhooks.deliveries, call.principal, params.webhook_id, limit=params.limit
    )
    return json_answer(page)


@operations(
    "POST",
    "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    scope="admin",
    params=DeliveryRef,
    operation_id="redeliver_webhook_delivery",
    errors=(404,),
    summary="Redeliver Webhook Delivery",
    responses={200: WebhookDelivery},
)
async def redeliver_webhook_delivery(call: Call[DeliveryRef, None]) -> Answer:
    params = call.params
    again = await call.write(
        call.services.webhooks.redeliver, call.principal, params.webhook_id, params.delivery_id
    )
    return json_answer(again)


@operations(
    "POST",
    "/v1/webhooks/{webhook_id}/ping",
    scope="admin",
    params=WebhookRef,
    operation_id="ping_webhook",
    errors=(404,),
    summary="Ping Webhook",
    responses={200: WebhookDelivery},
)
async def ping_webhook(call: Call[WebhookRef, None]) -> Answer:
    webhooks = call.services.webhooks
    return json_answer(await call.write(webhooks.ping, call.principal, call.params.webhook_id))
