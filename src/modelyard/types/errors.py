"""Error bodies: Mistral's envelope for every error but 422, FastAPI's list form for 422."""

from typing import Any, Literal

from ._base import OutputType

ErrorType = Literal[
    "invalid_request_error",
    "authentication_error",
    "permission_error",
    "not_found_error",
    "conflict_error",
    "rate_limit_error",
    "server_error",
]


class ErrorBody(OutputType):
    object: Literal["error"] = "error"
    message: str
    type: str
    param: str | None = None
    code: str


class ValidationErrorItem(OutputType):
    type: str
    loc: list[str | int]
    msg: str
    input: Any = None


class HTTPValidationErrorBody(OutputType):
    detail: list[ValidationErrorItem]
