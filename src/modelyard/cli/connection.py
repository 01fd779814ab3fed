"""How user commands reach a server: an SDK client from the flags, its failures as one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from modelyard import (
    APIConnectionError,
    APITimeoutError,
    BackoffStrategy,
    HTTPValidationError,
    Modelyard,
    RetryConfig,
    SDKError,
)

from .output import fail
from .problems import plain_problems

# A person is waiting: retry a busy server (429, 5XX) for up to 10 s, but report a refused
# connection at once instead of backing off for the SDK's default 30 s.
CLI_RETRIES = RetryConfig(
    "backoff",
    BackoffStrategy(
        initial_interval=500, max_interval=4_000, exponent=2.0, max_elapsed_time=10_000
    ),
    retry_connection_errors=False,
)


@contextmanager
def connected(server_url: str | None, api_key: str) -> Iterator[Modelyard]:
    """The SDK client; an error answer or a failed connection ends the command with exit 1."""
    yard = Modelyard(api_key=api_key, server_url=server_url, retries=CLI_RETRIES)
    try:
        with yard:
            yield yard
    except HTTPValidationError as error:
        fail(validation_message(error), code=describe(error))
    except SDKError as error:
        fail(error.message, code=describe(error))
    except APITimeoutError:
        fail(f"no answer from {yard.server_url} in time")
    except APIConnectionError as error:
        fail(f"cannot reach {yard.server_url}: {error.__cause__ or error.message}")


def describe(error: SDKError) -> str:
    """`404 model_not_found`: the status and the envelope's stable code, when it has one."""
    return f"{error.status_code} {error.code}" if error.code else str(error.status_code)


def validation_message(error: HTTPValidationError) -> str:
    """A 422's items in plain words (from the body itself: the SDK's items drop `ctx`)."""
    try:
        items = json.loads(error.body)["detail"]
    except (ValueError, KeyError, TypeError):
        return error.message
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return error.message
    return plain_problems(items)
