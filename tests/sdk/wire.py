"""Wire bodies shaped as CONTRACT.md §2 says, and a `Modelyard` that records what it sends."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from modelyard import Modelyard, RetryConfig
from modelyard.types import CAPABILITY_FLAGS

FT_ID = "ft:open-mistral-7b:587a6b29:20240514:7e773925"
SLASH_ID = "meta-llama/Llama-3.1-8B-Instruct"


def base_card(**changes: Any) -> dict[str, Any]:
    card: dict[str, Any] = {
        "id": "mistral-small-2506",
        "object": "model",
        "created": 1750377600,
        "owned_by": "mistralai",
        "capabilities": dict.fromkeys(CAPABILITY_FLAGS, False) | {"completion_chat": True},
        "name": "mistral-small-2506",
        "description": "Test small model.",
        "max_context_length": 131072,
        "aliases": ["mistral-small-latest"],
        "deprecation": None,
        "deprecation_replacement_model": None,
        "default_model_temperature": 0.3,
        "type": "base",
    }
    return card | changes


def ft_card(**changes: Any) -> dict[str, Any]:
    card = base_card(
        id=FT_ID,
        owned_by="org-1",
        name=None,
        description=None,
        aliases=[],
        default_model_temperature=None,
        type="fine-tuned",
        job="7e773925-0000-4000-8000-000000000000",
        root="open-mistral-7b",
        archived=False,
    )
    return card | changes


def ft_model(**changes: Any) -> dict[str, Any]:
    model: dict[str, Any] = {
        "id": FT_ID,
        "object": "model",
        "created": 1715644800,
        "owned_by": "org-1",
        "workspace_id": "ws-1",
        "root": "open-mistral-7b",
        "root_version": "open-mistral-7b",
        "archived": False,
        "name": "renamed",
        "description": None,
        "capabilities": {
            "completion_chat": True,
            "completion_fim": False,
            "function_calling": False,
            "fine_tuning": False,
            "classification": False,
        },
        "max_context_length": 32768,
        "aliases": [],
        "job": "7e773925-0000-4000-8000-000000000000",
        "model_type": "completion",
    }
    return model | changes


def envelope(code: str, message: str = "something went wrong", type: str = "x") -> dict[str, Any]:
    return {"object": "error", "message": message, "type": type, "param": None, "code": code}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)


def recording_yard(
    answer: Callable[[httpx.Request], httpx.Response],
    *,
    api_key: str | None = "test-key",
    retries: RetryConfig | None = None,
) -> tuple[Modelyard, list[httpx.Request]]:
    """A `Modelyard` over a mock transport (sync and async) that records every request it sends."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    transport = httpx.MockTransport(handler)
    yard = Modelyard(
        api_key=api_key,
        server_url="http://yard.test",
        client=httpx.Client(transport=transport),
        async_client=httpx.AsyncClient(transport=transport),
        retries=retries,
    )
    return yard, seen


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content)
