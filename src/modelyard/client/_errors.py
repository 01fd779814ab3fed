"""The exceptions the SDK raises, one class per failure a caller may want to tell apart.

ModelyardError                      anything this SDK raises on purpose
├── SDKError                        the server answered 4XX/5XX (or a body the SDK cannot read)
│   ├── HTTPValidationError         422: the request's shape; `.data.detail` lists the problems
│   ├── AuthenticationError         401: no key, or an unknown or revoked one
│   ├── PermissionDeniedError       403: scope too small, or a base model (immutable)
│   ├── NotFoundError               404: unknown, or not visible to this key
│   ├── ConflictError               409
│   ├── PreconditionFailedError     412: `If-Match` did not match
│   ├── PayloadTooLargeError        413
│   ├── RateLimitError              429
│   └── InternalServerError         5XX
└── APIConnectionError              no response at all: refused, reset, DNS, protocol error
    └── APITimeoutError             no response in time

Transport failures are *not* `SDKError`s: an `SDKError` always has a status code, a body and the
response (as in the seed). Catch `ModelyardError` to handle both.
"""

from __future__ import annotations

import os

import httpx
from pydantic import ValidationError

from ..types import ErrorBody, HTTPValidationErrorBody


class ModelyardError(Exception):
    """Base of every exception this SDK raises on purpose."""


class SDKError(ModelyardError):
    """The server answered with an error status (or a success body this SDK cannot read)."""

    def __init__(
        self,
        message: str,
        status_code: int,
        body: str,
        headers: httpx.Headers,
        raw_response: httpx.Response,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.body = body
        self.headers = headers
        self.raw_response = raw_response
        self.error = _envelope(body)
        super().__init__(self._describe())

    @property
    def code(self) -> str | None:
        """The envelope's stable snake_case `code` (e.g. `model_not_found`), if there is one."""
        return self.error.code if self.error is not None else None

    @property
    def request_id(self) -> str | None:
        request_id: str | None = self.headers.get("x-request-id")
        return request_id

    def _describe(self) -> str:
        code = f" {self.code}" if self.code else ""
        return f"{self.status_code}{code}: {self.message}"


class HTTPValidationError(SDKError):
    """422: the server rejected the request's shape; `data.detail` holds one item per problem."""

    def __init__(
        self,
        message: str,
        status_code: int,
        body: str,
        headers: httpx.Headers,
        raw_response: httpx.Response,
    ) -> None:
        self.data = _validation_body(body)
        super().__init__(message, status_code, body, headers, raw_response)


class AuthenticationError(SDKError):
    """401."""


class PermissionDeniedError(SDKError):
    """403."""


class NotFoundError(SDKError):
    """404."""


class ConflictError(SDKError):
    """409."""


class PreconditionFailedError(SDKError):
    """412."""


class PayloadTooLargeError(SDKError):
    """413."""


class RateLimitError(SDKError):
    """429: the key's rate limit; the SDK retries these by default, honouring `Retry-After`."""


class InternalServerError(SDKError):
    """5XX."""


class APIConnectionError(ModelyardError):
    """No HTTP response: the connection failed or broke; the httpx exception is the `__cause__`."""

    def __init__(self, message: str, request: httpx.Request | None = None) -> None:
        self.message = message
        self.request = request
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    """No HTTP response in time (`timeout_ms`)."""


_BY_STATUS: dict[int, type[SDKError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    413: PayloadTooLargeError,
    422: HTTPValidationError,
    429: RateLimitError,
}


def error_from_response(response: httpx.Response) -> SDKError:
    """The exception for an error response: its class picked by status alone, as openai does."""
    status = response.status_code
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else SDKError)
    body = response.text
    envelope = _envelope(body)
    message = envelope.message if envelope is not None else _fallback_message(response, body)
    return cls(message, status, body, response.headers, response)


def unreadable_response(response: httpx.Response, problem: ValidationError) -> SDKError:
    """A success status whose body does not match the contract (a proxy page, a wrong server)."""
    problems = problem.error_count()
    message = f"unexpected response body for HTTP {response.status_code} ({problems} problems)"
    return SDKError(message, response.status_code, response.text, response.headers, response)


def connection_error(
    exc: httpx.TransportError, request: httpx.Request, attempts: int = 1, seconds: float = 0.0
) -> APIConnectionError:
    """The error for a request that got no response, naming where it went and how often."""
    tried = f"; {attempts} attempts in {seconds:.1f} s" if attempts > 1 else ""
    where = f" ({request.method} {request.url}{tried})"
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"request timed out{where}", request)
    if isinstance(exc, httpx.ConnectError):
        server = str(request.url.copy_with(path="/", query=None, fragment=None)).rstrip("/")
        configured = os.environ.get("MODELYARD_SERVER_URL")
        now = repr(configured) if configured else "unset"
        message = (
            f"cannot connect to {server}{where}: {exc}. Is the server running there? Check"
            f" server_url or MODELYARD_SERVER_URL (now {now})."
        )
        return APIConnectionError(message, request)
    return APIConnectionError(f"connection failed{where}: {exc!r}", request)


def _envelope(body: str) -> ErrorBody | None:
    if not body.startswith("{"):
        return None
    try:
        return ErrorBody.model_validate_json(body)
    except ValidationError:
        return None


def _validation_body(body: str) -> HTTPValidationErrorBody:
    try:
        return HTTPValidationErrorBody.model_validate_json(body)
    except ValidationError:
        return HTTPValidationErrorBody(detail=[])


def _fallback_message(response: httpx.Response, body: str) -> str:
    if response.status_code == 422:
        problems = [
            f"{'.'.join(str(part) for part in item.loc)}: {item.msg}"
            for item in _validation_body(body).detail
        ]
        return "; ".join(problems) or "request validation failed"
    return response.reason_phrase or f"HTTP {response.status_code}"
