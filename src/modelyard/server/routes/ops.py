"""Operational endpoints: liveness and readiness (no auth)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

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
