"""Domain errors, each with the contract's status, type and stable code; one handler renders them.

RegistryError
├── Unauthorized            401 unauthorized
├── InsufficientScope       403 insufficient_scope
├── BaseModelImmutable      403 base_model_immutable
├── NotFound                404 model_not_found / not_found / workspace_not_found / ...
├── PreconditionFailed      412 precondition_failed
├── Conflict                409 model_exists / model_deleted / workspace_exists / alias_conflict
│                               / model_has_aliases / alias_not_model
├── RequestInvalid          422 in FastAPI's list form: the request cannot be applied as it is
├── PayloadTooLarge         413 payload_too_large
├── UriTooLong              414 uri_too_long
├── RateLimited             429 rate_limited
└── StoreUnavailable        503 store_unavailable
"""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    status = 500
    type = "server_error"
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code


class Unauthorized(RegistryError):
    status, type, code = 401, "authentication_error", "unauthorized"


class InsufficientScope(RegistryError):
    status, type, code = 403, "permission_error", "insufficient_scope"


class BaseModelImmutable(RegistryError):
    status, type, code = 403, "permission_error", "base_model_immutable"


class NotFound(RegistryError):
    status, type, code = 404, "not_found_error", "model_not_found"


class Conflict(RegistryError):
    status, type, code = 409, "conflict_error", "model_exists"


class PreconditionFailed(RegistryError):
    status, type, code = 412, "invalid_request_error", "precondition_failed"


class RequestInvalid(RegistryError):
    """The request does not validate (its parameters or body), or a change it asks for cannot
    apply (a merge patch that would leave 65 labels): a 422 with FastAPI's items."""

    status, type, code = 422, "invalid_request_error", "invalid_request"

    def __init__(self, items: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(items)} validation error(s)")
        self.items = items


class PayloadTooLarge(RegistryError):
    status, type, code = 413, "invalid_request_error", "payload_too_large"


class UriTooLong(RegistryError):
    status, type, code = 414, "invalid_request_error", "uri_too_long"


class RateLimited(RegistryError):
    status, type, code = 429, "rate_limit_error", "rate_limited"


class StoreUnavailable(RegistryError):
    status, type, code = 503, "server_error", "store_unavailable"


def model_not_found(model_id: str) -> NotFound:
    return NotFound(f"Model '{model_id}' not found.", param="model_id")
