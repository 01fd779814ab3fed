"""Each operation of the API, declared once: method, path, scope, parameters, body, handler.

Everything else is derived from the declarations: the router (dispatch.py), the scope the gate
demands, which GETs the read cache keeps, the metrics and access-log names, the parsing and
validation of parameters and bodies (here), and the OpenAPI document (openapi.py). A new endpoint,
or a new field of a body, is added in one place.

Parameters are one pydantic model per operation (`Params`), each field marked with where it comes
from: `Annotated[str, PATH, Field(...)]`, `HEADER`, or a query parameter when unmarked. They are
validated exactly as FastAPI validates them, and a failure is FastAPI's 422 (errors.py).

Also here: the typed state of one request (`RequestState`), and what a handler receives (`Call`).
"""

from __future__ import annotations

import inspect
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, ParamSpec, TypeVar, get_origin
from urllib.parse import parse_qsl, quote

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.routing import compile_path
from starlette.types import Scope

from modelyard.registry.aliases import AliasService
from modelyard.registry.audit import AuditService
from modelyard.registry.errors import RequestInvalid
from modelyard.registry.identity import Actor, Principal
from modelyard.registry.models import ModelService
from modelyard.registry.tenancy import TenancyService
from modelyard.registry.webhooks import WebhookService
from modelyard.settings import Settings
from modelyard.store.dialect import Versions
from modelyard.store.engine import Store

from .answers import Answer, Item, missing_body, validation_items

Scope_ = Literal["read", "write", "admin"]
P = TypeVar("P")
B = TypeVar("B")
T = TypeVar("T")
_A = ParamSpec("_A")


@dataclass(frozen=True, slots=True)
class In:
    """Where a parameter comes from."""

    location: Literal["path", "query", "header"]


PATH, QUERY, HEADER = In("path"), In("query"), In("header")


# -- the state of one request ------------------------------------------------------------------
#
# Typed: set by the layers that learn it, read by those after them. It lives in
# `scope["state"]` under one key; `RequestState.of(scope)` is the only way to read it.

_KEY = "modelyard"
_REQUEST_ID = re.compile(rb"^[\x21-\x7e]{1,128}$")


@dataclass(slots=True)
class RequestState:
    request_id: str
    root_path: str = ""  # where the API is mounted (`--root-path`, behind a proxy)
    operation: Operation | None = None  # None: no operation matched (docs, unknown paths)
    principal: Principal | None = None  # the caller, once the gate has authenticated the key
    versions: Versions | None = None  # the store's versions, read once after the request came
    # Headers of this request's answer, whatever answers it (x-request-id, rate limits).
    response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)

    @classmethod
    def start(cls, scope: Scope) -> RequestState:
        request_id = _request_id(scope)
        headers = [(b"x-request-id", request_id.encode())]
        state = cls(request_id, scope.get("root_path", ""), response_headers=headers)
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


class Params(BaseModel):
    """An operation's path, query and header parameters. Frozen, so a value can key a cache;
    fields are declared in FastAPI's order (path, query, header), the order of its errors."""

    model_config = ConfigDict(frozen=True, extra="ignore")


@dataclass(frozen=True, slots=True)
class Services:
    """What handlers work with: the store and the registry's services on it."""

    settings: Settings
    store: Store
    models: ModelService
    tenancy: TenancyService
    audit: AuditService
    aliases: AliasService
    webhooks: WebhookService


