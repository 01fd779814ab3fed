"""The one paginator behind every `iter`, sync and async: it follows `last_id` while the server
says `has_more`, and stops on a page that cannot lead anywhere."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from modelyard.client._pagination import paginate, paginate_async

MODES = ["sync", "async"]


@dataclass
class Page:
    data: list[str]
    has_more: bool | None = None
    last_id: str | None = None


@dataclass
class Lister:
    """A `list` operation over fixed pages, keyed by the `after` it is called with."""

    pages: dict[str | None, Page]
    calls: list[dict[str, Any]] = field(default_factory=list)

    def list(self, **params: Any) -> Page:
        self.calls.append(params)
        return self.pages[params.get("after")]

    async def list_async(self, **params: Any) -> Page:
        return self.list(**params)


def walk(mode: str, lister: Lister, **params: Any) -> list[str]:
    if mode == "sync":
        return list(paginate(lister.list, params))

    async def run() -> list[str]:
        return [item async for item in paginate_async(lister.list_async, params)]

    return asyncio.run(run())


@pytest.mark.parametrize("mode", MODES)
def test_it_follows_last_id_until_a_page_has_no_more(mode: str) -> None:
    lister = Lister(
        {
            None: Page(["a", "b"], has_more=True, last_id="b"),
            "b": Page(["c", "d"], has_more=True, last_id="d"),
            "d": Page(["e"], has_more=False, last_id="e"),
        }
    )
    assert walk(mode, lister, limit=2) == ["a", "b", "c", "d", "e"]
    assert [call.get("after") for call in lister.calls] == [None, "b", "d"]


@pytest.mark.parametrize("mode", MODES)
def test_it_stops_when_a_page_repeats_the_cursor_it_was_asked_for(mode: str) -> None:
    lister = Lister({"x": Page(["y"], has_more=True, last_id="x")})
    assert walk(mode, lister, after="x") == ["y"]
    assert len(lister.calls) == 1


@pytest.mark.parametrize("mode", MODES)
def test_it_reads_one_page_of_a_server_that_does_not_page(mode: str) -> None:
    lister = Lister({None: Page(["a", "b"])})  # no has_more, no last_id
    assert walk(mode, lister) == ["a", "b"]
    assert len(lister.calls) == 1


@pytest.mark.parametrize("mode", MODES)
def test_it_stops_when_a_page_has_more_but_no_last_id(mode: str) -> None:
    lister = Lister({None: Page([], has_more=True, last_id=None)})
    assert walk(mode, lister) == []
    assert len(lister.calls) == 1


@pytest.mark.parametrize("mode", MODES)
def test_it_asks_for_pages_of_100_unless_told_and_passes_every_other_keyword_on(
    mode: str,
) -> None:
    lister = Lister(
        {
            None: Page(["a"], has_more=True, last_id="a"),
            "a": Page(["b"], has_more=False, last_id="b"),
        }
    )
    walk(mode, lister, q="small", timeout_ms=5, limit=None)
    assert lister.calls == [
        {"q": "small", "timeout_ms": 5, "limit": 100},
        {"q": "small", "timeout_ms": 5, "limit": 100, "after": "a"},
    ]


def test_it_asks_for_nothing_until_the_first_item_is_wanted_and_leaves_the_callers_keywords() -> (
    None
):
    lister = Lister({None: Page(["a"], has_more=True, last_id="a"), "a": Page(["b"])})
    params: dict[str, Any] = {"limit": 1}
    items = paginate(lister.list, params)
    assert lister.calls == []
    assert next(items) == "a"
    assert list(items) == ["b"]
    assert params == {"limit": 1}
