"""`yard.audit`: the organization's audit log and change feed (admin scope)."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator
from typing import Unpack

from ...types import AuditEvent, AuditEventList
from .. import _operations as op
from .._pagination import paginate, paginate_async
from .._params import ListAuditEventsParams
from .._raw import raw_twins
from ._resource import Resource


class Audit(Resource):
    """The organization's audit log and change feed (admin scope), oldest event first."""

    # The same methods (but `iter`), each returning a `RawResponse` with the headers.
    with_raw_response = functools.cached_property(lambda self: AuditWithRawResponse(self))

    def list(self, **params: Unpack[ListAuditEventsParams]) -> AuditEventList:
        """One page of events after the event id `after` (the server's default `limit`: 100)."""
        outcome = self._yard._send(op.list_audit_events(params), params)
        return op.read(AuditEventList, outcome)

    async def list_async(self, **params: Unpack[ListAuditEventsParams]) -> AuditEventList:
        """One page of events after the event id `after` (the server's default `limit`: 100)."""
        outcome = await self._yard._send_async(op.list_audit_events(params), params)
        return op.read(AuditEventList, outcome)

    def iter(self, **params: Unpack[ListAuditEventsParams]) -> Iterator[AuditEvent]:
        """Every event after `after` up to the newest: `list` page after page (`limit`: 100)."""
        return paginate(self.list, params)

    def iter_async(self, **params: Unpack[ListAuditEventsParams]) -> AsyncIterator[AuditEvent]:
        """Every event after `after` up to the newest: `list` page after page (`limit`: 100)."""
        return paginate_async(self.list_async, params)


class AuditWithRawResponse:
    """`yard.audit.with_raw_response`: each method returns `RawResponse[its result]`."""

    def __init__(self, audit: Audit) -> None:
        self.list, self.list_async = raw_twins(audit.list, audit.list_async)
