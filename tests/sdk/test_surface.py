"""The public surface: sync/async parity, `__all__`, a light import, and who closes what."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import subprocess
import sys
import types
import typing
from typing import Any

import httpx
import pytest

import modelyard
from modelyard import (
    Aliases,
    Audit,
    Keys,
    Models,
    Modelyard,
    RequestOptions,
    Webhooks,
    Workspaces,
)
from tests.sdk.wire import base_card, json_response, recording_yard

SERVER_PACKAGES = ("fastapi", "starlette", "sqlalchemy", "uvicorn", "yaml", "alembic")


def public_methods(cls: type) -> dict[str, object]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


RESOURCES: dict[type, list[str]] = {
    Models: ["archive", "delete", "iter", "list", "register", "retrieve", "unarchive", "update"],
    Aliases: ["delete", "get", "list", "set"],
    Workspaces: ["create", "list"],
    Keys: ["create", "list", "revoke"],
    Audit: ["iter", "list"],
    Webhooks: [
        "create",
        "delete",
        "deliveries",
        "get",
        "list",
        "ping",
        "redeliver",
        "rotate_secret",
        "update",
    ],
}


def assert_twins(sync: Any, twin: Any, name: str) -> None:
    """A twin takes the very same parameters. A page iterator's twin returns `AsyncIterator[X]`
    where it returns `Iterator[X]`; every other twin is a coroutine function with the very same
    signature."""
    sync_signature, twin_signature = inspect.signature(sync), inspect.signature(twin)
    assert sync_signature.parameters == twin_signature.parameters, name
    returns = str(sync_signature.return_annotation)
    if returns.startswith("Iterator["):
        assert twin_signature.return_annotation == f"Async{returns}", name
        assert not inspect.iscoroutinefunction(twin), name
    else:
        assert inspect.iscoroutinefunction(twin), name
        assert sync_signature == twin_signature, name


def keywords_of(method: Any) -> frozenset[str]:
    """The names a method's `**kwargs: Unpack[SomeParams]` declares."""
    (kwargs,) = [
        parameter
        for parameter in inspect.signature(method).parameters.values()
        if parameter.kind is inspect.Parameter.VAR_KEYWORD
    ]
    match = re.fullmatch(r"Unpack\[(\w+)\]", str(kwargs.annotation))
    assert match, kwargs.annotation
    declared: frozenset[str] = getattr(modelyard, match[1]).__optional_keys__
    return declared


@pytest.mark.parametrize("resource", list(RESOURCES), ids=lambda cls: cls.__name__)
def test_every_sync_method_has_an_async_twin_with_the_same_signature(resource: type) -> None:
    methods = public_methods(resource)
    sync_names = sorted(name for name in methods if not name.endswith("_async"))
    assert sync_names == RESOURCES[resource]
    for name in sync_names:
        assert_twins(methods[name], methods[f"{name}_async"], name)


@pytest.mark.parametrize("resource", list(RESOURCES), ids=lambda cls: cls.__name__)
def test_every_async_method_has_a_sync_twin(resource: type) -> None:
    methods = public_methods(resource)
    for name in methods:
        if name.endswith("_async"):
            assert name.removesuffix("_async") in methods


def test_me_has_an_async_twin() -> None:
    assert_twins(Modelyard.me, Modelyard.me_async, "me")


OPERATIONS = [
    getattr(resource, name) for resource, names in RESOURCES.items() for name in names
] + [Modelyard.me]


@pytest.mark.parametrize("method", OPERATIONS, ids=lambda method: method.__qualname__)
def test_every_operation_takes_the_four_per_call_options(method: Any) -> None:
    assert {"retries", "server_url", "timeout_ms", "http_headers"} <= keywords_of(method)
    assert keywords_of(method) >= RequestOptions.__optional_keys__


@pytest.mark.parametrize("method", OPERATIONS, ids=lambda method: method.__qualname__)
def test_every_operations_annotations_resolve_at_run_time(method: Any) -> None:
    """`typing.get_type_hints` works (pydantic's `validate_call` and editors rely on it)."""
    hints = typing.get_type_hints(method, include_extras=True)
    (keywords,) = typing.get_args(hints[next(reversed(inspect.signature(method).parameters))])
    assert typing.get_type_hints(keywords)


def test_an_unknown_keyword_is_refused_before_anything_is_sent() -> None:
    yard, seen = recording_yard(lambda request: json_response(200, base_card()))
    with yard:
        with pytest.raises(TypeError, match="timeout"):
            yard.models.retrieve(model_id="m", timeout=5)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="name"):
            yard.models.archive(model_id="m", name="x")  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="limit"):
            list(yard.keys.list(limit=3))  # type: ignore[call-arg]
    assert seen == []


@pytest.mark.parametrize("attribute", ["models", "workspaces", "keys", "audit"])
def test_with_raw_response_offers_every_method_but_iter_with_the_same_parameters(
    attribute: str,
) -> None:
    resource = getattr(Modelyard(api_key="k"), attribute)
    view = resource.with_raw_response
    assert view is resource.with_raw_response  # made once per resource
    names = sorted(name for name in vars(view) if not name.startswith("_"))
    expected = sorted(
        name for name in public_methods(type(resource)) if not name.startswith("iter")
    )
    assert names == expected
    for name in names:
        raw, plain = getattr(view, name), getattr(resource, name)
        assert inspect.signature(raw).parameters == inspect.signature(plain).parameters, name
        assert inspect.iscoroutinefunction(raw) == name.endswith("_async"), name


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
        "Me", "Workspace", "WorkspaceList", "ApiKey", "ApiKeyCreated", "ApiKeyList",
        "ApiKeyRevoked", "AuditEvent", "AuditEventList", "RawResponse",
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
