"""Event hooks on the httpx clients run on every request, whether the caller injected the client or
the SDK made it: the SDK's own client sends straight to its transport only while it has no hook."""

from __future__ import annotations

import asyncio

import httpx

from modelyard import Modelyard
from tests.sdk.faults import Step, fault_server
from tests.sdk.wire import base_card, json_response


class Seen:
    """Sync and async event hooks that record what they were shown."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def request(self, request: httpx.Request) -> None:
        self.events.append(f"request {request.url.path}")

    def response(self, response: httpx.Response) -> None:
        self.events.append(f"response {response.status_code}")

    async def request_async(self, request: httpx.Request) -> None:
        self.request(request)

    async def response_async(self, response: httpx.Response) -> None:
        self.response(response)


EXPECTED = ["request /v1/models/m", "response 200"]


def answer(request: httpx.Request) -> httpx.Response:
    return json_response(200, base_card())


def test_the_hooks_of_an_injected_client_run() -> None:
    seen = Seen()
    hooks = {"request": [seen.request], "response": [seen.response]}
    with httpx.Client(transport=httpx.MockTransport(answer), event_hooks=hooks) as http:
        Modelyard(api_key="k", server_url="http://yard.test", client=http).models.retrieve(
            model_id="m"
        )
    assert seen.events == EXPECTED


def test_the_hooks_of_an_injected_async_client_run() -> None:
    seen = Seen()
    hooks = {"request": [seen.request_async], "response": [seen.response_async]}

    async def run() -> None:
        transport = httpx.MockTransport(answer)
        async with httpx.AsyncClient(transport=transport, event_hooks=hooks) as http:
            yard = Modelyard(api_key="k", server_url="http://yard.test", async_client=http)
            await yard.models.retrieve_async(model_id="m")

    asyncio.run(run())
    assert seen.events == EXPECTED


def test_hooks_added_to_the_sdks_own_client_run_from_the_next_request_on() -> None:
    seen = Seen()
    with (
        fault_server(Step(200, base_card())) as server,
        Modelyard(api_key="k", server_url=server.url) as yard,
    ):
        yard.models.retrieve(model_id="m")  # the fast path, before any hook
        http = yard._http()
        http.event_hooks["request"].append(seen.request)
        http.event_hooks["response"].append(seen.response)
        yard.models.retrieve(model_id="m")
    assert seen.events == EXPECTED
    assert server.attempts == 2


def test_hooks_set_on_the_sdks_own_async_client_run() -> None:
    seen = Seen()

    async def run(url: str) -> None:
        async with Modelyard(api_key="k", server_url=url) as yard:
            yard._async_http().event_hooks = {
                "request": [seen.request_async],
                "response": [seen.response_async],
            }
            await yard.models.retrieve_async(model_id="m")

    with fault_server(Step(200, base_card())) as server:
        asyncio.run(run(server.url))
    assert seen.events == EXPECTED
