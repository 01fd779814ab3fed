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


def new_client(timeout_ms: int | None) -> httpx.Client:
    if _proxied():
        return httpx.Client(timeout=_timeout(timeout_ms))
    return httpx.Client(transport=LazyTLSTransport(), timeout=_timeout(timeout_ms))


def new_async_client(timeout_ms: int | None) -> httpx.AsyncClient:
    if _proxied():
        return httpx.AsyncClient(timeout=_timeout(timeout_ms))
    return httpx.AsyncClient(transport=AsyncLazyTLSTransport(), timeout=_timeout(timeout_ms))
