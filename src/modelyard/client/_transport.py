"""The httpx clients the SDK makes for itself when the caller injects none.

Building httpx's default transport loads the CA bundle into a TLS context, ~20-35 ms measured
here: a third of the SDK's import-to-first-call budget, spent even when the server is plain
`http://` (the usual self-hosted set-up). These transports build it on the first `https://`
request instead; plain-http requests go through a pool whose TLS context is never used.
Passing `transport=` turns off httpx's proxy variables, so with a proxy configured in the
environment the SDK makes a stock httpx client instead.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Protocol
from urllib.request import getproxies

import httpx

DEFAULT_TIMEOUT_MS = 30_000


class LazyTLSTransport(httpx.BaseTransport):
    def __init__(self) -> None:
        self._plain = httpx.HTTPTransport(verify=False)  # never used for TLS: http:// only
        self._tls: httpx.HTTPTransport | None = None
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "https":
            return self._plain.handle_request(request)
        if self._tls is None:
            with self._lock:
                if self._tls is None:
                    self._tls = httpx.HTTPTransport()
        return self._tls.handle_request(request)

    def close(self) -> None:
        self._plain.close()
        if self._tls is not None:
            self._tls.close()


class AsyncLazyTLSTransport(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self._plain = httpx.AsyncHTTPTransport(verify=False)  # never used for TLS: http:// only
        self._tls: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "https":
            return await self._plain.handle_async_request(request)
        if self._tls is None:  # one event loop, no await in between: no lock needed
            self._tls = httpx.AsyncHTTPTransport()
        return await self._tls.handle_async_request(request)

    async def aclose(self) -> None:
        await self._plain.aclose()
        if self._tls is not None:
            await self._tls.aclose()


def _timeout(timeout_ms: int | None) -> httpx.Timeout:
    return httpx.Timeout((timeout_ms if timeout_ms is not None else DEFAULT_TIMEOUT_MS) / 1000)


def _proxied() -> bool:
    proxies = getproxies()
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


class Sender(Protocol):
    def send(self, request: httpx.Request) -> httpx.Response: ...


class AsyncSender(Protocol):
    async def send(self, request: httpx.Request) -> httpx.Response: ...


def _hooked(client: httpx.Client | httpx.AsyncClient) -> bool:
    hooks = client.event_hooks
    return bool(hooks["request"] or hooks["response"])


class DirectSender:
    """Sends a request through a client this SDK made, straight to its transport.

    `httpx.Client.send` also runs auth flows, redirect handling, cookie extraction and stream
    wrappers, none of which such a client uses (no auth, no redirects followed, a JSON API that
    sets no cookies): ~10% of a warm `retrieve` (bench/sdk.py). The response is read and closed,
    with `request` and `elapsed` set, as `send` leaves it. Once someone adds an event hook to the
    client, or closes it, requests go through `client.send` again, so hooks run (and httpx raises
    its own error for a closed client).
    """

    def __init__(self, client: httpx.Client, transport: LazyTLSTransport) -> None:
        self.client = client
        self.transport = transport

    def send(self, request: httpx.Request) -> httpx.Response:
        if self.client.is_closed or _hooked(self.client):
            return self.client.send(request)
        started = time.perf_counter()
        response = self.transport.handle_request(request)
        response.request = request
        try:
            response.read()
        finally:
            response.close()
        response.elapsed = timedelta(seconds=time.perf_counter() - started)
        return response


class AsyncDirectSender:
    """`DirectSender`, for the async client."""

    def __init__(self, client: httpx.AsyncClient, transport: AsyncLazyTLSTransport) -> None:
        self.client = client
        self.transport = transport

    async def send(self, request: httpx.Request) -> httpx.Response:
        if self.client.is_closed or _hooked(self.client):
            return await self.client.send(request)
        started = time.perf_counter()
        response = await self.transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        finally:
            await response.aclose()
        response.elapsed = timedelta(seconds=time.perf_counter() - started)
        return response


def new_client(timeout_ms: int | None, headers: dict[str, str]) -> tuple[httpx.Client, Sender]:
    """The client, and what sends through it. With a proxy in the environment: a stock client
    (`transport=None` is httpx's own, which honours the proxy variables)."""
    timeout = _timeout(timeout_ms)
    if _proxied():
        client = httpx.Client(timeout=timeout, headers=headers)
        return client, client
    transport = LazyTLSTransport()
    client = httpx.Client(transport=transport, timeout=timeout, headers=headers)
    return client, DirectSender(client, transport)


def new_async_client(
    timeout_ms: int | None, headers: dict[str, str]
) -> tuple[httpx.AsyncClient, AsyncSender]:
    timeout = _timeout(timeout_ms)
    if _proxied():
        client = httpx.AsyncClient(timeout=timeout, headers=headers)
        return client, client
    transport = AsyncLazyTLSTransport()
    client = httpx.AsyncClient(transport=transport, timeout=timeout, headers=headers)
    return client, AsyncDirectSender(client, transport)
