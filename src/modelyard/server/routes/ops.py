"""Operational endpoints: liveness, readiness (no auth), metrics (token when configured)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..metrics import exposition
from ..responses import error_body, json_response

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="healthz", summary="Alive")
async def healthz() -> Response:
    return json_response({"status": "ok"})


@router.get("/readyz", operation_id="readyz", summary="Ready: the store answers")
def readyz(request: Request) -> Response:
    try:
        request.app.state.store.revision()
    except Exception:
        return json_response(
            error_body("The store is not reachable.", "server_error", "store_unavailable"), 503
        )
    return json_response({"status": "ready"})


@router.get("/metrics", operation_id="metrics", summary="Prometheus metrics")
def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if token is not None:
        expected = f"Bearer {token.get_secret_value()}"
        if not secrets.compare_digest(request.headers.get("authorization", ""), expected):
            body = error_body(
                "This endpoint needs the metrics token.", "authentication_error", "unauthorized"
            )
            return json_response(body, 401, {"WWW-Authenticate": "Bearer"})
    text, content_type = exposition(request.app.state.models)
    return Response(text, media_type=content_type)
