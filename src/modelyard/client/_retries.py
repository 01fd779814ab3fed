"""Retry policy: the seed's `RetryConfig`, and the pure functions that decide whether and how long.

Only the two send loops (`_sending.py`) sleep and resend; everything they ask lives here, written
once, with time passed in so tests never wait.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Final, Literal

import httpx

RETRYABLE_STATUSES: Final = frozenset({429, 500, 502, 503, 504})

# Failures worth another attempt; the others (a bad URL scheme, a local protocol misuse, a proxy
# refusing us) would fail the same way again.
RETRYABLE_FAILURES: Final = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

# Failures that happened before the request left this process, so the server never saw it.
_NEVER_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

# Backoff delays are shortened by up to this fraction, at random, so clients spread out.
JITTER: Final = 0.25


@dataclass(frozen=True, slots=True)
class BackoffStrategy:
    """Capped exponential backoff; every value in milliseconds, as in the seed."""

    initial_interval: int
    max_interval: int
    exponent: float
    max_elapsed_time: int

    def __post_init__(self) -> None:
        if min(self.initial_interval, self.max_interval, self.max_elapsed_time) < 0:
            raise ValueError("backoff intervals must not be negative")
        if self.exponent < 1:
            raise ValueError("backoff exponent must be at least 1")


DEFAULT_BACKOFF: Final = BackoffStrategy(
    initial_interval=500, max_interval=8_000, exponent=2.0, max_elapsed_time=30_000
)


@dataclass(frozen=True, slots=True)
class RetryConfig:
    """`RetryConfig("backoff", BackoffStrategy(...), retry_connection_errors)`; `"none"`: off.

    `connect_max_elapsed_time` (ms, a Modelyard extension) caps how long a connection that cannot
    be made at all (refused, unknown host) is retried: that is a server that is down or a wrong
    `server_url`, which waiting out the whole backoff budget (30 s by default) rarely mends.
    """

    strategy: Literal["backoff", "none"]
    backoff: BackoffStrategy = DEFAULT_BACKOFF
    retry_connection_errors: bool = True
    connect_max_elapsed_time: int = 3_000

    def __post_init__(self) -> None:
        if self.strategy not in ("backoff", "none"):
            raise ValueError(f"unknown retry strategy {self.strategy!r}: use 'backoff' or 'none'")
        if self.connect_max_elapsed_time < 0:
            raise ValueError("connect_max_elapsed_time must not be negative")


DEFAULT_RETRIES: Final = RetryConfig("backoff", DEFAULT_BACKOFF, retry_connection_errors=True)


async def _asyncio_sleep(seconds: float) -> None:
    # Imported on first use: `import asyncio` costs ~10 ms that sync-only callers never need.
    import asyncio

    await asyncio.sleep(seconds)


@dataclass(frozen=True, slots=True)
class RetryClock:
    """Everything the retry loops take from time and chance; replace it in tests."""

    sleep: Callable[[float], None] = time.sleep
    async_sleep: Callable[[float], Awaitable[None]] = _asyncio_sleep
    monotonic: Callable[[], float] = time.monotonic
    now: Callable[[], float] = time.time
    random: Callable[[], float] = random.random


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asks for: `retry-after-ms`, else `Retry-After` (seconds or HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(float(millis), 0.0) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" parses zone-less; HTTP dates are GMT (RFC 9110)
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - now, 0.0)


def backoff_delay(backoff: BackoffStrategy, attempt: int, chance: float) -> float:
    """Seconds before attempt `attempt + 1`: `initial * exponent**(attempt-1)`, capped, jittered."""
    try:
        grown = backoff.initial_interval * backoff.exponent ** (attempt - 1)
    except OverflowError:  # only after very many attempts with a large exponent
        grown = backoff.max_interval
    return min(grown, backoff.max_interval) / 1000 * (1 - JITTER * chance)


def should_retry(
    config: RetryConfig | None, *, status: int | None = None, failure: Exception | None = None
) -> bool:
    """Whether this outcome (an error status, or a transport failure) deserves another attempt."""
    if config is None or config.strategy != "backoff":
        return False
    if failure is not None:
        return config.retry_connection_errors and isinstance(failure, RETRYABLE_FAILURES)
    return status in RETRYABLE_STATUSES


def next_delay(
    config: RetryConfig | None,
    *,
    attempt: int,
    elapsed: float,
    now: float,
    chance: float,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
    failure: Exception | None = None,
    idempotent: bool = True,
) -> float | None:
    """Seconds to wait before the next attempt, or None to stop and report this outcome.

    The server's `Retry-After` wins over backoff (it is not capped by `max_interval`: the server
    knows when it will take us). Either way, a wait that would end past `max_elapsed_time` (for a
    connection that could not be made: `connect_max_elapsed_time`, if shorter) gives up now
    instead of sleeping for nothing. A call that is not `idempotent` (creating a workspace or a
    key) is retried only when the server certainly did not act on this attempt.
    """
    if config is None or not should_retry(config, status=status, failure=failure):
        return None
    if not idempotent and may_have_reached_server(status=status, failure=failure):
        return None
    asked = parse_retry_after(headers, now) if headers is not None else None
    delay = asked if asked is not None else backoff_delay(config.backoff, attempt, chance)
    budget = config.backoff.max_elapsed_time
    if isinstance(failure, httpx.ConnectError):
        budget = min(budget, config.connect_max_elapsed_time)
    if elapsed + delay > budget / 1000:
        return None
    return delay


def may_have_reached_server(*, status: int | None = None, failure: Exception | None = None) -> bool:
    """Whether a failed attempt may still have been carried out by the server.

    A 5XX or a connection broken after sending leaves that open; a refused connection does not.
    """
    if failure is not None:
        return not isinstance(failure, _NEVER_SENT)
    return status is not None and status >= 500
