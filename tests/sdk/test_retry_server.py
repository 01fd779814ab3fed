"""Retries against a real HTTP server on 127.0.0.1 that fails on purpose, sync and async.

Waits go through a fake clock, so the tests assert on them without sleeping.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from modelyard import (
    APIConnectionError,
    APITimeoutError,
    BackoffStrategy,
    BaseModelCard,
    DeleteModelOut,
    InternalServerError,
    Modelyard,
    NotFoundError,
    RateLimitError,
    RetryConfig,
)
from tests.sdk.faults import FakeClock, Step, fault_server, refused_url
from tests.sdk.wire import FT_ID, base_card, envelope, ft_card

FAST = RetryConfig("backoff", BackoffStrategy(100, 400, 2.0, 1_000), retry_connection_errors=True)
MODES = ["sync", "async"]


def call(mode: str, yard: Modelyard, operation: str, **kwargs: Any) -> Any:
    """Run one operation through the sync method or its async twin."""
    if mode == "sync":
        with yard:
            return getattr(yard.models, operation)(**kwargs)

    async def run() -> Any:
        async with yard:
            return await getattr(yard.models, f"{operation}_async")(**kwargs)

    return asyncio.run(run())


def yard_for(url: str, clock: FakeClock, **options: Any) -> Modelyard:
    return Modelyard(api_key="k", server_url=url, retry_clock=clock.retry_clock(), **options)


@pytest.mark.parametrize("mode", MODES)
def test_429_with_retry_after_waits_as_told_then_succeeds(mode: str) -> None:
    clock = FakeClock()
    script = [
        Step(429, envelope("rate_limited"), {"Retry-After": "2"}),
        Step(200, base_card()),
    ]
    with fault_server(*script) as server:
        card = call(mode, yard_for(server.url, clock), "retrieve", model_id="mistral-small-2506")
    assert isinstance(card, BaseModelCard)
    assert server.attempts == 2
    assert clock.waits == [2.0]


@pytest.mark.parametrize("mode", MODES)
def test_503_twice_then_200_backs_off_exponentially(mode: str) -> None:
    clock = FakeClock()
    script = [
        Step(503, envelope("unavailable")),
        Step(503, envelope("unavailable")),
        Step(200, base_card()),
    ]
    with fault_server(*script) as server:
        card = call(mode, yard_for(server.url, clock), "retrieve", model_id="mistral-small-2506")
    assert card.id == "mistral-small-2506"
    assert server.attempts == 3
    assert clock.waits == [0.5, 1.0]  # the default policy: 500 ms, doubling; the fake has no jitter


@pytest.mark.parametrize("mode", MODES)
def test_retries_stop_at_max_elapsed_time_and_raise_the_last_error(mode: str) -> None:
    clock = FakeClock()
    with (
        fault_server(Step(503, envelope("unavailable"))) as server,
        pytest.raises(InternalServerError),
    ):
        call(mode, yard_for(server.url, clock, retries=FAST), "list")
    assert clock.waits == [0.1, 0.2, 0.4]  # a fourth wait (0.4) would end past 1 s
    assert server.attempts == 4


@pytest.mark.parametrize("mode", MODES)
def test_a_retry_after_beyond_the_budget_raises_at_once(mode: str) -> None:
    clock = FakeClock()
    step = Step(429, envelope("rate_limited"), {"Retry-After": "3600"})
    with fault_server(step) as server, pytest.raises(RateLimitError) as caught:
        call(mode, yard_for(server.url, clock), "list")
    assert server.attempts == 1
    assert clock.waits == []
    assert caught.value.headers["retry-after"] == "3600"


@pytest.mark.parametrize("mode", MODES)
def test_connection_refused_is_retried_then_raised(mode: str) -> None:
    clock = FakeClock()
    with pytest.raises(APIConnectionError) as caught:
        call(mode, yard_for(refused_url(), clock, retries=FAST), "list")
    assert not isinstance(caught.value, APITimeoutError)
    assert clock.waits == [0.1, 0.2, 0.4]


@pytest.mark.parametrize("mode", MODES)
def test_a_refused_connection_is_retried_for_3_seconds_at_most_by_default(mode: str) -> None:
    clock = FakeClock()
    url = refused_url()
    with pytest.raises(APIConnectionError) as caught:
        call(mode, yard_for(url, clock), "list")
    assert clock.waits == [0.5, 1.0]  # the next wait, 2 s, would end past 3 s
    assert f"cannot connect to {url} (GET {url}/v1/models; 3 attempts in 1.5 s)" in str(
        caught.value
    )


def test_with_the_server_down_the_default_client_gives_up_within_3_seconds() -> None:
    url = refused_url()
    started = time.monotonic()
    with (
        Modelyard(api_key="k", server_url=url) as yard,
        pytest.raises(APIConnectionError) as caught,
    ):
        yard.models.list()
    assert time.monotonic() - started < 3.5
    assert url in str(caught.value)
    assert "Is the server running there?" in str(caught.value)


@pytest.mark.parametrize("mode", MODES)
def test_connection_errors_are_not_retried_when_turned_off(mode: str) -> None:
    clock = FakeClock()
    no_connection_retries = RetryConfig("backoff", FAST.backoff, retry_connection_errors=False)
    with pytest.raises(APIConnectionError):
        call(mode, yard_for(refused_url(), clock, retries=no_connection_retries), "list")
    assert clock.waits == []


@pytest.mark.parametrize("mode", MODES)
def test_a_timeout_is_retried_and_the_next_attempt_succeeds(mode: str) -> None:
    clock = FakeClock()
    script = [Step(200, base_card(), stall=1.0), Step(200, base_card())]
    with fault_server(*script) as server:
        yard = yard_for(server.url, clock, retries=FAST)
        card = call(mode, yard, "retrieve", model_id="mistral-small-2506", timeout_ms=150)
    assert card.id == "mistral-small-2506"
    assert server.attempts == 2
    assert clock.waits == [0.1]


@pytest.mark.parametrize("mode", MODES)
def test_a_timeout_without_retries_raises_api_timeout_error(mode: str) -> None:
    clock = FakeClock()
    with fault_server(Step(200, base_card(), stall=1.0)) as server, pytest.raises(APITimeoutError):
        call(mode, yard_for(server.url, clock, retries=None), "list", timeout_ms=150)
    assert server.attempts == 1


@pytest.mark.parametrize("mode", MODES)
def test_per_call_retries_override_the_clients(mode: str) -> None:
    clock = FakeClock()
    with (
        fault_server(Step(503, envelope("unavailable"))) as server,
        pytest.raises(InternalServerError),
    ):
        call(mode, yard_for(server.url, clock), "list", retries=RetryConfig("none"))
    assert server.attempts == 1


@pytest.mark.parametrize("mode", MODES)
def test_register_retries_send_the_same_job_so_the_server_can_replay(mode: str) -> None:
    clock = FakeClock()
    with fault_server(Step(503, envelope("unavailable")), Step(201, ft_card())) as server:
        call(mode, yard_for(server.url, clock), "register", root="open-mistral-7b")
    first, second = server.seen
    assert first.body == second.body
    assert b'"job":' in first.body


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "first_attempt",
    [
        Step(200, {"id": FT_ID, "object": "model", "deleted": True}, stall=1.0),  # answer lost
        Step(500, envelope("internal_error")),
    ],
    ids=["timeout", "500"],
)
def test_a_retried_delete_that_finds_the_model_gone_reports_it_deleted(
    mode: str, first_attempt: Step
) -> None:
    clock = FakeClock()
    with fault_server(first_attempt, Step(404, envelope("model_not_found"))) as server:
        yard = yard_for(server.url, clock, retries=FAST)
        result = call(mode, yard, "delete", model_id=FT_ID, timeout_ms=150)
    assert result == DeleteModelOut(id=FT_ID, deleted=True)
    assert server.attempts == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_delete_retried_after_a_429_still_reports_404(mode: str) -> None:
    # A 429 was not carried out, so a 404 on the retry means the model was never there.
    clock = FakeClock()
    script = [
        Step(429, envelope("rate_limited"), {"Retry-After": "0"}),
        Step(404, envelope("model_not_found")),
    ]
    with fault_server(*script) as server, pytest.raises(NotFoundError):
        call(mode, yard_for(server.url, clock), "delete", model_id=FT_ID)
    assert server.attempts == 2


def test_sync_and_async_wait_the_same_jittered_delays() -> None:
    waits = []
    for mode in MODES:
        clock = FakeClock(chance=0.5)
        with fault_server(Step(502, None), Step(502, None), Step(200, base_card())) as server:
            call(mode, yard_for(server.url, clock), "retrieve", model_id="m")
        waits.append(clock.waits)
    assert waits[0] == waits[1] == [0.5 * 0.875, 1.0 * 0.875]
