"""`Modelyard`: settings, the httpx clients, and turning a `Call` into a request and an outcome."""

from __future__ import annotations

import os
import threading
from types import TracebackType
from typing import Final, Unpack
from urllib.parse import urlsplit

import httpx

from .._version import __version__
from ..types import Me
from . import _operations as op
from ._operations import Call, Outcome
from ._params import RequestOptions
from ._raw import CAPTURE
from ._retries import DEFAULT_RETRIES, RetryClock, RetryConfig
from ._sending import send, send_async
from ._sentinel import NOT_GIVEN, NotGiven
from ._transport import AsyncSender, Sender, new_async_client, new_client
from .resources.aliases import Aliases
from .resources.audit import Audit
from .resources.keys import Keys
from .resources.models import Models
from .resources.webhooks import Webhooks
from .resources.workspaces import Workspaces

DEFAULT_SERVER_URL: Final = "http://localhost:8000"


def server_root(url: str) -> str:
    """`url` without a trailing `/` or `/v1`: the SDK adds `/v1/...` itself, and a `server_url`
    copied from an API address (`http://host:8000/v1`) would otherwise answer 404 everywhere."""
    root = url.rstrip("/")
    if urlsplit(root).path.endswith("/v1"):
        return root.removesuffix("/v1")
    return root


class Modelyard:
    """A client of a Modelyard server, for `with` and `async with` alike.

    `api_key` falls back to `MODELYARD_API_KEY` (no key: no `Authorization` header, as the
    Mistral SDKs do); `server_url` (a trailing `/v1` is dropped) to `MODELYARD_SERVER_URL`, then
    `http://localhost:8000`. Pass `client`/`async_client` to use your own httpx clients (proxies,
    tests); the SDK never closes a client it did not make. `retries=None` turns retries off.
    """

    models: Models
    aliases: Aliases
    workspaces: Workspaces
    keys: Keys
    audit: Audit
    webhooks: Webhooks

    def __init__(
        self,
        *,
        api_key: str | None = None,
        server_url: str | None = None,
        client: httpx.Client | None = None,
        async_client: httpx.AsyncClient | None = None,
        retries: RetryConfig | None = DEFAULT_RETRIES,
        timeout_ms: int | None = None,
        retry_clock: RetryClock | None = None,
    ) -> None:
        if api_key is None:
            api_key = os.environ.get("MODELYARD_API_KEY") or None
        self.server_url = server_root(
            server_url or os.environ.get("MODELYARD_SERVER_URL") or DEFAULT_SERVER_URL
        )
        self.retries = retries
        self.timeout_ms = timeout_ms
        self._clock = retry_clock or RetryClock()
        self._client = client
        self._async_client = async_client
        self._owns_client = client is None
        self._owns_async_client = async_client is None
        # What sends a request: an injected client itself; for the SDK's own, see _transport.py.
        self._sender: Sender | None = client
        self._async_sender: AsyncSender | None = async_client
        self._lock = threading.Lock()
        self._headers = {
            "Accept": "application/json",
            "User-Agent": f"modelyard-python/{__version__}",
        }
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self.models = Models(self)
        self.aliases = Aliases(self)
        self.workspaces = Workspaces(self)
        self.keys = Keys(self)
        self.audit = Audit(self)
        self.webhooks = Webhooks(self)

    # --- the caller's own key ---

    def me(self, **options: Unpack[RequestOptions]) -> Me:
        """The calling key: its id, name, scope, workspace and organization (any scope)."""
        outcome = self._send(op.get_me(), options)
        return op.read(Me, outcome)

    async def me_async(self, **options: Unpack[RequestOptions]) -> Me:
        """The calling key: its id, name, scope, workspace and organization (any scope)."""
        outcome = await self._send_async(op.get_me(), options)
        return op.read(Me, outcome)

    # --- the clients, made on first use: a sync-only caller never pays for an async one ---

    def _http(self) -> httpx.Client:
        http = self._client
        if http is None:
            with self._lock:
                if self._client is None:
                    self._client, self._sender = new_client(self.timeout_ms, self._headers)
                http = self._client
        return http

    def _async_http(self) -> httpx.AsyncClient:
        if self._async_client is None:
            self._async_client, self._async_sender = new_async_client(
                self.timeout_ms, self._headers
            )
        return self._async_client

    # --- pure: a call and the per-call options become one request ---

    def _request(
        self, http: httpx.Client | httpx.AsyncClient, call: Call, options: RequestOptions
    ) -> httpx.Request:
        if options and not options.keys() <= call.keywords:
            unknown = ", ".join(sorted(options.keys() - call.keywords))
            raise TypeError(f"unexpected keyword argument(s): {unknown}")
        server_url = options.get("server_url")
        timeout_ms = options.get("timeout_ms")
        http_headers = options.get("http_headers")
        # A client this SDK made carries the default headers already (merging them into every
        # request cost ~5% of a warm `retrieve`); an injected one gets them per request.
        owned = (http is self._client and self._owns_client) or (
            http is self._async_client and self._owns_async_client
        )
        headers: dict[str, str] | None = None if owned else self._headers
        if call.body is not None or call.if_match is not None or call.if_none_match or http_headers:
            headers = dict(headers or {})
            if call.body is not None:
                headers["Content-Type"] = "application/json"
            if call.if_match is not None:
                headers["If-Match"] = call.if_match
            if call.if_none_match is not None:
                headers["If-None-Match"] = call.if_none_match
            if http_headers:
                headers.update(http_headers)
        base = server_root(server_url) if server_url else self.server_url
        millis = timeout_ms if timeout_ms is not None else self.timeout_ms
        timeout = httpx.Timeout(millis / 1000) if millis is not None else httpx.USE_CLIENT_DEFAULT
        return http.build_request(
            call.method,
            base + call.path,
            params=call.params,
            headers=headers,
            content=call.body,
            timeout=timeout,
        )

    def _retry_config(self, options: RequestOptions) -> RetryConfig | None:
        retries = options.get("retries", NOT_GIVEN)
        return self.retries if isinstance(retries, NotGiven) else retries

    # --- I/O: the two twins hand over to the send loops ---

    def _send(self, call: Call, options: RequestOptions) -> Outcome:
        http = self._http()
        request = self._request(http, call, options)
        sender = self._sender or http
        outcome = send(sender, request, self._retry_config(options), self._clock, call.idempotent)
        capture = CAPTURE.get()
        if capture is not None:  # a `with_raw_response` method is waiting for the response
            capture.append(outcome.response)
        return outcome

    async def _send_async(self, call: Call, options: RequestOptions) -> Outcome:
        http = self._async_http()
        request = self._request(http, call, options)
        sender = self._async_sender or http
        outcome = await send_async(
            sender, request, self._retry_config(options), self._clock, call.idempotent
        )
        capture = CAPTURE.get()
        if capture is not None:  # a `with_raw_response` method is waiting for the response
            capture.append(outcome.response)
        return outcome

    # --- lifetime ---

    def close(self) -> None:
        """Close the sync httpx client the SDK made (an injected one is left to its owner)."""
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = self._sender = None

    async def aclose(self) -> None:
        """Close the httpx clients the SDK made, async and sync."""
        if self._owns_async_client and self._async_client is not None:
            await self._async_client.aclose()
            self._async_client = self._async_sender = None
        self.close()

    def __enter__(self) -> Modelyard:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Modelyard:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"Modelyard(server_url={self.server_url!r})"
