"""Console sessions: an API key exchanged for a session, kept in the store for every replica.

The browser holds only a random session token (an `HttpOnly`, `SameSite=Strict` cookie); the
store keeps its SHA-256 hash, the key it stands for and the session's CSRF secret. Each request
finds the session and its key in one query: a revoked key, or a session idle for longer than
`MODELYARD_CONSOLE_SESSION_HOURS`, ends the session there and then. `last_seen` is written at
most every `TOUCH_SECONDS`: every write moves the store revision and so empties the API's read
cache, which a write per page view would do all the time.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from modelyard.registry.identity import Principal
from modelyard.registry.tenancy import TenancyService
from modelyard.store import records
from modelyard.store.engine import Store, Tx

TOUCH_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in console session."""

    token_hash: str
    principal: Principal
    csrf_token: str

    def allows(self, scope: str) -> bool:
        return self.principal.allows(scope)


@dataclass(frozen=True, slots=True)
class Found:
    """What a session token led to: the live session, or None and whether a row must go."""

    session: Session | None
    stale: bool = False  # an expired session, or a revoked key's: delete it
    touch: bool = False  # alive, but `last_seen` is old enough to move


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionService:
    def __init__(
        self,
        tenancy: TenancyService,
        idle_hours: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tenancy = tenancy
        self.idle_seconds = int(idle_hours * 3600)
        self.touch_seconds = min(TOUCH_SECONDS, max(1, self.idle_seconds // 10))
        self.clock = clock

    def authenticate(self, tx: Tx, secret: str) -> Principal:
        """The key's principal (`Unauthorized` when it is not valid), read before any write:
        a refused key costs no write transaction."""
        return self.tenancy.authenticate(tx, secret)

    def open(self, tx: Tx, principal: Principal) -> tuple[str, Session]:
        """A new session for an authenticated key: its token, shown only to the browser, and
        the session. Expired sessions of anyone are cleared on the way."""
        assert principal.key_id is not None, "a key was checked"
        now = int(self.clock())
        tx.console_sessions.delete_idle(now - self.idle_seconds)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_hex(32)
        hashed = token_hash(token)
        tx.console_sessions.add(records.ConsoleSession(hashed, principal.key_id, csrf, now, now))
        return token, Session(hashed, principal, csrf)

    def find(self, tx: Tx, token: str) -> Found:
        if not token or len(token) > 128:
            return Found(None)
        found = tx.console_sessions.find(token_hash(token))
        if found is None:
            return Found(None)
        row, key = found
        now = int(self.clock())
        if key.revoked_at is not None or row.last_seen < now - self.idle_seconds:
            return Found(None, stale=True)
        principal = Principal(key.id, key.name, key.scope, key.workspace_id, key.organization_id)
        session = Session(row.token_hash, principal, row.csrf_secret)
        return Found(session, touch=now - row.last_seen >= self.touch_seconds)

    def touch(self, tx: Tx, hashed: str) -> None:
        tx.console_sessions.touch(hashed, int(self.clock()))

    def end(self, tx: Tx, hashed: str) -> None:
        tx.console_sessions.delete(hashed)


async def end_session(store: Store, sessions: SessionService, hashed: str) -> None:
    await store.write_together(lambda tx: sessions.end(tx, hashed))


class SignInThrottle:
    """Failed sign-ins per client address: at most `limit` in `window` seconds, then refused
    until the oldest failure leaves the window. Per process; keys are 240 random bits, so this
    only keeps a client from hammering the store."""

    def __init__(
        self, limit: int = 10, window: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int:
        """Seconds this client must wait before trying again (0: it may try now)."""
        with self._lock:
            failures = self._recent(client)
            if len(failures) < self.limit:
                return 0
            return max(1, int(failures[0] + self.window - self.clock()) + 1)

    def failed(self, client: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # bounded memory under a spray of addresses
                self._failures.clear()
            self._recent(client).append(self.clock())

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        while failures and failures[0] <= self.clock() - self.window:
            failures.popleft()
        return failures
