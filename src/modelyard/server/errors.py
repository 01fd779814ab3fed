"""One place that turns errors into the contract's bodies.

Domain errors become Mistral's envelope with their status and code; FastAPI's request validation
keeps its own 422 list form (the only 422 shape the Mistral SDKs type); anything unexpected is a
500 `internal_error` that names the request id, never a stack trace.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from modelyard.registry.errors import RegistryError, Unauthorized

from .responses import error_body, json_response

log = logging.getLogger("modelyard.server")

_HTTP_ERRORS = {
    404: ("not_found_error", "not_found", "No such endpoint."),
    405: ("invalid_request_error", "method_not_allowed", "Method not allowed on this endpoint."),
}


def registry_error_response(exc: RegistryError) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    body = error_body(exc.message, exc.type, exc.code, exc.param)
    return json_response(body, exc.status, headers)


def unexpected_error_response(request_id: str | None) -> Response:
    message = f"Internal error (request id {request_id})."
    return json_response(error_body(message, "server_error", "internal_error"), 500)


async def on_registry_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RegistryError)
    return registry_error_response(exc)


async def on_http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    type_, code, message = _HTTP_ERRORS.get(
        exc.status_code, ("invalid_request_error", "bad_request", str(exc.detail))
    )
    return json_response(error_body(message, type_, code), exc.status_code, exc.headers)


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return await request_validation_exception_handler(request, exc)


async def on_unexpected_error(request: Request, exc: Exception) -> Response:
    request_id = request.scope.get("state", {}).get("request_id")
    log.exception("unhandled error in request %s", request_id)
    return unexpected_error_response(request_id)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RegistryError, on_registry_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected_error)
