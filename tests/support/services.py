"""Redis for the shared rate-limit tests: required under CI, skipped (and said so) elsewhere."""

from __future__ import annotations

import os

import pytest

REDIS_URL = os.environ.get("MODELYARD_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def require_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required under CI but {REDIS_URL} is unreachable")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: shared rate-limit test skipped")
