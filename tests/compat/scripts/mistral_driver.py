"""Run a plan of Models API calls through the official `mistralai` SDK and print one JSON document.

Runs inside the SDK's own virtualenv (never imports Modelyard or the tests), so it stays standalone.

    python mistral_driver.py 1|3  < plan.json

`1` imports the way the seed does for mistralai 1.x (`from mistralai.sdk import Mistral`), `3`
the 3.x way (`from mistralai.client import Mistral`). Environment: `MODELYARD_COMPAT_BASE_URL`
(no `/v1`: the SDK appends `/v1/...` itself) and `MODELYARD_COMPAT_API_KEY` (the default key).

The plan is `{"steps": [{"label", "op", "args", "key"?}]}`; `op` is one of the seed's six method
names of `client.models`, `args` its keyword arguments, `key` a key for this step only ("" means
no key: `api_key=None`, and the SDK sends no `Authorization` header. `api_key=""` would not do: the
SDKs then send `Authorization: Bearer ` and h11 refuses that header before anything is sent).
The output is `{"sdk": {...}, "results": {label: outcome}}`, an outcome describing either the
returned object (`class`, `module`, `value`, and `items` for a list) or the raised exception
(`error: true`, `class`, `module`, `status_code`, `body`, `detail` for HTTPValidationError).
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import ExitStack
from importlib.metadata import version
from typing import Any

MAJOR = sys.argv[1]
if MAJOR == "1":
    from mistralai import models as errors  # 1.x keeps its errors beside the models
    from mistralai.sdk import Mistral  # the seed's import path
elif MAJOR == "3":
    from mistralai.client import Mistral, errors
else:
    raise SystemExit(f"unknown SDK major version {MAJOR!r}")

OPS = ("list", "retrieve", "delete", "update", "archive", "unarchive")


def describe(value: Any) -> dict[str, Any]:
    outcome: dict[str, Any] = {
        "error": False,
        "class": type(value).__name__,
        "module": type(value).__module__,
    }
    if hasattr(value, "model_dump"):
        outcome["value"] = value.model_dump(mode="json", by_alias=True)
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
    if isinstance(exc, errors.MistralError):
        outcome["status_code"] = exc.status_code
        outcome["content_type"] = exc.headers.get("content-type")
        outcome["request_id"] = exc.headers.get("x-request-id")
        try:
            outcome["body"] = json.loads(exc.body)
        except ValueError:
            outcome["body"] = exc.body
    if isinstance(exc, errors.HTTPValidationError):
        outcome["detail"] = exc.data.model_dump(mode="json", by_alias=True).get("detail")
    return outcome


def main() -> None:
    plan = json.load(sys.stdin)
    server_url = os.environ["MODELYARD_COMPAT_BASE_URL"]
    default_key = os.environ.get("MODELYARD_COMPAT_API_KEY", "")
    results: dict[str, Any] = {}
    with ExitStack() as stack:
        clients: dict[str, Any] = {}

        def client_for(key: str) -> Any:
            if key not in clients:
                clients[key] = stack.enter_context(
                    Mistral(api_key=key or None, server_url=server_url, timeout_ms=30_000)
                )
            return clients[key]

        for step in plan["steps"]:
            op = step["op"]
            if op not in OPS:
                raise SystemExit(f"unknown operation {op!r}")
            key = step.get("key")
            client = client_for(default_key if key is None else key)
            try:
                value = getattr(client.models, op)(**step.get("args", {}))
            except Exception as exc:  # every outcome, expected or not, is reported
                results[step["label"]] = describe_error(exc)
            else:
                results[step["label"]] = describe(value)
    sdk = {"version": version("mistralai"), "client": f"{Mistral.__module__}.{Mistral.__name__}"}
    json.dump({"sdk": sdk, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
