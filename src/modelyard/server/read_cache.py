"""Repeated reads of `/v1/models` and `/v1/models/{id}` served from bytes captured earlier.

The hot reads (ARCHITECTURE.md, decision 1): a 200 answer of a GET is kept, per workspace and
request target, at the store revision the gate read at the start of the request; the same GET at
the same revision is answered with those bytes without entering FastAPI. The routes stay the only
place that computes an answer, so a cached answer is byte-for-byte what the route would say.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.registry.memo import RESPONSES, RevisionMemo

_CACHED_PREFIX = "/v1/models"


class ReadCache:
    def __init__(self, app: ASGIApp, memo: RevisionMemo) -> None:
        self.app = app
        self.memo = memo

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.get("state") or {}
        principal = state.get("principal")
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or principal is None
            or not scope["path"].startswith(_CACHED_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        key = (principal.workspace_id, scope["raw_path"], scope["query_string"])
        cached = self.memo.get(RESPONSES, key)
        if cached is not None:
            start, body = cached
            await send(dict(start))
            await send({"type": "http.response.body", "body": body})
            return
        versions = state["versions"]
        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)
            await send(message)

        await self.app(scope, receive, capture)
        if _cacheable(captured):
            start = {key: value for key, value in captured[0].items()}
            start["headers"] = list(captured[0].get("headers", []))
            self.memo.put(RESPONSES, key, (start, captured[1].get("body", b"")), versions)


def _cacheable(messages: list[Message]) -> bool:
    """A complete 200 in one body message (what `json_response` sends)."""
    return (
        len(messages) == 2
        and messages[0]["type"] == "http.response.start"
        and messages[0]["status"] == 200
        and messages[1]["type"] == "http.response.body"
        and not messages[1].get("more_body", False)
    )
