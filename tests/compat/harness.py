"""The compatibility suite's harness: plans of SDK calls, the runner, and what to expect.

A test builds a plan of SDK calls (`call(...)`), runs the whole plan in one subprocess of the SDK's
own interpreter (`SdkRunner.run`, one interpreter start per SDK per scenario) and asserts on the
outcomes the driver reports, keyed by label (`expect_ok`, `expect_error`).
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.compat.sdk_envs import MISTRALAI_1, MISTRALAI_3, SdkEnv

SCRIPTS = Path(__file__).parent / "scripts"
SCRIPT_TIMEOUT = 180

# --- the test catalog (tests/data/catalog.yaml), as a client sees it ---------------------------

SMALL = "mistral-small-2506"
SMALL_ALIAS = "mistral-small-latest"
TINY = "open-mistral-7b"
CODESTRAL = "codestral-2508"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
LLAMA_ALIAS = "llama-3.1-8b"
CANONICAL_ORDER = [SMALL, TINY, CODESTRAL, LLAMA]
# Every list entry of a base model, alias entries included: entry id -> card name (canonical id).
BASE_ENTRIES = {
    SMALL: SMALL,
    SMALL_ALIAS: SMALL,
    TINY: TINY,
    "mistral-tiny": TINY,
    "mistral-tiny-2312": TINY,
    CODESTRAL: CODESTRAL,
    "codestral-latest": CODESTRAL,
    LLAMA: LLAMA,
    LLAMA_ALIAS: LLAMA,
}
SMALL_CREATED = 1750377600  # 2025-06-20T00:00:00Z
CODESTRAL_CREATED = 1754006400
UNKNOWN_FT = "ft:mistral-small-2506:00000000:20240101:deadbeef"
# The server answers 422 for an id over 512 characters (still far below the 8 KiB request line).
OVERLONG_ID = "x" * 600
BAD_KEY = "myd_" + "0" * 40

# --- the SDKs' typed classes, found by inspecting each installed package -----------------------

MISTRAL_CLASSES = {
    MISTRALAI_1.name: {
        "list": "ModelList",
        "base": "BaseModelCard",
        "ft": "FTModelCard",
        "completion": "CompletionFTModelOut",
        "classifier": "ClassifierFTModelOut",
        "archive": "ArchiveFTModelOut",
        "unarchive": "UnarchiveFTModelOut",
        "delete": "DeleteModelOut",
        "client": "mistralai.sdk.Mistral",
        "errors_module": "mistralai.models.",
    },
    MISTRALAI_3.name: {
        "list": "ModelList",
        "base": "BaseModelCard",
        "ft": "FTModelCard",
        "completion": "CompletionFineTunedModel",
        "classifier": "ClassifierFineTunedModel",
        "archive": "ArchiveModelResponse",
        "unarchive": "UnarchiveModelResponse",
        "delete": "DeleteModelResponse",
        "client": "mistralai.client.sdk.Mistral",
        "errors_module": "mistralai.client.errors.",
    },
}


def call(label: str, op: str, *, key: str | None = None, **args: Any) -> dict[str, Any]:
    """One step of a plan: `op` is the SDK method of `client.models`, `args` its keywords, `key` a
    key for this step only ("" sends none: mistralai gets `api_key=None`)."""
    step: dict[str, Any] = {"label": label, "op": op, "args": args}
    if key is not None:
        step["key"] = key
    return step


@dataclass(frozen=True)
class SdkRunner:
    """Runs plans through one official SDK against one live server."""

    env: SdkEnv
    script: Path
    script_args: tuple[str, ...]
    base_url: str

    @property
    def name(self) -> str:
        return self.env.flavour.name

    @property
    def classes(self) -> dict[str, str]:
        return MISTRAL_CLASSES[self.name]

    def run(self, steps: list[dict[str, Any]], *, key: str) -> dict[str, dict[str, Any]]:
        """Run the plan in one interpreter; the outcomes by label."""
        results: dict[str, dict[str, Any]] = self.run_document(steps, key=key)["results"]
        assert list(results) == [step["label"] for step in steps]
        return results

    def run_document(self, steps: list[dict[str, Any]], *, key: str) -> dict[str, Any]:
        labels = [step["label"] for step in steps]
        assert len(set(labels)) == len(labels), f"duplicate labels in plan: {labels}"
        environment = {
            name: value
            for name, value in os.environ.items()
            # No proxy, and no credentials or settings of the SDKs from the caller's environment.
            if not name.lower().endswith("_proxy")
            and not name.startswith(("MISTRAL", "OPENAI", "PYTHON", "VIRTUAL_ENV"))
        }
        environment.update(
            NO_PROXY="127.0.0.1,localhost",
            MODELYARD_COMPAT_BASE_URL=self.base_url,
            MODELYARD_COMPAT_API_KEY=key,
        )
        completed = subprocess.run(
            [str(self.env.python), "-I", str(self.script), *self.script_args],
            input=json.dumps({"steps": steps}),
            capture_output=True,
            text=True,
            env=environment,
            timeout=SCRIPT_TIMEOUT,
            check=False,
        )
        assert completed.returncode == 0, (
            f"{self.name} driver failed ({completed.returncode}):\n"
            f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
        )
        document: dict[str, Any] = json.loads(completed.stdout)
        return document


def expect_ok(outcome: dict[str, Any], cls: str) -> dict[str, Any]:
    """The call returned an object of the SDK class `cls`: its fields."""
    assert not outcome["error"], f"expected {cls}, got an exception: {outcome}"
    assert outcome["class"] == cls, f"expected {cls}: {outcome}"
    value: dict[str, Any] = outcome["value"]
    return value


def expect_error(
    outcome: dict[str, Any],
    cls: str,
    status: int,
    code: str | None = None,
    error_type: str | None = None,
) -> dict[str, Any]:
    """The call raised the SDK's `cls` carrying `status` (and, when given, the envelope's code)."""
    assert outcome["error"], f"expected {cls} {status}, got a result: {outcome}"
    assert (outcome["class"], outcome.get("status_code")) == (cls, status), outcome
    body = outcome.get("body")
    if code is not None or error_type is not None:
        assert isinstance(body, dict), outcome
        # mistralai reports the raw body (the envelope); openai the parsed `error` or the body.
        if code is not None:
            assert body.get("code") == code, outcome
        if error_type is not None:
            assert body.get("type") == error_type, outcome
    return outcome


def expect_validation_detail(outcome: dict[str, Any]) -> None:
    """A 422 in FastAPI's list form, as the Mistral SDKs parse it."""
    detail = outcome.get("detail")
    if detail is None:
        detail = outcome["body"]["detail"]
    assert isinstance(detail, list), outcome
    assert detail, outcome
    for item in detail:
        assert {"loc", "msg", "type"} <= set(item), outcome


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
