"""The four changes (update, archive, unarchive, delete) served in front of FastAPI when they are
well formed; everything else goes on to the routes.

Why: FastAPI's request handling (routing, middleware, dependencies, body parsing) cost a PATCH
about 150 µs of the event loop, and with the event loop also handing the GIL to the writer thread
it capped PATCH through FastAPI at ~6,500/s with no store work at all (py-spy; bench/RESULTS.md).

This lane takes a request only when it is exactly what the route would accept: an id of 1 to 512
characters (the gate has already answered any path with a control character), an `If-Match` of
at most 1,024 characters and, for a PATCH, a body that validates as `UpdateFTModelIn`. Anything
else, malformed or merely unusual, goes on to FastAPI with its body, so every 422 is still
FastAPI's own. A request taken here calls the same service method and renders with the same
functions as the route (`responses.py`), so its answer is byte for byte the route's
(tests/integration/test_change_lane.py).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.registry.errors import RegistryError
from modelyard.registry.identity import Actor, Principal
from modelyard.registry.ids import MODEL_ID_MAX_LENGTH
from modelyard.registry.models import ModelService
from modelyard.types import UpdateFTModelIn

from .errors import registry_error_response, unexpected_error_response
from .gate import replay
from .responses import json_response, versioned_response
from .routes.params import IF_MATCH_MAX_LENGTH

log = logging.getLogger("modelyard.server")

_FINE_TUNED = "/v1/fine_tuning/models/"
_MODELS = "/v1/models/"
_ARCHIVE = "/archive"


class ChangeLane:
    def __init__(self, app: ASGIApp, models: ModelService) -> None:
        self.app = app
        self.models = models

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.get("state") or {}
        principal: Principal | None = state.get("principal")
        target = _target(scope) if principal is not None else None
        well_formed, if_match = _if_match(scope) if target is not None else (False, None)
        if principal is None or target is None or not well_formed:
            await self.app(scope, receive, send)
            return
        operation, model_id = target
        patch = None
        if operation == "update":
            message = await receive()
            patch = _patch(message)
            if patch is None:  # not what the route accepts: FastAPI says why, from the same body
                await self.app(scope, replay([message]), send)
                return
        actor = Actor(principal, state.get("request_id"))
        try:
            response = await self._change(operation, actor, model_id, patch, if_match)
        except RegistryError as error:
            response = registry_error_response(error)
        except Exception:
            log.exception("unhandled error in request %s", actor.request_id)
            response = unexpected_error_response(actor.request_id)
        await response(scope, receive, send)

    async def _change(
        self,
        operation: str,
        actor: Actor,
        model_id: str,
        patch: UpdateFTModelIn | None,
        if_match: str | None,
    ) -> Response:
        """What the route of this operation calls, rendered as it renders it."""
        models = self.models
        if patch is not None:  # an update
            return versioned_response(await models.update_async(actor, model_id, patch, if_match))
        if operation == "delete":
            return json_response(await models.delete_async(actor, model_id, if_match))
        archived = operation == "archive"
        return versioned_response(
            await models.set_archived_async(actor, model_id, archived, if_match)
        )


def _target(scope: Scope) -> tuple[str, str] | None:
    """The change a request asks for and the model id, as the routes would match them."""
    if scope["type"] != "http" or scope.get("root_path"):
        return None
    method, path = scope["method"], scope["path"]
    if path.startswith(_FINE_TUNED):
        rest = path[len(_FINE_TUNED) :]
        if method == "PATCH":
            return _checked("update", rest)
        if method in ("POST", "DELETE") and rest.endswith(_ARCHIVE):
            operation = "archive" if method == "POST" else "unarchive"
            return _checked(operation, rest[: -len(_ARCHIVE)])
    elif method == "DELETE" and path.startswith(_MODELS):
        return _checked("delete", path[len(_MODELS) :])
    return None


def _checked(operation: str, model_id: str) -> tuple[str, str] | None:
    """Only an id the route's `ModelId` accepts (its pattern, no control character, is the
    gate's for the whole path)."""
    return (operation, model_id) if 0 < len(model_id) <= MODEL_ID_MAX_LENGTH else None


def _if_match(scope: Scope) -> tuple[bool, str | None]:
    """The first If-Match (what the route reads) or None, and whether the route accepts it."""
    for key, value in scope["headers"]:
        if key == b"if-match":
            text: str = value.decode("latin-1")
            return len(text) <= IF_MATCH_MAX_LENGTH, text
    return True, None


def _patch(message: Message) -> UpdateFTModelIn | None:
    """The body as the route would read it (empty or `null`: an empty patch), or None."""
    if message["type"] != "http.request" or message.get("more_body", False):
        return None
    body: bytes = message.get("body", b"")
    if not body:
        return UpdateFTModelIn()
    try:
        value: Any = orjson.loads(body)
        return UpdateFTModelIn() if value is None else UpdateFTModelIn.model_validate(value)
    except (orjson.JSONDecodeError, ValidationError):
        return None
