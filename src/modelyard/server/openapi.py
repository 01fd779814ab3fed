"""The OpenAPI document, written by FastAPI from the operations' declarations.

Mistral's API is FastAPI, so its operationIds, parameters and 422 schema come out the same way.
Each operation becomes a FastAPI route whose signature is its declaration: parameters (with
their constraints and where they come from) and body. Those routes only describe: requests are
served by `dispatch.Dispatch`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Annotated, Any

import fastapi
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from pydantic.fields import FieldInfo

from modelyard.types import ErrorBody

from .operations import In, Operation

_MARKERS = {"path": fastapi.Path, "query": fastapi.Query, "header": fastapi.Header}


def openapi_document(
    operations: Iterable[Operation], *, title: str, version: str, summary: str
) -> dict[str, Any]:
    return get_openapi(
        title=title, version=version, summary=summary, routes=[_route(op) for op in operations]
    )


def _route(operation: Operation) -> APIRoute:
    def endpoint() -> None:  # never called: its signature is what FastAPI documents
        raise NotImplementedError

    endpoint.__signature__ = inspect.Signature(_parameters(operation))  # type: ignore[attr-defined]
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": model} for status, model in operation.responses.items()
    }
    for status in operation.statuses:
        if status == 304:  # no body
            responses[status] = {"description": _ERRORS[status]}
        elif status != 422:  # FastAPI documents its own list form
            responses[status] = {"model": ErrorBody, "description": _ERRORS[status]}
    if operation.media_type != "application/json":
        responses[operation.status_code] = {
            "content": {operation.media_type: {"schema": {"type": "string"}}},
            "description": "Successful Response",
        }
    return APIRoute(
        operation.path,
        endpoint,
        methods=[operation.method],
        operation_id=operation.operation_id,
        summary=operation.summary,
        status_code=operation.status_code,
        response_class=PlainTextResponse
        if operation.media_type != "application/json"
        else JSONResponse,
        responses=responses,
        tags=list(operation.tags),
    )


_ERRORS = {
    304: "Not Modified: the ETag matches `If-None-Match`.",
    401: "No key, or an unknown or revoked one (`WWW-Authenticate: Bearer`).",
    403: "The key's scope is below the operation's, or a base model cannot be changed.",
    404: "Not found, or not visible to this key.",
    408: "The request body did not arrive in time.",
    409: "Conflict with the current state (see `code`).",
    412: "`If-Match` does not match the current ETag.",
    413: "The request body is over the limit.",
    414: "The request line is over the limit.",
    429: "Over the key's rate limit, or too many failed authentications (`Retry-After`).",
    500: "A fault of the server; the message names the request id.",
    503: "The store cannot take the work now (`Retry-After`).",
}


def _parameters(operation: Operation) -> list[inspect.Parameter]:
    parameters = []
    for name, info in (operation.params.model_fields if operation.params else {}).items():
        where = next((m for m in info.metadata if isinstance(m, In)), None)
        marker = _MARKERS[where.location if where else "query"]
        constraints = [m for m in info.metadata if not isinstance(m, In)]
        annotation = Annotated.__class_getitem__(  # type: ignore[attr-defined]
            (info.annotation, *constraints, _marker(marker, info))
        )
        default = inspect.Parameter.empty if info.is_required() else info.default
        parameters.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
            )
        )
    if operation.body is not None:
        body: Any = operation.body if operation.body_required else operation.body | None
        parameters.append(
            inspect.Parameter(
                "body",
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty if operation.body_required else None,
                annotation=Annotated[body, fastapi.Body()],
            )
        )
    return parameters


def _marker(marker: Any, info: FieldInfo) -> Any:
    return marker(alias=info.alias, description=info.description)
