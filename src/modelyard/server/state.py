"""The state of one request, typed: set by the layers that learn it, read by those after them.

It lives in `scope["state"]` under one key; `RequestState.of(scope)` is the only way to read it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.types import Scope

from modelyard.registry.identity import Actor, Principal
from modelyard.store.dialect import Versions

if TYPE_CHECKING:
    from .operations import Operation

_KEY = "modelyard"
_REQUEST_ID = re.compile(rb"^[\x21-\x7e]{1,128}$")


@dataclass(slots=True)
class RequestState:
    request_id: str
    operation: Operation | None = None  # None: no operation matched (docs, unknown paths)
    principal: Principal | None = None  # the caller, once the gate has authenticated the key
    versions: Versions | None = None  # the store's versions, read once after the request came
    # Headers of this request's answer, whatever answers it (x-request-id, rate limits).
    response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)

    @classmethod
    def start(cls, scope: Scope) -> RequestState:
        request_id = _request_id(scope)
        state = cls(request_id, response_headers=[(b"x-request-id", request_id.encode())])
        scope.setdefault("state", {})[_KEY] = state
        return state

    @staticmethod
    def of(scope: Scope) -> RequestState | None:
        found: RequestState | None = scope.get("state", {}).get(_KEY)
        return found

    @property
    def actor(self) -> Actor:
        assert self.principal is not None, "an operation that needs a key has one"
        return Actor(self.principal, self.request_id)


def _request_id(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"x-request-id" and _REQUEST_ID.match(value):
            return str(value.decode("ascii"))
    # A PRNG, not os.urandom: the getrandom() call releases the GIL, and a write thread that
    # takes it then holds the event loop up (py-spy: ~9% of a PATCH's loop time). A request id
    # is a correlation id, not a secret; `random` reseeds in every forked worker.
    return f"{random.getrandbits(128):032x}"
