"""`yard.workspaces`: the organization's workspaces (admin scope)."""

from __future__ import annotations

import functools
from typing import Unpack

from ...types import Workspace, WorkspaceList
from .. import _operations as op
from .._params import RequestOptions
from .._raw import raw_twins
from ._resource import Resource


class Workspaces(Resource):
    """The organization's workspaces (admin scope)."""

    # The same methods, each returning a `RawResponse` with the headers.
    with_raw_response = functools.cached_property(lambda self: WorkspacesWithRawResponse(self))

    def create(self, *, name: str, **options: Unpack[RequestOptions]) -> Workspace:
        """Create a workspace; names are unique in the organization (else `ConflictError`)."""
        outcome = self._yard._send(op.create_workspace(name), options)
        return op.read(Workspace, outcome)

    async def create_async(self, *, name: str, **options: Unpack[RequestOptions]) -> Workspace:
        """Create a workspace; names are unique in the organization (else `ConflictError`)."""
        outcome = await self._yard._send_async(op.create_workspace(name), options)
        return op.read(Workspace, outcome)

    def list(self, **options: Unpack[RequestOptions]) -> WorkspaceList:
        """List the organization's workspaces."""
        outcome = self._yard._send(op.list_workspaces(), options)
        return op.read(WorkspaceList, outcome)

    async def list_async(self, **options: Unpack[RequestOptions]) -> WorkspaceList:
        """List the organization's workspaces."""
        outcome = await self._yard._send_async(op.list_workspaces(), options)
        return op.read(WorkspaceList, outcome)


class WorkspacesWithRawResponse:
    """`yard.workspaces.with_raw_response`: each method returns `RawResponse[its result]`."""

    def __init__(self, workspaces: Workspaces) -> None:
        self.create, self.create_async = raw_twins(workspaces.create, workspaces.create_async)
        self.list, self.list_async = raw_twins(workspaces.list, workspaces.list_async)
