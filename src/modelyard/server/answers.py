"""What the server answers, for every layer: an `Answer` (a status, JSON bytes and the answer's
own headers), built from a result or from an error, in one place.

An `Answer` holds only what belongs to the answer itself (its ETag, a `Location`); the headers of
one request (`x-request-id`, rate limits) are added when it is sent, so an answer kept by the
read cache never carries another request's headers.

Errors:
- A domain error (`RegistryError`) becomes Mistral's envelope with its status and stable code;
  a 401 also carries `WWW-Authenticate: Bearer`.
- A request that does not validate (`RequestInvalid`) becomes FastAPI's 422 list form, the only
  422 shape the Mistral SDKs type: `{"detail": [{"type", "loc", "msg", "input", "ctx"?}]}`.
  The item builders live here too: pydantic's errors under their location, an undecodable
  body, a path with a control character.
- A store that cannot take the work in time (`StoreError`: busy, disk full) is a 503 with
  `Retry-After`, which the SDKs retry.
- Anything else is a 500 `internal_error` that names the request id, never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import FastAPI, Request
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Send

from modelyard.registry.errors import RegistryError, RequestInvalid, Unauthorized
from modelyard.registry.models import Versioned
from modelyard.store.errors import StoreError

Headers = tuple[tuple[bytes, bytes], ...]
JSON = b"application/json"


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    status: int = 200
    headers: Headers = ()
    content_type: bytes = JSON

    async def send(
        self, send: Send, extra: list[tuple[bytes, bytes]], *, head: bool = False
    ) -> None:
        headers = [
            (b"content-type", self.content_type),
            (b"content-length", str(len(self.body)).encode()),
            *self.headers,
            *extra,
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else self.body})

    @property
    def size(self) -> int:
        """Bytes held, for the read cache's budget (the body, plus a small allowance)."""
        return len(self.body) + 256


def json_answer(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Answer:
    encoded = tuple((k.lower().encode(), v.encode("latin-1")) for k, v in (headers or {}).items())
    return Answer(orjson.dumps(body), status, encoded)


def list_answer(data: list[Any]) -> Answer:
    """`{"object": "list", "data": [...]}`: the contract's lists (never a bare array)."""
    return json_answer({"object": "list", "data": data})


def versioned_answer(found: Versioned, status: int = 200, **headers: str) -> Answer:
    """A fine-tuned model's answer, with its ETag."""
    if found.etag:
        headers["ETag"] = found.etag
    return json_answer(found.body, status, headers)


# -- errors ----------------------------------------------------------------------------------

log = logging.getLogger("modelyard.server")

Item = dict[str, Any]

_HTTP_ERRORS = {
    404: ("not_found_error", "not_found", "No such endpoint."),
    405: ("invalid_request_error", "method_not_allowed", "Method not allowed on this endpoint."),
}


def error_body(message: str, type_: str, code: str, param: str | None = None) -> dict[str, Any]:
    return {"object": "error", "message": message, "type": type_, "param": param, "code": code}


def answer_for(error: BaseException, request_id: str | None) -> Answer:
    """The answer to an error raised anywhere while serving a request."""
    if isinstance(error, RequestInvalid):
        return Answer(orjson.dumps({"detail": error.items}, default=_encode_extra), 422)
    if isinstance(error, RegistryError):
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorized) else None
        body = error_body(error.message, error.type, error.code, error.param)
        return json_answer(body, error.status, headers)
    if isinstance(error, StoreError):
        log.warning("request %s: %s", request_id, error.message)
        body = error_body(error.message, "server_error", error.code)
        return json_answer(body, 503, {"Retry-After": str(error.retry_after)})
    log.error("unhandled error in request %s", request_id, exc_info=error)
    message = f"Internal error (request id {request_id})."
    return json_answer(error_body(message, "server_error", "internal_error"), 500)


def http_error_answer(
    status: int, detail: str = "", allow: Collection[str] | None = None
) -> Answer:
    """404 (no such endpoint), 405 (not this method), and any other bare HTTP status."""
    type_, code, message = _HTTP_ERRORS.get(
        status, ("invalid_request_error", "bad_request", detail)
    )
    headers = {"Allow": ", ".join(sorted(allow))} if allow else None
    return json_answer(error_body(message, type_, code), status, headers)


# -- 422 items -------------------------------------------------------------------------------


def validation_items(error: ValidationError, locations: Mapping[str, str]) -> list[Item]:
    """pydantic's errors as FastAPI reports them, each under its location: `locations` maps a
    parameter's name on the wire to `path`, `query` or `header`; anything else is the body's."""
    items = []
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        where = locations.get(str(loc[0]), "body") if loc else "body"
        items.append({**item, "loc": [where, *loc]})
    return items


def missing_body() -> Item:
    return {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}


def json_invalid(error: orjson.JSONDecodeError) -> Item:
    """FastAPI's own item for a body it cannot decode."""
    return {
        "type": "json_invalid",
        "loc": ["body", error.pos],
        "msg": "JSON decode error",
        "input": {},
        "ctx": {"error": error.msg},
    }


def control_characters(path: str) -> Item:
    return {
        "type": "string_pattern_mismatch",
        "loc": ["path"],
        "msg": "The path must not contain control characters",
        "input": path,
    }


def _encode_extra(value: Any) -> Any:
    # A `ctx` may hold the exception a validator raised: FastAPI renders it as `{}`.
    if isinstance(value, BaseException):
        return {}
    raise TypeError


# -- the FastAPI app behind the operations (docs, openapi.json, unknown paths) ---------------


def install(app: FastAPI) -> None:
    async def on_http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _response(http_error_answer(exc.status_code, str(exc.detail)))

    async def on_unexpected_error(request: Request, exc: Exception) -> Response:
        return _response(answer_for(exc, None))

    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected_error)


def _response(answer: Answer) -> Response:
    return Response(answer.body, answer.status, media_type=answer.content_type.decode())