@dataclass(slots=True)
class Call(Generic[P, B]):
    """One call of an operation, as its handler receives it."""

    state: RequestState
    params: P
    body: B
    services: Services

    @property
    def principal(self) -> Principal:
        assert self.state.principal is not None, "the gate authenticated the caller"
        return self.state.principal

    @property
    def actor(self) -> Actor:
        return self.state.actor

    def read(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`work(tx, *args, **kwargs)` in a read transaction."""
        versions = self.state.versions
        with self.services.store.read(versions[0] if versions else None) as tx:
            return work(tx, *args, **kwargs)

    async def write(self, work: Callable[..., T], *args: Any, reads: tuple[str, ...] = ()) -> T:
        """`work(tx, *args)` in a write transaction shared with the writes queued beside it
        (group commit); returns once that transaction has committed. `reads`: the fine-tuned
        models it changes, by id (read for the whole batch in one statement)."""
        return await self.services.store.write_together(lambda tx: work(tx, *args), reads)

    async def change_model(self, work: Callable[..., T], model_id: str, *args: Any) -> T:
        """`work(tx, actor, model_id, *args)`: a change of one fine-tuned model by this caller,
        the model read with the rest of its batch."""
        return await self.write(work, self.actor, model_id, *args, reads=(model_id,))


Handler = Callable[[Call[Any, Any]], Awaitable[Answer] | Answer]


@dataclass(frozen=True, slots=True)
class _Param:
    name: str
    alias: str
    location: str
    many: bool
    header: bytes  # the header's name as it arrives (lower case), for a header parameter


@dataclass(frozen=True, eq=False)
class Operation:
    method: str
    path: str
    handler: Handler
    operation_id: str
    summary: str
    scope: Scope_ | None  # None: public (no key)
    params: type[Params] | None = None
    body: type[BaseModel] | None = None
    body_required: bool = True
    responses: Mapping[int, Any] = field(default_factory=dict)
    # The statuses its rules can answer besides those every operation of its kind can (401,
    # 403 scope, 408, 413, 414, 422, 429, 503: see `statuses`), e.g. 404, 409, 412.
    errors: tuple[int, ...] = ()
    status_code: int = 200
    media_type: str = "application/json"
    cached: bool = False  # a GET whose 200 answers the read cache keeps per store revision
    tags: tuple[str, ...] = ()
    _params: tuple[_Param, ...] = field(init=False, repr=False)
    _locations: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        declared = []
        for name, info in (self.params.model_fields if self.params else {}).items():
            where = next((m for m in info.metadata if isinstance(m, In)), QUERY)
            many = get_origin(info.annotation) in (list, tuple)
            alias = info.alias or name
            header = alias.lower().encode("latin-1")
            declared.append(_Param(name, alias, where.location, many, header))
        object.__setattr__(self, "_params", tuple(declared))
        object.__setattr__(self, "_locations", {p.alias: p.location for p in declared})

    @property
    def name(self) -> str:
        """The operation's short name (metrics, access log): its handler's."""
        return self.handler.__name__

    @property
    def blocking(self) -> bool:
        """A plain `def` handler does blocking work: it runs on a worker thread."""
        return not inspect.iscoroutinefunction(self.handler)

    @property
    def statuses(self) -> list[int]:
        """Every error status this operation can answer (its OpenAPI responses)."""
        found = {414, 500, *self.errors}
        if self.scope is not None:
            found |= {401, 429, 503}
            if self.scope != "read":
                found.add(403)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            found |= {408, 413}
        if self.params is not None or self.body is not None:
            found.add(422)
        return sorted(found)

    def url(self, root_path: str = "", **params: str) -> str:
        """This operation's URL for these path parameters (each quoted, ':' and '/' kept)."""
        quoted = {name: quote(value, safe=":/") for name, value in params.items()}
        return root_path + compile_path(self.path)[1].format(**quoted)

    def raw_params(self, scope: Scope, path_params: Mapping[str, str]) -> RawParams:
        """The declared parameters as the request sent them, unknown ones left out: what
        validation reads, and what the read cache keys on (so an unknown query parameter never
        makes a new entry). A repeated query parameter: the last value, or all for a list."""
        found: list[tuple[str, Any]] = []
        query: list[tuple[str, str]] | None = None
        for param in self._params:
            if param.location == "path":
                found.append((param.alias, path_params[param.name]))
            elif param.location == "header":
                for key, value in scope["headers"]:
                    if key == param.header:
                        found.append((param.alias, value.decode("latin-1")))
                        break
            else:
                if query is None:  # as Starlette parses it
                    text = scope["query_string"].decode("latin-1")
                    query = parse_qsl(text, keep_blank_values=True) if text else []
                values = [value for key, value in query if key == param.alias]
                if values:
                    found.append((param.alias, tuple(values) if param.many else values[-1]))
        return tuple(found)

    def parse(self, raw: RawParams, body: Any) -> tuple[Any, Any]:
        """The parameters and body, validated; `body` is the decoded JSON or `NO_BODY`."""
        items: list[Item] = []
        params = None
        if self.params is not None:
            try:
                params = self.params.model_validate(dict(raw))
            except ValidationError as error:
                items.extend(validation_items(error, self._locations))
        value = None
        if self.body is not None:
            if body is NO_BODY or body is None:
                if self.body_required:
                    items.append(missing_body())
            else:
                try:
                    # As FastAPI validates a body: from attributes too, so a JSON value that is
                    # not an object is `model_attributes_type`, as Mistral's API answers.
                    value = self.body.model_validate(body, from_attributes=True)
                except ValidationError as error:
                    items.extend(validation_items(error, {}))
        if items:
            raise RequestInvalid(items)
        return params, value


RawParams = tuple[tuple[str, Any], ...]
NO_BODY: Any = object()  # the request had no body (or only whitespace)


class Operations:
    """The operations of one route module, in the order they are declared."""

    def __init__(self, *tags: str) -> None:
        self.tags = tags
        self.declared: list[Operation] = []

    def __call__(
        self, method: str, path: str, *, scope: Scope_ | None, **declaration: Any
    ) -> Callable[[Callable[_A, T]], Callable[_A, T]]:
        def declare(handler: Callable[_A, T]) -> Callable[_A, T]:
            self.declared.append(
                Operation(method, path, handler, scope=scope, tags=self.tags, **declaration)  # type: ignore[arg-type]
            )
            return handler

        return declare

    def __getitem__(self, handler: Callable[..., Any]) -> Operation:
        """The operation this handler serves."""
        return next(operation for operation in self.declared if operation.handler is handler)
