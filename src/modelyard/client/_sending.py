"""The only I/O loops: send, ask `Attempts` whether to try again, sleep, resend.

What happens after an attempt (retry or not, after how long, what the caller is told) is decided
once, in `Attempts`; the two loops only do the I/O, once blocking and once `async`.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from ._errors import connection_error
from ._operations import Outcome
from ._retries import RetryClock, RetryConfig, may_have_reached_server, next_delay
from ._transport import AsyncSender, Sender


class Attempts:
    """The attempts of one call: after each, the delay before the next, or the end."""

    def __init__(
        self,
        request: httpx.Request,
        retries: RetryConfig | None,
        clock: RetryClock,
        idempotent: bool,
    ) -> None:
        self.request = request
        self.retries = retries
        self.clock = clock
        self.idempotent = idempotent
        self.start = clock.monotonic()
        self.attempt = 1
        self.uncertain = False  # may an earlier attempt have been carried out?

    def after_failure(self, failure: httpx.TransportError) -> float:
        """The delay before the next attempt; raises the connection error when there is none."""
        delay = self._next_delay(failure=failure)
        if delay is None:
            elapsed = self.clock.monotonic() - self.start
            raise connection_error(failure, self.request, self.attempt, elapsed) from failure
        self.uncertain = self.uncertain or may_have_reached_server(failure=failure)
        return self._again(delay)

    def after_response(self, response: httpx.Response) -> float | None:
        """The delay before the next attempt, or None: `outcome(response)` is the answer."""
        status = response.status_code
        if status < 400:
            return None
        delay = self._next_delay(status=status, headers=response.headers)
        if delay is None:
            return None
        self.uncertain = self.uncertain or may_have_reached_server(status=status)
        return self._again(delay)

    def outcome(self, response: httpx.Response) -> Outcome:
        return Outcome(response, self.uncertain)

    def _next_delay(
        self,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        failure: Exception | None = None,
    ) -> float | None:
        clock = self.clock
        return next_delay(
            self.retries,
            attempt=self.attempt,
            elapsed=clock.monotonic() - self.start,
            now=clock.now(),
            chance=clock.random(),
            status=status,
            headers=headers,
            failure=failure,
            idempotent=self.idempotent,
        )

    def _again(self, delay: float) -> float:
        self.attempt += 1
        return delay


def send(
    http: Sender,
    request: httpx.Request,
    retries: RetryConfig | None,
    clock: RetryClock,
    idempotent: bool = True,
) -> Outcome:
    attempts = Attempts(request, retries, clock, idempotent)
    delay: float | None
    while True:
        try:
            response = http.send(request)
        except httpx.TransportError as failure:
            delay = attempts.after_failure(failure)
        else:
            delay = attempts.after_response(response)
            if delay is None:
                return attempts.outcome(response)
        clock.sleep(delay)


async def send_async(
    http: AsyncSender,
    request: httpx.Request,
    retries: RetryConfig | None,
    clock: RetryClock,
    idempotent: bool = True,
) -> Outcome:
    attempts = Attempts(request, retries, clock, idempotent)
    delay: float | None
    while True:
        try:
            response = await http.send(request)
        except httpx.TransportError as failure:
            delay = attempts.after_failure(failure)
        else:
            delay = attempts.after_response(response)
            if delay is None:
                return attempts.outcome(response)
        await clock.async_sleep(delay)
