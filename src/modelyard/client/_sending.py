"""The only I/O loops: send, ask `_retries` whether to try again, sleep, resend.

The two functions are the same loop, once blocking and once `async`; keep them line for line alike.
"""

from __future__ import annotations

import httpx

from ._errors import connection_error
from ._operations import Outcome
from ._retries import RetryClock, RetryConfig, may_have_reached_server, next_delay
from ._transport import AsyncSender, Sender


def send(
    http: Sender,
    request: httpx.Request,
    retries: RetryConfig | None,
    clock: RetryClock,
    idempotent: bool = True,
) -> Outcome:
    start = clock.monotonic()
    attempt = 1
    uncertain = False
    while True:
        try:
            response = http.send(request)
        except httpx.TransportError as failure:
            delay = next_delay(
                retries,
                attempt=attempt,
                elapsed=clock.monotonic() - start,
                now=clock.now(),
                chance=clock.random(),
                failure=failure,
                idempotent=idempotent,
            )
            if delay is None:
                elapsed = clock.monotonic() - start
                raise connection_error(failure, request, attempt, elapsed) from failure
            uncertain = uncertain or may_have_reached_server(failure=failure)
        else:
            status = response.status_code
            if status < 400:
                return Outcome(response, uncertain)
            delay = next_delay(
                retries,
                attempt=attempt,
                elapsed=clock.monotonic() - start,
                now=clock.now(),
                chance=clock.random(),
                status=status,
                headers=response.headers,
                idempotent=idempotent,
            )
            if delay is None:
                return Outcome(response, uncertain)
            uncertain = uncertain or may_have_reached_server(status=status)
        clock.sleep(delay)
        attempt += 1


async def send_async(
    http: AsyncSender,
    request: httpx.Request,
    retries: RetryConfig | None,
    clock: RetryClock,
    idempotent: bool = True,
) -> Outcome:
    start = clock.monotonic()
    attempt = 1
    uncertain = False
    while True:
        try:
            response = await http.send(request)
        except httpx.TransportError as failure:
            delay = next_delay(
                retries,
                attempt=attempt,
                elapsed=clock.monotonic() - start,
                now=clock.now(),
                chance=clock.random(),
                failure=failure,
                idempotent=idempotent,
            )
            if delay is None:
                elapsed = clock.monotonic() - start
                raise connection_error(failure, request, attempt, elapsed) from failure
            uncertain = uncertain or may_have_reached_server(failure=failure)
        else:
            status = response.status_code
            if status < 400:
                return Outcome(response, uncertain)
            delay = next_delay(
                retries,
                attempt=attempt,
                elapsed=clock.monotonic() - start,
                now=clock.now(),
                chance=clock.random(),
                status=status,
                headers=response.headers,
                idempotent=idempotent,
            )
            if delay is None:
                return Outcome(response, uncertain)
            uncertain = uncertain or may_have_reached_server(status=status)
        await clock.async_sleep(delay)
        attempt += 1
