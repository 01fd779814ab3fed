"""Operational endpoints: liveness, readiness (no key), metrics (a token when configured)."""

from __future__ import annotations

import secrets
from typing import Annotated

from pydantic import Field

from modelyard.registry.errors import StoreUnavailable, Unauthorized

from ..answers import Answer, json_answer
from ..metrics import CONTENT_TYPE, exposition
from ..operations import HEADER, Call, Operations, Params

operations = Operations("operations")


@operations("GET", "/healthz", scope=None, operation_id="healthz", summary="Alive")
async def healthz(call: Call[None, None]) -> Answer:
    return json_answer({"status": "ok"})


@operations(
    "GET",
    "/readyz",
    scope=None,
    operation_id="readyz",
    errors=(503,),
    summary="Ready: the store answers",
)
def readyz(call: Call[None, None]) -> Answer:
    """Ready when the store answers a read and its last write did not fail for a store reason
    (a lock held too long, a full disk): a balancer then sends traffic elsewhere until a write
    succeeds again."""
    store = call.services.store
    try:
        store.revision()
    except Exception as error:
        raise StoreUnavailable("The store is not reachable.") from error
    if not store.writable():
        raise StoreUnavailable(f"The store's writes are failing: {store.write_failure}")
    return json_answer({"status": "ready"})


class MetricsParams(Params):
    authorization: Annotated[
        str | None,
        HEADER,
        Field(alias="Authorization", description="`Bearer <token>` when a token is set."),
    ] = None


@operations(
    "GET",
    "/metrics",
    scope=None,
    params=MetricsParams,
    operation_id="metrics",
    errors=(401,),
    media_type=CONTENT_TYPE,
    summary="Prometheus metrics",
)
def metrics(call: Call[MetricsParams, None]) -> Answer:
    token = call.services.settings.metrics_token
    if token is not None:
        given = (call.params.authorization or "").encode("latin-1")
        if not secrets.compare_digest(given, f"Bearer {token.get_secret_value()}".encode()):
            raise Unauthorized("This endpoint needs the metrics token.")
    text = exposition(lambda: call.read(call.services.models.counts))
    return Answer(text, content_type=CONTENT_TYPE.encode())
