"""The router: each request finds its declared operation (and the scope it needs), or a 404/405."""

from __future__ import annotations

import pytest

from modelyard.server.dispatch import Match, NotAllowed, Router
from modelyard.server.routes import OPERATIONS

ROUTER = Router(OPERATIONS)


def match(method: str, path: str, root_path: str = "") -> Match | NotAllowed | None:
    return ROUTER.match({"method": method, "path": root_path + path, "root_path": root_path})


FT = "/v1/fine_tuning/models"


@pytest.mark.parametrize(
    ("method", "path", "operation", "scope", "params"),
    [
        ("GET", "/v1/models", "list_models", "read", {}),
        ("GET", "/v1/models/a/b", "retrieve_model", "read", {"model_id": "a/b"}),
        ("DELETE", "/v1/models/ft:x", "delete_model", "write", {"model_id": "ft:x"}),
        ("PATCH", f"{FT}/ft:x", "update_model", "write", {"model_id": "ft:x"}),
        # An id may end in "/archive": PATCH has no archive route, so this is an update.
        ("PATCH", f"{FT}/x/archive", "update_model", "write", {"model_id": "x/archive"}),
        ("POST", f"{FT}/ft:x/archive", "archive_model", "write", {"model_id": "ft:x"}),
        ("DELETE", f"{FT}/a/b/archive", "unarchive_model", "write", {"model_id": "a/b"}),
        ("POST", "/v1/fine_tuning/models", "register_model", "write", {}),
        ("GET", "/v1/me", "get_me", "read", {}),
        ("GET", "/v1/api_keys", "list_api_keys", "admin", {}),
        ("DELETE", "/v1/api_keys/k1", "revoke_api_key", "admin", {"key_id": "k1"}),
        ("GET", "/v1/audit/events", "list_audit_events", "admin", {}),
        ("GET", "/healthz", "healthz", None, {}),
        ("GET", "/metrics", "metrics", None, {}),
    ],
)  # fmt: skip
def test_each_request_finds_its_operation_and_the_scope_it_needs(
    method: str, path: str, operation: str, scope: str | None, params: dict[str, str]
):
    found = match(method, path)
    assert isinstance(found, Match)
    assert (found.operation.name, found.operation.scope) == (operation, scope)
    assert found.path_params == params


def test_a_known_path_with_another_method_is_not_allowed_and_says_which_are():
    found = match("PUT", "/v1/models/x")
    assert found == NotAllowed(frozenset({"GET", "HEAD", "DELETE"}))
    assert match("GET", "/v1/fine_tuning/models") == NotAllowed(frozenset({"POST"}))


def test_head_is_the_get_operation():
    found = match("HEAD", "/v1/models/a")
    assert isinstance(found, Match)
    assert found.operation.name == "retrieve_model"


def test_unknown_paths_match_nothing():
    assert match("GET", "/v1/nothing-here") is None
    assert match("GET", "/docs") is None


def test_paths_are_matched_below_the_root_path():
    found = match("GET", "/v1/models/m", root_path="/registry")
    assert isinstance(found, Match)
    assert found.path_params == {"model_id": "m"}


def test_every_operation_is_declared_once():
    keys = [(op.method, op.path) for op in OPERATIONS]
    assert len(keys) == len(set(keys))
    assert len({op.operation_id for op in OPERATIONS}) == len(OPERATIONS)
    assert len({op.name for op in OPERATIONS}) == len(OPERATIONS)
