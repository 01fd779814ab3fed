"""The public surface: sync/async parity, `__all__`, a light import, and who closes what."""

from __future__ import annotations

import asyncio
import inspect
import json
import subprocess
import sys
import types

import httpx

import modelyard
from modelyard import Models, Modelyard
from tests.sdk.wire import base_card, json_response

SERVER_PACKAGES = ("fastapi", "starlette", "sqlalchemy", "uvicorn", "yaml", "alembic")


def public_methods(cls: type) -> dict[str, object]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def test_every_sync_method_has_an_async_twin_with_the_same_signature() -> None:
    methods = public_methods(Models)
    sync_names = sorted(name for name in methods if not name.endswith("_async"))
    assert sync_names == [
        "archive", "delete", "list", "register", "retrieve", "unarchive", "update"
    ]  # fmt: skip
    for name in sync_names:
        twin = methods[f"{name}_async"]
        assert inspect.iscoroutinefunction(twin), name
        assert inspect.signature(methods[name]) == inspect.signature(twin), name  # type: ignore[arg-type]


def test_every_async_method_has_a_sync_twin() -> None:
    methods = public_methods(Models)
    for name in methods:
        if name.endswith("_async"):
            assert name.removesuffix("_async") in methods


def test_all_lists_exactly_the_public_names_and_each_imports() -> None:
    public = {
        name
        for name, value in vars(modelyard).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(modelyard.__all__) == public | {"__version__"}
    assert len(modelyard.__all__) == len(set(modelyard.__all__))
    for name in modelyard.__all__:
        assert getattr(modelyard, name) is not None


def test_the_seeds_names_and_the_issues_errors_are_exported() -> None:
    expected = {
        "Modelyard", "RetryConfig", "BackoffStrategy", "SDKError", "HTTPValidationError",
        "AuthenticationError", "PermissionDeniedError", "NotFoundError", "ConflictError",
        "PreconditionFailedError", "PayloadTooLargeError", "RateLimitError",
        "InternalServerError", "APIConnectionError", "APITimeoutError", "ModelList",
        "BaseModelCard", "FTModelCard", "DeleteModelOut", "ArchiveFTModelOut",
        "UnarchiveFTModelOut", "CompletionFTModelOut", "ClassifierFTModelOut",
        "RetrieveModelV1ModelsModelIDGetResponseRetrieveModelV1ModelsModelIDGet",
        "JobsAPIRoutesFineTuningUpdateFineTunedModelResponse", "__version__",
    }  # fmt: skip
    assert expected <= set(modelyard.__all__)


def test_importing_modelyard_loads_none_of_the_servers_dependencies() -> None:
    script = "import json, sys, modelyard; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, check=True, text=True
        ).stdout
    )
    assert [name for name in loaded if name.split(".")[0] in SERVER_PACKAGES] == []


def test_an_injected_client_is_left_open_and_an_own_client_is_closed() -> None:
    injected = httpx.Client(
        transport=httpx.MockTransport(lambda r: json_response(200, base_card()))
    )
    with Modelyard(api_key="k", client=injected) as yard:
        yard.models.retrieve(model_id="m")
    assert not injected.is_closed
    injected.close()

    own = Modelyard(api_key="k")
    http = own._http()
    own.close()
    assert http.is_closed


def test_a_sync_caller_never_creates_an_async_client() -> None:
    injected = httpx.Client(
        transport=httpx.MockTransport(lambda r: json_response(200, base_card()))
    )
    with Modelyard(api_key="k", client=injected) as yard:
        yard.models.retrieve(model_id="m")
        assert yard._async_client is None
    injected.close()


def test_async_with_closes_the_async_client_it_made() -> None:
    async def run() -> httpx.AsyncClient:
        async with Modelyard(api_key="k") as yard:
            return yard._async_http()

    assert asyncio.run(run()).is_closed
