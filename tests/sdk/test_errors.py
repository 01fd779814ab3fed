"""Error statuses become one exception class each, carrying the response and the envelope's code."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from modelyard import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    HTTPValidationError,
    InternalServerError,
    ModelyardError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    SDKError,
)
from tests.sdk.wire import envelope, json_response, recording_yard


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "invalid_request", SDKError),
        (401, "unauthorized", AuthenticationError),
        (403, "base_model_immutable", PermissionDeniedError),
        (404, "model_not_found", NotFoundError),
        (409, "model_exists", ConflictError),
        (412, "precondition_failed", PreconditionFailedError),
        (413, "payload_too_large", PayloadTooLargeError),
        (429, "rate_limited", RateLimitError),
        (500, "internal_error", InternalServerError),
        (503, "unavailable", InternalServerError),
    ],
)
def test_each_status_maps_to_its_class_with_the_envelope_code(
    status: int, code: str, expected: type[SDKError]
) -> None:
    body = envelope(code, message="the human sentence")
    yard, _ = recording_yard(
        lambda r: json_response(status, body, headers={"x-request-id": "req-7"})
    )
    with yard, pytest.raises(SDKError) as caught:
        yard.models.retrieve(model_id="m")
    error = caught.value
    assert type(error) is expected
    assert (error.status_code, error.code, error.message) == (status, code, "the human sentence")
    assert error.request_id == "req-7"
    assert error.headers["x-request-id"] == "req-7"
    assert error.raw_response.status_code == status
    assert f"{status} {code}" in str(error)


def test_a_422_is_an_http_validation_error_with_the_detail_items() -> None:
    detail = [
        {"type": "string_too_long", "loc": ["body", "name"], "msg": "too long", "input": "x" * 300}
    ]
    yard, _ = recording_yard(lambda r: json_response(422, {"detail": detail}))
    with yard, pytest.raises(HTTPValidationError) as caught:
        yard.models.update(model_id="ft:m", name="x" * 300)
    error = caught.value
    assert isinstance(error, SDKError)
    assert error.status_code == 422
    assert error.code is None
    (item,) = error.data.detail
    assert (item.type, item.loc, item.msg) == ("string_too_long", ["body", "name"], "too long")
    assert "body.name: too long" in str(error)


def test_an_error_body_that_is_not_the_envelope_leaves_code_none() -> None:
    yard, _ = recording_yard(lambda r: httpx.Response(502, text="Bad Gateway from nginx"))
    with yard, pytest.raises(InternalServerError) as caught:
        yard.models.list()
    assert caught.value.code is None
    assert caught.value.body == "Bad Gateway from nginx"


def test_transport_failures_are_modelyard_errors_but_not_sdk_errors() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    yard, _ = recording_yard(refuse)
    with yard, pytest.raises(APIConnectionError) as caught:
        yard.models.list()
    assert isinstance(caught.value, ModelyardError)
    assert not isinstance(caught.value, SDKError)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert caught.value.request is not None


@pytest.mark.parametrize(
    ("environment", "shown"),
    [(None, "MODELYARD_SERVER_URL (now unset)"), ("http://env.test", "(now 'http://env.test')")],
)
def test_a_connection_that_cannot_be_made_names_the_url_and_what_to_check(
    monkeypatch: pytest.MonkeyPatch, environment: str | None, shown: str
) -> None:
    if environment is None:
        monkeypatch.delenv("MODELYARD_SERVER_URL", raising=False)
    else:
        monkeypatch.setenv("MODELYARD_SERVER_URL", environment)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")  # as a transport raises it

    yard, _ = recording_yard(refuse)
    with yard, pytest.raises(APIConnectionError) as caught:
        yard.models.retrieve(model_id="m")
    message = str(caught.value)
    assert message.startswith(
        "cannot connect to http://yard.test (GET http://yard.test/v1/models/m): "
        "[Errno 111] Connection refused. Is the server running there? Check server_url or "
    )
    assert shown in message
    assert caught.value.request is not None


def test_a_timeout_is_an_api_timeout_error() -> None:
    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    yard, _ = recording_yard(stall)

    async def call() -> None:
        async with yard:
            await yard.models.list_async()

    with pytest.raises(APITimeoutError) as caught:
        asyncio.run(call())
    assert isinstance(caught.value, APIConnectionError)


def test_a_404_for_delete_without_a_retry_is_a_not_found_error() -> None:
    yard, _ = recording_yard(lambda r: json_response(404, envelope("model_not_found")))
    with yard, pytest.raises(NotFoundError):
        yard.models.delete(model_id="ft:gone")
