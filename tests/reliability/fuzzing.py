"""What schemathesis fuzzes: the app's own OpenAPI, plus what the app cannot say in it.

The served spec has no security scheme (authentication lives in the gate middleware, outside
FastAPI) and no links. For the fuzz run we add both to the loaded document: a bearer scheme on
every `/v1` operation, so `ignored_auth` probes each one without a key and with a wrong one; and
OpenAPI links for the model lifecycle, register -> retrieve -> update -> archive -> unarchive ->
delete (-> retrieve, for `use_after_free`), so the stateful run walks real models.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable
from typing import Any

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.support.app import Harness

# CI keeps the run short; a release run sets MODELYARD_FUZZ_EXAMPLES=1000 (docs/reliability.md).
EXAMPLES = int(os.environ.get("MODELYARD_FUZZ_EXAMPLES", "25"))

ENVELOPE = {"object", "message", "type", "param", "code"}
ERROR_TYPES = {
    "invalid_request_error", "authentication_error", "permission_error", "not_found_error",
    "conflict_error", "rate_limit_error", "server_error",
}  # fmt: skip


def errors_follow_the_contract(ctx: Any, response: Any, case: Any) -> None:
    """CONTRACT.md's error shapes, which the OpenAPI does not declare (only 2xx and 422 are):
    a 422 is FastAPI's list, every other error Mistral's envelope; every answer has a request id
    and none the deprecation header that crashes both Mistral SDKs."""
    headers = response.headers
    assert headers.get("x-request-id"), "no x-request-id"
    assert "x-model-deprecation-timestamp" not in headers
    if response.status_code < 400:
        return
    assert headers.get("content-type") == ["application/json"], headers.get("content-type")
    body = response.json()
    # CONTRACT.md section 8: a refused webhook target is a 422 in the envelope, with its code.
    if response.status_code == 422 and body.get("code") != "webhook_target_forbidden":
        assert set(body) == {"detail"}, body
        assert body["detail"], body
        assert all({"type", "loc", "msg"} <= set(error) for error in body["detail"]), body
        return
    assert set(body) == ENVELOPE, body
    assert body["object"] == "error", body
    assert body["type"] in ERROR_TYPES, body
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", body["code"]), body
    if response.status_code == 401:
        assert headers.get("www-authenticate") == ["Bearer"], headers


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    use_after_free,
    ignored_auth,
    errors_follow_the_contract,
]

REGISTER = "register_fine_tuned_model"
RETRIEVE = "retrieve_model_v1_models__model_id__get"
UPDATE = "jobs_api_routes_fine_tuning_update_fine_tuned_model"
ARCHIVE = "jobs_api_routes_fine_tuning_archive_fine_tuned_model"
UNARCHIVE = "jobs_api_routes_fine_tuning_unarchive_fine_tuned_model"
DELETE = "delete_model_v1_models__model_id__delete"

# (source operation, its success status) -> the operations its answer leads to. The chain
# is register -> retrieve -> update -> archive -> unarchive -> delete; every step also links to
# the others, so sequences vary (delete -> retrieve/update is where `use_after_free` looks).
_STEPS = [RETRIEVE, UPDATE, ARCHIVE, UNARCHIVE, DELETE]
LIFECYCLE = {
    (REGISTER, "201"): _STEPS,
    (REGISTER, "200"): _STEPS,
    **{(step, "200"): [other for other in _STEPS if other != step] for step in _STEPS},
}
# Changes also carry the ETag they answered with into the next change's If-Match.
_TAKES_IF_MATCH = {UPDATE, ARCHIVE, UNARCHIVE, DELETE}
_SENDS_ETAG = {REGISTER, RETRIEVE, UPDATE, ARCHIVE, UNARCHIVE}

# Roots the test catalog (tests/data/catalog.yaml) knows, canonical ids and an alias.
ROOTS = ("mistral-small-2506", "mistral-small-latest", "open-mistral-7b")


def fuzz_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The served spec with a bearer scheme on every `/v1` operation and the lifecycle links."""
    spec = copy.deepcopy(spec)
    spec.setdefault("components", {})["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer"}
    }
    by_id = {}
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            by_id[operation["operationId"]] = operation
            if path.startswith("/v1/"):
                operation["security"] = [{"bearer": []}]
    for (source, status), targets in LIFECYCLE.items():
        response = by_id[source]["responses"][status]
        links = response.setdefault("links", {})
        for target in targets:
            parameters = {"path.model_id": "$response.body#/id"}
            if target in _TAKES_IF_MATCH and source in _SENDS_ETAG:
                parameters["header.If-Match"] = "$response.header.ETag"
            links[f"{source}->{target}"] = {"operationId": target, "parameters": parameters}
    return spec


def load_schema(
    app: Harness,
    key: Callable[[], str],
    model_ids: list[str] | None = None,
    mode: str = "all",
) -> OpenApiSchema:
    """The fuzz schema, calling the in-process app with the key `key()` returns.

    Most generated registration roots are swapped for a catalog one, and with `model_ids` (models
    the key owns) half the generated `{model_id}`s for one of them, so the fuzzer gets past the
    404 into the registration, update and archive logic instead of probing only unknown ids.
    """
    spec = fuzz_spec(app.call("GET", "/openapi.json", key=None).json())
    config = schemathesis.Config.from_dict({"generation": {"database": "none", "mode": mode}})
    schema = schemathesis.openapi.from_dict(spec, config=config)
    schema.app = app.http.app
    dialect = app.store.dialect

    # No refresh interval: schemathesis would otherwise cache the first key for five minutes.
    @schema.auth(refresh_interval=None)
    class FuzzKey:
        def get(self, case: Any, context: Any) -> str:
            return key()

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    if model_ids:

        @schema.hook("map_path_parameters")
        def known_model(context: Any, path_parameters: Any) -> Any:
            value = path_parameters.get("model_id") if isinstance(path_parameters, dict) else None
            if isinstance(value, str) and len(value) % 2 == 0:
                return {**path_parameters, "model_id": model_ids[len(value) % len(model_ids)]}
            return path_parameters

    @schema.hook("map_body")
    def known_root(context: Any, body: Any) -> Any:
        # A new dict, never the drawn one changed in place: Hypothesis may hand the same object
        # to a later example, which would then see another example's root.
        if context.operation.definition.raw.get("operationId") != REGISTER:
            return body
        if isinstance(body, dict) and isinstance(body.get("root"), str) and len(body["root"]) % 4:
            return {**body, "root": ROOTS[len(body["root"]) % len(ROOTS)]}
        return body

    @schema.hook("filter_case")
    def not_a_known_bug(context: Any, case: Any) -> bool:
        return known_bug(case, dialect) is None

    return schema


def known_bug(case: Any, dialect: str) -> str | None:
    """The open bug a generated case would trip, so the fuzz run stays green while it is open.

    None is open today. For a new one, return the name of its strict-xfail test for the inputs
    that trip it; delete that line when the fix flips the test, so the fuzzer covers them again.
    """
    return None
