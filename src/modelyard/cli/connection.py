"""How user commands reach a server: an SDK client from the flags, its failures as one line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from modelyard import (
    APIConnectionError,
    APITimeoutError,
    BackoffStrategy,
    Modelyard,
    RetryConfig,
    SDKError,
)

from .output import fail

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
    except SDKError as error:
        fail(error.message, code=describe(error))
    except APITimeoutError:
        fail(f"no answer from {yard.server_url} in time")
    except APIConnectionError as error:
        fail(f"cannot reach {yard.server_url}: {error.__cause__ or error.message}")


def describe(error: SDKError) -> str:
    """`404 model_not_found`: the status and the envelope's stable code, when it has one."""
    return f"{error.status_code} {error.code}" if error.code else str(error.status_code)
