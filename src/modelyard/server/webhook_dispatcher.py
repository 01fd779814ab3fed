"""The webhook dispatcher: one asyncio task per server process, off every request's path.

In one transaction it reads the audit events its endpoints have not read yet into their
deliveries (registry/outbox.py) and claims due deliveries (a lease each, so another replica or
worker skips them; PostgreSQL's SKIP LOCKED, SQLite's writer lock) as runs: the next deliveries
of one endpoint and model, in audit order. A run is sent in order, stopping at its first failure
(the rest wait for that one's retry); up to `CLAIM_RUNS` runs are held, at most
`webhook_concurrency` attempts in flight, with httpx (no redirects followed, one timeout per
attempt, at most 1 KB of an answer read). The outcomes are recorded together
(registry/webhooks.py: backoff, circuit).
While an endpoint is enabled, a local COMMIT that wrote an event wakes it at once; otherwise it
polls every second (other replicas' changes, retries that fall due, rows a dead process had
leased).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import logging
import random
import socket
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks import Webhook

from modelyard._version import __version__
from modelyard.registry import outbox, webhooks
from modelyard.registry.targets import forbidden_reason
from modelyard.settings import Settings
from modelyard.store import records
from modelyard.store.engine import Store, Tx

log = logging.getLogger("modelyard.webhooks")
# httpx logs every request at INFO: a line per attempt, on the API's event loop. The delivery log
# (GET /v1/webhooks/{id}/deliveries) records each attempt instead.
logging.getLogger("httpx").setLevel(logging.WARNING)

USER_AGENT = f"Modelyard-Webhooks/{__version__}"
CLAIM_ROWS = 64  # deliveries per claim at most
CLAIM_RUNS = 64  # runs held at most (so under 2 x CLAIM_ROWS deliveries: what it holds in memory)
CLAIM_GAP = 0.005  # seconds between claims at least
PRUNE_EVERY = 3600.0  # seconds between deletions of ended deliveries past their retention
PRUNE_ROWS = 5_000  # rows deleted per transaction
# While the process serves overlapping requests (app.py: busy), deliveries yield to them: a
# claim at most every second, of two runs, reading no more events than it claims. Sending shares
# the event loop and the GIL with the API, so under a saturating load the events wait in the
# audit log (where they cost nothing) and are sent once the load falls (bench/webhooks.py).
BUSY_CLAIM_GAP = 1.0
BUSY_RUNS = 2

# A run's attempts, and the deliveries it gave back unsent.
Outcome = tuple[list[webhooks.Attempt], list[int]]


class Refused(Exception):
    """The target may not be sent to (SSRF guard), or its host does not resolve."""


class Dispatcher:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.capacity = settings.webhook_concurrency
        self.timeout = settings.webhook_timeout_seconds
        self.poll = settings.webhook_poll_seconds
        self.allow_private = settings.webhook_allow_private
        self.retry_base = settings.webhook_retry_base_seconds
        self.circuit_seconds = settings.webhook_circuit_seconds
        self.retention_ms = int(settings.webhook_delivery_retention_days * 86_400_000)
        self._pruned_at = float("-inf")
        # A claim outlives its run: no attempt starts after `timeout` seconds of the run, so the
        # last one ends within twice that; after the lease another dispatcher may send the rows
        # (this one died).
        self.lease_ms = int((2 * self.timeout + 5) * 1000)
        self._rng = random.Random()
        self._subscribed = True  # whether any endpoint is enabled, as of the last look
        self._slots: asyncio.Semaphore | None = None  # attempts in flight
        self._inflight: set[asyncio.Task[Outcome]] = set()
        self._done: list[Outcome] = []
        self._claimed_at = 0.0
        # Whether the API is busy now (set by the app: requests in flight).
        self.busy: Callable[[], bool] = lambda: False
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._stop_listening: Callable[[], None] = lambda: None
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is not None and not self._task.done():
            return  # one dispatcher per process (an app whose lifespan runs twice, in tests)
        self._loop = loop
        wake = self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(self.capacity)
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=self.timeout,
            # No proxy from the environment: it would connect on the dispatcher's behalf, past
            # the address check.
            trust_env=False,
            limits=httpx.Limits(max_connections=self.capacity * 2, max_keepalive_connections=32),
            headers={"user-agent": USER_AGENT},
        )

        def woken(webhooks_changed: bool) -> None:
            if webhooks_changed:
                self._subscribed = True  # until the next look
            elif not self._subscribed:  # an event, and no endpoint to read it
                return
            with contextlib.suppress(RuntimeError):  # the loop closed
                loop.call_soon_threadsafe(wake.set)

        self._stop_listening = self.store.on_enqueued(woken)
        self._task = asyncio.create_task(self._run(), name="modelyard-webhooks")

    async def stop(self) -> None:
        if self._loop is not asyncio.get_running_loop():
            return  # the other lifespan's: the dispatcher belongs to the one that started it
        self._stop_listening()
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            # The flag too: Python 3.11's wait_for can swallow a cancellation that meets a
            # wake-up (gh-86296); the loop then sees the flag.
            if self._wake is not None:
                self._wake.set()
            task.cancel()
            await asyncio.wait([task])
        for sending in list(self._inflight):
            sending.cancel()
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)
        # Attempts that ended are recorded; those cut short keep their lease, then go again.
        if self._done:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._settle_and_claim, self._done, 0)
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        assert self._wake is not None
        while not self._stopping:
            self._wake.clear()
            try:
                await self._step()
            except Exception:
                log.exception("webhook dispatcher: a step failed; trying again in a second")
                await asyncio.sleep(self.poll)
            if self._stopping:
                return
            if time.monotonic() - self._pruned_at >= PRUNE_EVERY and not self.busy():
                self._pruned_at = time.monotonic()
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(self._prune)
            # Woken by a local commit, a run that ended, or the poll.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)
            # Under a stream of commits, one claim per few milliseconds, not one per commit:
            # each is a transaction on the store's write lock.
            gap = BUSY_CLAIM_GAP if self.busy() else CLAIM_GAP
            since = time.monotonic() - self._claimed_at
            if since < gap:
                await asyncio.sleep(gap - since)

    async def _step(self) -> None:
        """Record the runs that ended and claim what is due, in one transaction, once half the
        runs it may hold have ended (or none is left, or a poll went by): not a transaction per
        delivery."""
        limit = BUSY_RUNS if self.busy() else CLAIM_RUNS
        free = limit - len(self._inflight)
        waited = time.monotonic() - self._claimed_at
        if self._inflight and free < max(1, limit // 2) and waited < self.poll:
            return
        done, self._done = self._done, []
        self._claimed_at = time.monotonic()
        try:
            runs = await asyncio.to_thread(self._settle_and_claim, done, max(free, 0))
        except BaseException:
            self._done = done + self._done  # recorded later (or sent again after the lease)
            raise
        for run in runs:
            task = asyncio.create_task(self._run_in_order(run))
            self._inflight.add(task)
            task.add_done_callback(self._finished)

    async def _run_in_order(self, run: list[records.ClaimedDelivery]) -> Outcome:
        """A run's deliveries in order, up to the first that fails; the rest are given back."""
        started = time.monotonic()
        attempts: list[webhooks.Attempt] = []
        assert self._slots is not None
        for index, claimed in enumerate(run):
            async with self._slots:
                if time.monotonic() - started > self.timeout:  # the lease must outlive the run
                    return attempts, [each.delivery.seq for each in run[index:]]
                attempt = await self._attempt(claimed)
            attempts.append(attempt)
            if not attempt.succeeded:
                return attempts, [each.delivery.seq for each in run[index + 1 :]]
        return attempts, []

    def _finished(self, task: asyncio.Task[Outcome]) -> None:
        self._inflight.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("webhook attempt failed unexpectedly", exc_info=error)
            return
        self._done.append(task.result())
        if self._wake is not None:
            self._wake.set()

    def _settle_and_claim(
        self, outcomes: list[Outcome], runs: int
    ) -> list[list[records.ClaimedDelivery]]:
        now_ms = int(time.time() * 1000)
        if not outcomes:
            with self.store.read() as tx:  # nothing to do (the usual poll): no write lock taken
                self._subscribed = tx.webhooks.any_enabled()
                if not runs or not tx.webhooks.due(now_ms):
                    return []
        busy = self.busy()
        with self.store.write(revision=False) as tx:
            if outcomes:
                self._settle(tx, outcomes)
            if not runs:
                return []
            # While the API is busy, no more events than can be sent: the rest wait in the audit
            # log, where they cost nothing, and the transaction stays short.
            read = CLAIM_ROWS if busy else outbox.READ_EVENTS
            outbox.read_events(tx, now_ms=now_ms, limit=read)  # due at once
            return tx.webhooks.claim(now_ms, CLAIM_ROWS, self.lease_ms, runs)

    def _prune(self) -> None:
        """The ended deliveries past their retention, a transaction per few thousand."""
        before_ms = int(time.time() * 1000) - self.retention_ms
        while not self._stopping:
            with self.store.write(revision=False) as tx:
                if tx.webhooks.prune(before_ms, PRUNE_ROWS) < PRUNE_ROWS:
                    return

    def _settle(self, tx: Tx, outcomes: list[Outcome]) -> None:
        webhooks.settle(
            tx,
            [attempt for attempts, _ in outcomes for attempt in attempts],
            retry_base=self.retry_base,
            circuit_seconds=self.circuit_seconds,
            rng=self._rng,
        )
        tx.webhooks.release([seq for _, unsent in outcomes for seq in unsent])

    async def _attempt(self, claimed: records.ClaimedDelivery) -> webhooks.Attempt:
        at_ms = int(time.time() * 1000)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                return await self._send(claimed, at_ms, started)
        except Refused as refused:
            return webhooks.Attempt(claimed, at_ms, error=str(refused)[:512])
        except (TimeoutError, httpx.TimeoutException):
            return webhooks.Attempt(
                claimed,
                at_ms,
                error=f"No answer within {self.timeout:g} s.",
                latency_ms=_ms(started),
            )
        except Exception as error:  # httpx's errors, and a URL it cannot send to (InvalidURL)
            why = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            return webhooks.Attempt(claimed, at_ms, error=why[:512], latency_ms=_ms(started))

    async def _send(
        self, claimed: records.ClaimedDelivery, at_ms: int, started: float
    ) -> webhooks.Attempt:
        assert self._client is not None
        url, headers, extensions = await self._target(claimed.url)
        body = webhooks.delivery_payload(claimed)
        now = dt.datetime.now(dt.UTC)
        msg_id = claimed.delivery.id
        headers.update(
            {
                "content-type": "application/json",
                "webhook-id": msg_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": Webhook(claimed.secret).sign(msg_id, now, body.decode()),
            }
        )
        request = self._client.build_request(
            "POST", url, content=body, headers=headers, extensions=extensions
        )
        response = await self._client.send(request, stream=True)
        try:
            excerpt = b""
            async for chunk in response.aiter_raw():
                excerpt += chunk
                if len(excerpt) >= webhooks.EXCERPT_BYTES:
                    break
        finally:
            await response.aclose()
        text = excerpt[: webhooks.EXCERPT_BYTES].decode("utf-8", "replace").replace("\x00", "")
        return webhooks.Attempt(
            claimed,
            at_ms,
            response_status=response.status_code,
            latency_ms=_ms(started),
            excerpt=text[: webhooks.EXCERPT_BYTES] or None,
        )

    async def _target(self, url: str) -> tuple[str, dict[str, str], dict[str, object]]:
        """The URL to connect to, with its headers and extensions. Unless private targets are
        allowed, the host is resolved here, every address it resolves to is checked, and the
        connection goes to the checked address (the Host header and TLS name stay the host's),
        so a second resolution cannot point it elsewhere."""
        if self.allow_private:
            return url, {}, {}
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                found = await asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM
                )
            except OSError as error:
                raise Refused(f"The host '{host}' does not resolve: {error}.") from None
            addresses = [ipaddress.ip_address(info[4][0]) for info in found]
        for address in addresses:
            reason = forbidden_reason(address)
            if reason is not None:
                raise Refused(
                    f"Refused: '{host}' resolves to a {reason} address ({address}); "
                    "webhook targets must be public (MODELYARD_WEBHOOK_ALLOW_PRIVATE)."
                )
        pinned = addresses[0]
        literal = f"[{pinned}]" if pinned.version == 6 else str(pinned)
        netloc = f"{literal}:{parts.port}" if parts.port else literal
        headers = {"host": parts.netloc.rsplit("@", 1)[-1]}
        extensions: dict[str, object] = {"sni_hostname": host} if parts.scheme == "https" else {}
        return urlunsplit(parts._replace(netloc=netloc)), headers, extensions


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
