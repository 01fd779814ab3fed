"""JSON responses rendered with orjson: by now the contract's bodies are plain dicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from modelyard.registry.models import Versioned


def json_response(
    body: Any, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(body), status_code=status_code, headers=headers, media_type="application/json"
    )


def error_body(message: str, type_: str, code: str, param: str | None = None) -> dict[str, Any]:
    return {"object": "error", "message": message, "type": type_, "param": param, "code": code}


def versioned_response(found: Versioned, status_code: int = 200, **headers: str) -> Response:
    """A fine-tuned model's answer, with its ETag."""
    if found.etag:
        headers["ETag"] = found.etag
    return json_response(found.body, status_code, headers)
