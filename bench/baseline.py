"""The limit: a bare Starlette app doing the same auth-header check and returning constant bytes.

Run by `bench/run.py` under the same server settings as Modelyard (uvicorn, httptools, uvloop).
Its list endpoint returns the exact bytes Modelyard returned for the same list, loaded from the
file named by `BENCH_LIST_FILE`; its PATCH updates an in-memory dict.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

KEY = os.environ.get("BENCH_KEY", "")
EXPECTED = f"Bearer {KEY}".encode()
CARD = (
    Path(os.environ["BENCH_CARD_FILE"]).read_bytes() if "BENCH_CARD_FILE" in os.environ else b"{}"
)
LISTING = (
    Path(os.environ["BENCH_LIST_FILE"]).read_bytes() if "BENCH_LIST_FILE" in os.environ else b"{}"
)
UNAUTHORIZED = Response(b'{"object":"error"}', 401, media_type="application/json")
STATE: dict[str, dict[str, object]] = {}


def _authorized(request: Request) -> bool:
    for name, value in request.scope["headers"]:
        if name == b"authorization":
            return bool(value == EXPECTED)
    return False


async def retrieve(request: Request) -> Response:
    if not _authorized(request):
        return UNAUTHORIZED
    return Response(CARD, media_type="application/json")


async def listing(request: Request) -> Response:
    if not _authorized(request):
        return UNAUTHORIZED
    return Response(LISTING, media_type="application/json")


async def patch(request: Request) -> Response:
    if not _authorized(request):
        return UNAUTHORIZED
    model = STATE.setdefault(request.path_params["model_id"], {"name": None, "description": None})
    model.update(json.loads(await request.body()))
    return Response(json.dumps(model).encode(), media_type="application/json")


app = Starlette(
    routes=[
        Route("/v1/models", listing),
        Route("/v1/models/{model_id:path}", retrieve),
        Route("/v1/fine_tuning/models/{model_id:path}", patch, methods=["PATCH"]),
    ]
)
