"""The one path of every API request: route -> gate -> parameters and body -> handler -> answer.

Requests for no declared operation (the docs, `/openapi.json`, unknown paths) go on to the
FastAPI app behind it. Why not FastAPI's own request handling: its routing, middleware,
dependencies and body parsing cost ~150 µs of the event loop per request, which capped PATCH
near ~6,500/s with no store work at all (py-spy, bench/RESULTS.md). The operations' declarations
give everything that handling did (operations.py), and FastAPI still writes the OpenAPI document
from them (openapi.py).
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, PathConvertor, StringConvertor
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from modelyard.registry.memo import RevisionMemo

from .answers import Answer, answer_for, http_error_answer
from .gate import Gate
from .operations import Call, Operation, RequestState, Services

log = logging.getLogger("modelyard.server")


class Dispatch:
    def __init__(
        self, router: Router, gate: Gate, memo: RevisionMemo, services: Services, rest: ASGIApp
    ) -> None:
        self.router = router
        self.gate = gate
        self.memo = memo
        self.services = services
        self.rest = rest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.rest(scope, receive, send)
            return
        state = RequestState.start(scope)
        found = self.router.match(scope)
        if found is None:
            await self._rest(scope, receive, send, state)
            return
        if isinstance(found, NotAllowed):
            answer = http_error_answer(405, allow=found.allowed)
        else:
            state.operation = found.operation
            try:
                body = await self.gate.admit(scope, receive, state)
                answer = await self._answer(found.operation, scope, found.path_params, body, state)
            except Exception as error:
                answer = answer_for(error, state.request_id)
            if answer.status == 200 and _not_modified(scope, answer):
                answer = Answer(b"", 304, answer.headers)
        await answer.send(send, state.response_headers, head=scope["method"] == "HEAD")

    async def _rest(self, scope: Scope, receive: Receive, send: Send, state: RequestState) -> None:
        """The FastAPI app behind the operations. A failure after its answer started is logged
        and kept here: the connection stays usable for the client's next request."""
        started = False

        async def sending(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *state.response_headers]
            await send(message)

        try:
            await self.rest(scope, receive, sending)
        except Exception as error:
            if started:
                log.exception("request %s failed after its answer started", state.request_id)
                return
            await answer_for(error, state.request_id).send(send, state.response_headers)

    async def _answer(
        self,
        operation: Operation,
        scope: Scope,
        path_params: dict[str, str],
        body: Any,
        state: RequestState,
    ) -> Answer:
        raw = operation.raw_params(scope, path_params)
        if not operation.cached:
            params, value = operation.parse(raw, body)
            return await self._call(operation, Call(state, params, value, self.services))
        # A GET seen before at this store revision, by this workspace, with the same parameters:
        # the same answer, without a transaction (docs/architecture.md, decision 6). Only 200s
        # are kept, so parameters that made one once are valid: no need to validate them again.
        assert state.principal is not None, "cached operations need a key"
        assert state.versions is not None, "read when the key was checked"
        key = (state.principal.workspace_id, operation.name, raw)
        cached: Answer | None = self.memo.response(key)
        if cached is None:
            params, value = operation.parse(raw, body)
            cached = await self._call(operation, Call(state, params, value, self.services))
            if cached.status == 200:
                self.memo.put_response(key, cached, state.versions)
        return cached

    @staticmethod
    async def _call(operation: Operation, call: Call[Any, Any]) -> Answer:
        answer = (
            await run_in_threadpool(operation.handler, call)
            if operation.blocking
            else operation.handler(call)
        )
        return await answer if inspect.isawaitable(answer) else answer


def _not_modified(scope: Scope, answer: Answer) -> bool:
    """RFC 9110 If-None-Match on a GET: the answer's ETag is one of the listed tags (compared
    weakly), or the list is `*`."""
    if scope["method"] not in ("GET", "HEAD"):
        return False
    etag = next((value for name, value in answer.headers if name == b"etag"), None)
    wanted = next((value for name, value in scope["headers"] if name == b"if-none-match"), None)
    if etag is None or wanted is None:
        return False
    tags = {tag.strip().removeprefix(b"W/") for tag in wanted.split(b",")}
    return b"*" in tags or etag.removeprefix(b"W/") in tags


# -- routing: which operation a request is for ------------------------------------------------
#
# Matched from the declared paths alone (Starlette's path syntax), as Starlette's router matches:
# any operation whose path and method match wins; a path that matches only with other methods
# is a 405. Paths without parameters are looked up in a dict; the few with parameters are tried
# in declaration order. Paths are matched across newlines too, so a path with a control
# character reaches the gate, which refuses it with a 422.


@dataclass(frozen=True, slots=True)
class Match:
    operation: Operation
    path_params: dict[str, str]


@dataclass(frozen=True, slots=True)
class NotAllowed:
    """The path exists, with other methods."""

    allowed: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Pattern:
    regex: re.Pattern[str]
    convertors: dict[str, Convertor[str]]
    operation: Operation
    text_only: bool  # every parameter is `str` or `path`: the matched text itself


class Router:
    def __init__(self, operations: Iterable[Operation]) -> None:
        self.operations = tuple(operations)
        self._static: dict[tuple[str, str], Operation] = {}
        self._patterns: dict[str, list[_Pattern]] = {}
        self._static_methods: dict[str, set[str]] = {}
        for operation in self.operations:
            regex, _format, convertors = compile_path(operation.path)
            if not convertors:
                self._static[operation.method, operation.path] = operation
                self._static_methods.setdefault(operation.path, set()).add(operation.method)
                continue
            text_only = all(
                type(c) in (StringConvertor, PathConvertor) for c in convertors.values()
            )
            pattern = _Pattern(
                re.compile(regex.pattern, re.DOTALL), convertors, operation, text_only
            )
            self._patterns.setdefault(operation.method, []).append(pattern)

    def match(self, scope: Scope) -> Match | NotAllowed | None:
        """The operation of this request; HEAD is a GET whose answer has no body."""
        method, path = scope["method"], _route_path(scope)
        if method == "HEAD":
            method = "GET"
        operation = self._static.get((method, path))
        if operation is not None:
            return Match(operation, {})
        for pattern in self._patterns.get(method, ()):
            found = pattern.regex.match(path)
            if found is not None:
                return Match(pattern.operation, _params(pattern, found))
        allowed = set(self._static_methods.get(path, ()))
        for other, patterns in self._patterns.items():
            if other != method and any(p.regex.match(path) for p in patterns):
                allowed.add(other)
        if "GET" in allowed:
            allowed.add("HEAD")
        return NotAllowed(frozenset(allowed)) if allowed else None


def _route_path(scope: Scope) -> str:
    """The path below the root path the server is mounted at (`--root-path`, behind a proxy)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :] or "/"
    return path


def _params(pattern: _Pattern, found: re.Match[str]) -> dict[str, str]:
    values = found.groupdict()
    if pattern.text_only:
        return values
    return {name: pattern.convertors[name].convert(value) for name, value in values.items()}
