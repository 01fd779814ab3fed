"""The page iterators: every item of a `list` operation, page after page, for any resource.

`paginate(yard.models.list, params)` calls `list` with `after` set to the last page's `last_id`
until `_operations.next_after` says the walk is over. Each request is sent only when the caller
asks for the first item of its page. `paginate_async` is the same walk over a `list_async`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, Final, Protocol, TypeVar

from ._operations import next_after

DEFAULT_PAGE_SIZE: Final = 100

_Item = TypeVar("_Item")
_Item_co = TypeVar("_Item_co", covariant=True)


class Page(Protocol[_Item_co]):
    """What a `list` operation returns: `ModelList`, `AuditEventList`."""

    @property
    def data(self) -> Sequence[_Item_co]: ...

    @property
    def has_more(self) -> bool | None: ...

    @property
    def last_id(self) -> str | int | None: ...


def _first_page(params: Mapping[str, Any]) -> dict[str, Any]:
    request = dict(params)
    if request.get("limit") is None:
        request["limit"] = DEFAULT_PAGE_SIZE
    return request


def paginate(list_page: Callable[..., Page[_Item]], params: Mapping[str, Any]) -> Iterator[_Item]:
    """Every item `list_page(**params)` and the pages after it hold."""
    request = _first_page(params)
    while True:
        page = list_page(**request)
        yield from page.data
        request["after"] = next_after(page.has_more, page.last_id, request.get("after"))
        if request["after"] is None:
            return


async def paginate_async(
    list_page: Callable[..., Awaitable[Page[_Item]]], params: Mapping[str, Any]
) -> AsyncIterator[_Item]:
    """`paginate`, over an async `list_page`."""
    request = _first_page(params)
    while True:
        page = await list_page(**request)
        for item in page.data:
            yield item
        request["after"] = next_after(page.has_more, page.last_id, request.get("after"))
        if request["after"] is None:
            return
