"""Which operation a request is for, from the declared paths alone (Starlette's path syntax).

Matched as Starlette's router matches: any operation whose path and method match wins; a path
that matches only with other methods is a 405. Paths without parameters are looked up in a dict;
the few with parameters are tried in declaration order. Paths are matched across newlines too,
so a path with a control character reaches the gate, which refuses it with a 422.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.convertors import Convertor
from starlette.routing import compile_path
from starlette.types import Scope

from .operations import Operation


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
            pattern = _Pattern(re.compile(regex.pattern, re.DOTALL), convertors, operation)
            self._patterns.setdefault(operation.method, []).append(pattern)

    def match(self, scope: Scope) -> Match | NotAllowed | None:
        method, path = scope["method"], _route_path(scope)
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
        return NotAllowed(frozenset(allowed)) if allowed else None


def _route_path(scope: Scope) -> str:
    """The path below the root path the server is mounted at (`--root-path`, behind a proxy)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :] or "/"
    return path


def _params(pattern: _Pattern, found: re.Match[str]) -> dict[str, str]:
    return {
        name: pattern.convertors[name].convert(value) for name, value in found.groupdict().items()
    }
