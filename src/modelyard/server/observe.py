"""The outermost layer: times every request and hands it to the recorders (access log, metrics)."""

from __future__ import annotations

import time
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .state import RequestState


class Recorder(Protocol):
    def record(
        self, scope: Scope, state: RequestState | None, status: int, seconds: float
    ) -> None: ...


class Observe:
    def __init__(self, app: ASGIApp, recorders: list[Recorder]) -> None:
        self.app = app
        self.recorders = recorders

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            seconds = time.perf_counter() - started
            state = RequestState.of(scope)
            for recorder in self.recorders:
                recorder.record(scope, state, status, seconds)
