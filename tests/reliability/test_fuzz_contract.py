"""Schemathesis against the app's own OpenAPI: no 5xx, no response outside its declared schema.

Stateless: every operation, positive and negative data, as an admin key of a fresh workspace
(admin, so the tenancy and audit routes get past the scope check). Stateful: the model lifecycle
through the links `fuzzing.fuzz_spec` adds, each scenario with a write key of its own workspace.
Both with the checks `not_a_server_error`, `response_schema_conformance`, `use_after_free` and
`ignored_auth`, plus `fuzzing.errors_follow_the_contract`, on each dialect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans

from tests.support.app import Harness, harness

from .fuzzing import (
    ARCHIVE,
    CHECKS,
    DELETE,
    EXAMPLES,
    LIFECYCLE,
    REGISTER,
    RETRIEVE,
    UNARCHIVE,
    UPDATE,
    fuzz_spec,
    load_schema,
)

OPERATIONS = [
    "list_models_v1_models_get",
    RETRIEVE,
    DELETE,
    REGISTER,
    UPDATE,
    ARCHIVE,
    UNARCHIVE,
    "get_me",
    "list_workspaces",
    "create_workspace",
    "list_api_keys",
    "create_api_key",
    "revoke_api_key",
    "list_audit_events",
    "list_aliases",
    "get_alias",
    "set_alias",
    "delete_alias",
    "create_webhook",
    "list_webhooks",
    "get_webhook",
    "update_webhook",
    "delete_webhook",
    "rotate_webhook_secret",
    "list_webhook_deliveries",
    "redeliver_webhook_delivery",
    "ping_webhook",
    "healthz",
    "readyz",
    "metrics",
]
FUZZ_SETTINGS = settings(
    deadline=None,
    database=None,  # nothing written under the working tree; failures print their seed
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture
def app(database_url: str) -> Iterator[Harness]:
    """The app, without the failed-authentication throttle: `ignored_auth` sends a bad key to
    every operation, and would soon be answered 429 (the throttle has tests of its own)."""
    with harness(database_url, failed_auth_limit="") as built:
        yield built


@pytest.fixture(autouse=True)
def _release_the_apps() -> Iterator[None]:
    # schemathesis keeps every app it has called alive (lifespan started) for the whole process.
    yield
    shutdown_lifespans()


def fuzz_target(app: Harness) -> tuple[str, list[str]]:
    """An admin key of a fresh workspace, and two models it owns (one archived)."""
    key = app.key("admin")
    models = [app.register(key, name="fuzz")["id"] for _ in range(2)]
    assert app.call("POST", f"/v1/fine_tuning/models/{models[1]}/archive", key).status_code == 200
    return key, models


def test_the_fuzzed_operations_are_every_operation_the_app_serves(app: Harness):
    spec = fuzz_spec(app.call("GET", "/openapi.json", key=None).json())
    served = {op["operationId"] for ops in spec["paths"].values() for op in ops.values()}
    assert served == set(OPERATIONS)


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_every_operation_answers_fuzzed_requests_within_its_contract(
    app: Harness, operation_id: str
):
    key, models = fuzz_target(app)
    operation = load_schema(app, lambda: key, models).find_operation_by_id(operation_id)
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=strategy)
    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES)
    def call_and_validate(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    call_and_validate()


def test_the_model_lifecycle_holds_under_fuzzed_sequences(app: Harness):
    keys: list[str] = []
    # Positive data only: a sequence is only as long as its first refused step, and the stateless
    # run already sends every operation its negative data.
    schema = load_schema(app, lambda: keys[-1], mode="positive").include(
        operation_id=[REGISTER, RETRIEVE, UPDATE, ARCHIVE, UNARCHIVE, DELETE]
    )
    succeeded: Counter[str] = Counter()

    class Lifecycle(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Each scenario in a workspace of its own: a job Hypothesis replays from an earlier
            # scenario is then a new registration again, so a scenario's answers never depend
            # on the ones before it (Hypothesis refuses state machines whose steps do).
            keys.append(app.key("write"))

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            if 200 <= response.status_code < 300:
                succeeded[case.operation.definition.raw["operationId"]] += 1
            case.validate_response(
                response, checks=CHECKS, transport_kwargs=kwargs or None, recorder=self.recorder
            )

    # Generation only (schemathesis's own default for state machines): shrinking a failing
    # sequence replays dozens of scenarios against the server and can take minutes; a failure
    # prints its steps as they ran.
    Lifecycle.run(
        settings=settings(
            FUZZ_SETTINGS, max_examples=EXAMPLES, stateful_step_count=10, phases=[Phase.generate]
        )
    )
    # A run that never got a model through the chain would have tested nothing.
    linked = {target for targets in LIFECYCLE.values() for target in targets} | {REGISTER}
    assert linked <= set(succeeded), f"never succeeded: {sorted(linked - set(succeeded))}"
