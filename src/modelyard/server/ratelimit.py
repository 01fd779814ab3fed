"""Per-key rate limits with the `limits` library: in memory for one process, Redis for many.

Headers follow Mistral's (`x-ratelimit-limit-req-minute`, `x-ratelimit-remaining-req-minute`);
the limit header reports the configured amount whatever the window (e.g. `600/minute` -> 600).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"x-ratelimit-limit-req-minute", str(self.limit).encode()),
            (b"x-ratelimit-remaining-req-minute", str(self.remaining).encode()),
        ]
        if not self.allowed:
            headers.append((b"retry-after", str(self.retry_after).encode()))
        return headers


class RateLimiter:
    def __init__(self, rate: str, storage_url: str | None = None) -> None:
        self.item: RateLimitItem = parse(rate)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_url or "memory://"))

    def hit(self, key_id: str) -> Verdict:
        allowed = self.limiter.hit(self.item, "modelyard", key_id)
        stats = self.limiter.get_window_stats(self.item, "modelyard", key_id)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, self.item.amount, max(0, stats.remaining), retry_after)


class FailedAuthThrottle:
    """Failed authentications per client address (in this process): past the limit, the address
    gets 429 without a key lookup until its window frees up."""

    def __init__(self, rate: str) -> None:
        self.item: RateLimitItem = parse(rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def wait(self, address: str) -> int:
        """Seconds until this address may try a key again (0: now)."""
        if self.limiter.test(self.item, "failed-auth", address):
            return 0
        stats = self.limiter.get_window_stats(self.item, "failed-auth", address)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def failed(self, address: str) -> None:
        self.limiter.hit(self.item, "failed-auth", address)
