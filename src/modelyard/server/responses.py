"""What a handler answers: a status, JSON bytes and the answer's own headers.

An `Answer` holds only what belongs to the answer itself (its ETag, a `Location`); the headers of
one request (`x-request-id`, rate limits) are added when it is sent, so an answer kept by the
read cache never carries another request's headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.types import Send

from modelyard.registry.models import Versioned

Headers = tuple[tuple[bytes, bytes], ...]
JSON = b"application/json"


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    status: int = 200
    headers: Headers = ()
    content_type: bytes = JSON

    async def send(
        self, send: Send, extra: list[tuple[bytes, bytes]], *, head: bool = False
    ) -> None:
        headers = [
            (b"content-type", self.content_type),
            (b"content-length", str(len(self.body)).encode()),
            *self.headers,
            *extra,
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else self.body})

    @property
    def size(self) -> int:
        """Bytes held, for the read cache's budget (the body, plus a small allowance)."""
        return len(self.body) + 256


def json_answer(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Answer:
    encoded = tuple((k.lower().encode(), v.encode("latin-1")) for k, v in (headers or {}).items())
    return Answer(orjson.dumps(body), status, encoded)


def list_answer(data: list[Any]) -> Answer:
    """`{"object": "list", "data": [...]}`: the contract's lists (never a bare array)."""
    return json_answer({"object": "list", "data": data})


def versioned_answer(found: Versioned, status: int = 200, **headers: str) -> Answer:
    """A fine-tuned model's answer, with its ETag."""
    if found.etag:
        headers["ETag"] = found.etag
    return json_answer(found.body, status, headers)
