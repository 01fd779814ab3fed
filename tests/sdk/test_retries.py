"""The pure retry decisions: which outcomes retry, how long to wait, when to give up."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from modelyard import DEFAULT_RETRIES, BackoffStrategy, RetryConfig
from modelyard.client._retries import (
    backoff_delay,
    may_have_reached_server,
    next_delay,
    parse_retry_after,
    should_retry,
)

NOW = 1_750_000_000.0
FAST = RetryConfig("backoff", BackoffStrategy(100, 400, 2.0, 1_000), retry_connection_errors=True)
REQUEST = httpx.Request("GET", "http://yard.test/v1/models")


def http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.fromtimestamp(NOW + seconds_from_now, UTC), usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"Retry-After": "0.5"}, 0.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"retry-after-ms": "soon", "Retry-After": "9"}, 9.0),
        ({"Retry-After": http_date(7)}, 7.0),
        ({"Retry-After": http_date(-60)}, 0.0),
        ({"Retry-After": http_date(4).replace("GMT", "-0000")}, 4.0),
        ({"Retry-After": "next tuesday"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after_reads_ms_seconds_and_http_dates(
    headers: dict[str, str], expected: float | None
) -> None:
    assert parse_retry_after(httpx.Headers(headers), NOW) == expected


def test_backoff_grows_by_the_exponent_and_stops_at_max_interval() -> None:
    delays = [backoff_delay(FAST.backoff, attempt, chance=0.0) for attempt in range(1, 6)]
    assert delays == [0.1, 0.2, 0.4, 0.4, 0.4]


def test_jitter_shortens_a_delay_by_at_most_a_quarter() -> None:
    assert backoff_delay(FAST.backoff, 1, chance=0.999999) == pytest.approx(0.075, abs=1e-6)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_the_default_policy_retries_rate_limits_and_server_faults(status: int) -> None:
    assert should_retry(DEFAULT_RETRIES, status=status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412, 413, 422, 501])
def test_the_default_policy_never_retries_a_clients_mistake(status: int) -> None:
    assert not should_retry(DEFAULT_RETRIES, status=status)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused", request=REQUEST),
        httpx.ReadTimeout("slow", request=REQUEST),
        httpx.ConnectTimeout("slow", request=REQUEST),
        httpx.RemoteProtocolError("closed", request=REQUEST),
        httpx.ReadError("reset", request=REQUEST),
    ],
)
def test_connection_failures_retry_only_when_configured(failure: Exception) -> None:
    assert should_retry(DEFAULT_RETRIES, failure=failure)
    assert not should_retry(RetryConfig("backoff", retry_connection_errors=False), failure=failure)


def test_a_failure_that_would_fail_again_is_not_retried() -> None:
    assert not should_retry(DEFAULT_RETRIES, failure=httpx.UnsupportedProtocol("ftp://"))


@pytest.mark.parametrize("config", [None, RetryConfig("none")])
def test_retries_can_be_turned_off(config: RetryConfig | None) -> None:
    assert not should_retry(config, status=503)
    assert next_delay(config, attempt=1, elapsed=0, now=NOW, chance=0, status=503) is None


def test_retry_after_wins_over_backoff_and_is_not_capped_by_max_interval() -> None:
    headers = httpx.Headers({"Retry-After": "0.9"})
    delay = next_delay(FAST, attempt=1, elapsed=0, now=NOW, chance=0, status=429, headers=headers)
    assert delay == 0.9


def test_a_wait_past_max_elapsed_time_gives_up_instead_of_sleeping() -> None:
    headers = httpx.Headers({"Retry-After": "3600"})
    assert (
        next_delay(FAST, attempt=1, elapsed=0, now=NOW, chance=0, status=429, headers=headers)
        is None
    )
    assert next_delay(FAST, attempt=3, elapsed=0.7, now=NOW, chance=0, status=503) is None
    assert next_delay(FAST, attempt=3, elapsed=0.5, now=NOW, chance=0, status=503) == 0.4


def test_the_default_policy_is_the_documented_one() -> None:
    documented = RetryConfig(
        "backoff", BackoffStrategy(500, 8_000, 2.0, 30_000), retry_connection_errors=True
    )
    assert documented == DEFAULT_RETRIES


def test_an_unknown_strategy_is_refused() -> None:
    with pytest.raises(ValueError, match="strategy"):
        RetryConfig("forever")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outcome", "uncertain"),
    [
        ({"failure": httpx.ConnectError("refused", request=REQUEST)}, False),
        ({"failure": httpx.ConnectTimeout("slow", request=REQUEST)}, False),
        ({"failure": httpx.PoolTimeout("busy", request=REQUEST)}, False),
        ({"failure": httpx.ReadTimeout("slow", request=REQUEST)}, True),
        ({"failure": httpx.RemoteProtocolError("closed", request=REQUEST)}, True),
        ({"status": 500}, True),
        ({"status": 503}, True),
        ({"status": 429}, False),
    ],
)
def test_may_have_reached_server_only_when_the_request_may_have_been_acted_on(
    outcome: dict[str, object], uncertain: bool
) -> None:
    assert may_have_reached_server(**outcome) is uncertain  # type: ignore[arg-type]


def test_a_connection_that_cannot_be_made_is_retried_for_3_seconds_at_most_by_default() -> None:
    refused = httpx.ConnectError("refused", request=REQUEST)
    reset = httpx.ReadError("reset", request=REQUEST)

    def delay(failure: Exception, attempt: int, elapsed: float) -> float | None:
        return next_delay(
            DEFAULT_RETRIES, attempt=attempt, elapsed=elapsed, now=NOW, chance=0, failure=failure
        )

    assert [delay(refused, 1, 0.0), delay(refused, 2, 0.5)] == [0.5, 1.0]
    assert delay(refused, 3, 1.5) is None  # 1.5 s + 2 s would end past 3 s
    assert delay(reset, 3, 1.5) == 2.0  # other failures keep the whole 30 s budget
    assert delay(reset, 5, 7.5) == 8.0


def test_the_budget_for_a_connection_that_cannot_be_made_is_configurable() -> None:
    refused = httpx.ConnectError("refused", request=REQUEST)
    patient = RetryConfig("backoff", DEFAULT_RETRIES.backoff, True, connect_max_elapsed_time=20_000)
    delay = next_delay(patient, attempt=3, elapsed=1.5, now=NOW, chance=0, failure=refused)
    assert delay == 2.0
    short_backoff = RetryConfig("backoff", FAST.backoff, True, connect_max_elapsed_time=60_000)
    assert (
        next_delay(short_backoff, attempt=3, elapsed=0.7, now=NOW, chance=0, failure=refused)
        is None
    )  # the backoff's own max_elapsed_time (1 s) still applies
    with pytest.raises(ValueError, match="connect_max_elapsed_time"):
        RetryConfig("backoff", connect_max_elapsed_time=-1)
