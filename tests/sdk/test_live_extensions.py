"""The extensions through the SDK against a real server process, sync and async (both dialects):
`me`, workspaces, keys, the audit log, the page iterators and the If-Match flow with ETags."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from modelyard import (
    ApiKey,
    ApiKeyRevoked,
    AuthenticationError,
    ConflictError,
    FTModelCard,
    Modelyard,
    PermissionDeniedError,
    PreconditionFailedError,
    RawResponse,
)
from tests.support.server import LiveServer

MODES = ["sync", "async"]


class Twins:
    """Any SDK object whose methods run as the sync method or as its `_async` twin; the page
    iterators come back as lists either way."""

    def __init__(self, target: Any, runner: asyncio.Runner | None) -> None:
        self._target = target
        self._runner = runner

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not hasattr(self._target, f"{name}_async"):
            return Twins(attribute, self._runner)  # a resource, or a `with_raw_response` view
        runner = self._runner
        if runner is None:
            return lambda **kwargs: as_list(attribute(**kwargs))
        twin = getattr(self._target, f"{name}_async")
        return lambda **kwargs: runner.run(awaited(twin(**kwargs)))


def as_list(result: Any) -> Any:
    return list(result) if isinstance(result, Iterator) else result


async def awaited(result: Any) -> Any:
    return [item async for item in result] if isinstance(result, AsyncIterator) else await result


@contextmanager
def yard_of(mode: str, server: LiveServer, key: str | None = None) -> Iterator[Any]:
    yard = Modelyard(api_key=key or server.admin_key, server_url=server.base_url)
    if mode == "sync":
        with yard:
            yield Twins(yard, None)
        return
    with asyncio.Runner() as runner:
        try:
            yield Twins(yard, runner)
        finally:
            runner.run(yard.aclose())


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# --- me, workspaces, keys ----------------------------------------------------------------------


def test_me_describes_the_calling_key(mode: str, live_server: LiveServer) -> None:
    with yard_of(mode, live_server) as admin:
        admin_me = admin.me()
        workspace = admin.workspaces.create(name=unique("me"))
        created = admin.keys.create(workspace=workspace.id, scope="read", name="ci-bot")
    with yard_of(mode, live_server, created.key) as reader:
        me = reader.me()
    assert admin_me.scope == "admin"
    assert (me.id, me.name, me.scope) == (created.id, "ci-bot", "read")
    assert (me.workspace_id, me.organization_id) == (workspace.id, admin_me.organization_id)


def test_workspaces_are_created_listed_and_unique_by_name(
    mode: str, live_server: LiveServer
) -> None:
    name = unique("team")
    with yard_of(mode, live_server) as admin:
        workspace = admin.workspaces.create(name=name)
        listed = admin.workspaces.list()
        with pytest.raises(ConflictError) as caught:
            admin.workspaces.create(name=name)
    assert workspace.name == name
    assert re.fullmatch(r"[0-9a-f]{8}", workspace.tag)
    assert workspace in listed.data
    assert (caught.value.status_code, caught.value.code) == (409, "workspace_exists")


def test_keys_are_created_listed_without_secrets_and_revoked(
    mode: str, live_server: LiveServer
) -> None:
    with yard_of(mode, live_server) as admin:
        workspace = admin.workspaces.create(name=unique("keys"))
        created = admin.keys.create(workspace=workspace.name, scope="write")  # by name
        listed = admin.keys.with_raw_response.list()
        with yard_of(mode, live_server, created.key) as holder:
            assert holder.me().id == created.id
            revoked = admin.keys.revoke(key_id=created.id)
            again = admin.keys.revoke(key_id=created.id)
            with pytest.raises(AuthenticationError) as caught:
                holder.me()
    assert created.key.startswith("myd_")
    assert (created.workspace_id, created.scope, created.name) == (workspace.id, "write", None)
    (entry,) = [key for key in listed.parse().data if key.id == created.id]
    assert type(entry) is ApiKey
    assert created.key not in listed.http_response.text
    assert revoked == again == ApiKeyRevoked(id=created.id, revoked=True)
    assert caught.value.status_code == 401


def test_the_admin_api_needs_an_admin_key(mode: str, live_server: LiveServer) -> None:
    with yard_of(mode, live_server, live_server.new_workspace_key("write")) as writer:
        for attempt in (
            lambda: writer.workspaces.list(),
            lambda: writer.keys.create(workspace="default", scope="admin"),
            lambda: writer.audit.list(),
        ):
            with pytest.raises(PermissionDeniedError) as caught:
                attempt()
            assert caught.value.code == "insufficient_scope"


# --- the audit log -----------------------------------------------------------------------------


def test_the_audit_log_has_one_event_per_change_and_pages_from_a_cursor(
    mode: str, live_server: LiveServer
) -> None:
    key = live_server.new_workspace_key()
    with yard_of(mode, live_server, key) as writer:
        key_id = writer.me().id
        model_id = writer.models.register(root="open-mistral-7b", name="before").id
        writer.models.update(model_id=model_id, name="after")
        writer.models.update(model_id=model_id, description="d")
        writer.models.archive(model_id=model_id)
        writer.models.unarchive(model_id=model_id)
        writer.models.delete(model_id=model_id)
    with yard_of(mode, live_server) as admin:
        page = admin.audit.list(model_id=model_id)
        walked = admin.audit.iter(model_id=model_id, limit=2)
        rest = admin.audit.list(model_id=model_id, after=page.data[1].id)
        updates = admin.audit.iter(model_id=model_id, action="model.updated", limit=1)
        nothing_after = admin.audit.iter(model_id=model_id, after=page.last_id)
    actions = [event.action for event in page.data]
    assert actions == [
        "model.registered",
        "model.updated",
        "model.updated",
        "model.archived",
        "model.unarchived",
        "model.deleted",
    ]
    assert (page.has_more, page.last_id) == (False, page.data[-1].id)
    assert walked == page.data
    assert rest.data == page.data[2:]
    assert [event.id for event in updates] == [page.data[1].id, page.data[2].id]
    assert nothing_after == []
    registered, renamed = page.data[0], page.data[1]
    assert {event.actor_key_id for event in page.data} == {key_id}
    assert registered.before is None
    assert registered.after is not None
    assert registered.after["name"] == "before"
    assert renamed.before is not None
    assert renamed.after is not None
    assert (renamed.before["name"], renamed.after["name"]) == ("before", "after")
    assert page.data[-1].after is None


# --- paging the model list ---------------------------------------------------------------------


def test_models_iter_walks_every_page(mode: str, live_server: LiveServer) -> None:
    with yard_of(mode, live_server, live_server.new_workspace_key()) as writer:
        registered = [
            writer.models.register(root="open-mistral-7b", suffix=f"p{i}").id for i in range(3)
        ]
        tuned = writer.models.iter(type="fine-tuned", limit=2)
        everything = writer.models.iter(limit=7)
        one_page = writer.models.list(limit=1000)
    assert [card.id for card in tuned] == sorted(registered)
    assert all(isinstance(card, FTModelCard) for card in tuned)
    assert len(one_page.data) > 7  # so `everything` took several pages
    assert [card.id for card in everything] == [card.id for card in one_page.data]


# --- ETags and If-Match: the lost-update-safe pattern -------------------------------------------


def test_etags_from_every_write_guard_the_next_one(mode: str, live_server: LiveServer) -> None:
    with yard_of(mode, live_server, live_server.new_workspace_key()) as yard:
        models = yard.models.with_raw_response
        registered = models.register(root="open-mistral-7b")
        model_id = registered.parse().id
        read = models.retrieve(model_id=model_id)
        updated = models.update(model_id=model_id, name="first", if_match=read.etag)
        with pytest.raises(PreconditionFailedError) as stale:
            yard.models.update(model_id=model_id, name="second", if_match=read.etag)
        unchanged = yard.models.retrieve(model_id=model_id)
        archived = models.archive(model_id=model_id, if_match=updated.etag)
        unarchived = models.unarchive(model_id=model_id, if_match=archived.etag)
        reread = models.retrieve(model_id=model_id)
        with pytest.raises(PreconditionFailedError):
            yard.models.delete(model_id=model_id, if_match=updated.etag)
        deleted = yard.models.delete(model_id=model_id, if_match=reread.etag)
        base = models.retrieve(model_id="mistral-small-2506")
    assert isinstance(registered, RawResponse)
    assert registered.status_code == 201
    assert registered.etag is not None
    assert read.etag == registered.etag  # the same state has the same tag on every endpoint
    assert read.parse() == registered.parse()
    assert len({registered.etag, updated.etag, archived.etag, unarchived.etag}) == 4
    assert (stale.value.status_code, stale.value.code) == (412, "precondition_failed")
    assert unchanged.name == "first"  # the refused update changed nothing
    assert reread.etag == unarchived.etag
    assert deleted.deleted is True
    assert base.etag is None  # base models carry no ETag


def rename_safely(yard: Any, model_id: str, suffix: str) -> int:
    """The pattern docs/sdk.md shows: read, change with If-Match, re-read on 412. Returns the
    number of 412s met."""
    conflicts = 0
    while True:
        read = yard.models.with_raw_response.retrieve(model_id=model_id)
        name = f"{read.parse().name}+{suffix}"
        try:
            yard.models.update(model_id=model_id, name=name, if_match=read.etag)
            return conflicts
        except PreconditionFailedError:
            conflicts += 1


def test_two_writers_with_the_same_etag_lose_no_update(mode: str, live_server: LiveServer) -> None:
    key = live_server.new_workspace_key()
    with yard_of(mode, live_server, key) as first, yard_of(mode, live_server, key) as second:
        model_id = first.models.register(root="open-mistral-7b", name="n").id
        both_read = [
            writer.models.with_raw_response.retrieve(model_id=model_id)
            for writer in (first, second)
        ]
        first.models.update(model_id=model_id, name="n+a", if_match=both_read[0].etag)
        with pytest.raises(PreconditionFailedError):
            second.models.update(model_id=model_id, name="n+b", if_match=both_read[1].etag)
        assert rename_safely(second, model_id, "b") == 0  # re-read, then it goes through
        final = first.models.retrieve(model_id=model_id)
    assert final.name == "n+a+b"  # both changes are in: none was lost
