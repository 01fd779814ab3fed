"""Run a plan of Models calls through the official `openai` SDK and print one JSON document.

Runs inside the SDK's own virtualenv (never imports Modelyard or the tests), so it stays standalone.

    python openai_driver.py < plan.json

Environment: `MODELYARD_COMPAT_BASE_URL` (no `/v1`; the client gets `base_url=<it>/v1`, as an openai
user configures it) and `MODELYARD_COMPAT_API_KEY` (the default key).

The plan is `{"steps": [{"label", "op", "args", "strict", "key"?}]}` with `op` one of `list`,
`retrieve`, `delete` (methods of `client.models`) and `strict` choosing a client built with
`_strict_response_validation=True`. The output is `{"sdk": {...}, "results": {label: outcome}}`.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import ExitStack
from importlib.metadata import version
from typing import Any

import openai
from openai import OpenAI

OPS = ("list", "retrieve", "delete")


def describe(value: Any) -> dict[str, Any]:
    outcome: dict[str, Any] = {
        "error": False,
        "class": type(value).__name__,
        "module": type(value).__module__,
        "request_id": getattr(value, "_request_id", None),
    }
    if hasattr(value, "model_dump"):
        outcome["value"] = value.model_dump(mode="json")
    data = getattr(value, "data", None)
    if isinstance(data, list):
        outcome["items"] = [describe(item) for item in data]
    return outcome


def describe_error(exc: BaseException) -> dict[str, Any]:
    outcome: dict[str, Any] = {
        "error": True,
        "class": type(exc).__name__,
        "module": type(exc).__module__,
        "bases": [cls.__name__ for cls in type(exc).__mro__],
        "message": str(exc)[:2000],
    }
    if isinstance(exc, openai.APIStatusError | openai.APIResponseValidationError):
        outcome["status_code"] = exc.status_code
        outcome["body"] = exc.body
        outcome["code"] = exc.code
        outcome["type"] = exc.type
        outcome["request_id"] = exc.response.headers.get("x-request-id")
    return outcome


def main() -> None:
    plan = json.load(sys.stdin)
    base_url = os.environ["MODELYARD_COMPAT_BASE_URL"] + "/v1"
    default_key = os.environ.get("MODELYARD_COMPAT_API_KEY", "")
    results: dict[str, Any] = {}
    with ExitStack() as stack:
        clients: dict[tuple[str, bool], OpenAI] = {}

        def client_for(key: str, strict: bool) -> OpenAI:
            if (key, strict) not in clients:
                clients[key, strict] = stack.enter_context(
                    OpenAI(
                        api_key=key,
                        base_url=base_url,
                        max_retries=0,
                        timeout=30,
                        _strict_response_validation=strict,
                    )
                )
            return clients[key, strict]

        for step in plan["steps"]:
            op = step["op"]
            if op not in OPS:
                raise SystemExit(f"unknown operation {op!r}")
            key = step.get("key")
            client = client_for(default_key if key is None else key, bool(step.get("strict")))
            try:
                value = getattr(client.models, op)(**step.get("args", {}))
            except Exception as exc:  # every outcome, expected or not, is reported
                results[step["label"]] = describe_error(exc)
            else:
                results[step["label"]] = describe(value)
    sdk = {"version": version("openai"), "client": f"{OpenAI.__module__}.{OpenAI.__name__}"}
    json.dump({"sdk": sdk, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
