"""Group commit (store/group_commit.py): concurrent writes share a transaction, yet each one
succeeds or fails on its own, and nobody hears "done" before the COMMIT."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.registry.errors import NotFound, PreconditionFailed
from modelyard.registry.identity import Actor
from modelyard.registry.models import ModelService
from modelyard.registry.tenancy import TenancyService
from modelyard.store.engine import Store, Tx
from modelyard.store.group_commit import GroupCommit
from modelyard.store.tables import audit_events
from modelyard.types import RegisterFTModelIn, UpdateFTModelIn
from tests.support.app import ADMIN_KEY, prepared_store, settings_for


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with prepared_store(settings_for(database_url)) as prepared:
        yield prepared


def event(action: str) -> Callable[[Tx], str]:
    """A write: one audit row with this action."""

    def work(tx: Tx) -> str:
        tx.audit.append(created=1, organization_id="org", action=action)
        return action

    return work


def actions(store: Store) -> list[str]:
    with store.read() as tx:
        query = sa.select(audit_events.c.action).order_by(audit_events.c.id)
        return list(tx.conn.scalars(query))


async def together(store: Store, *works: Callable[[Tx], Any]) -> list[Any]:
    return await asyncio.gather(*(store.write_together(w) for w in works), return_exceptions=True)


def test_each_write_keeps_its_own_outcome(store: Store):
    def writes_then_fails(tx: Tx) -> None:
        event("half-done")(tx)
        raise ValueError("refused after writing")

    def breaks_a_constraint(tx: Tx) -> None:
        tx.audit.append(created=1, organization_id=None, action="no-org")

    outcomes = asyncio.run(
        together(store, event("a"), writes_then_fails, event("b"), breaks_a_constraint, event("c"))
    )
    assert outcomes[0::2] == ["a", "b", "c"]
    assert isinstance(outcomes[1], ValueError)
    assert isinstance(outcomes[3], sa.exc.IntegrityError)
    assert actions(store) == ["a", "b", "c"]  # the failed writes left nothing behind


def test_a_failed_commit_fails_every_write_of_the_batch_and_keeps_none(store: Store):
    @contextmanager
    def commit_fails() -> Iterator[Tx]:
        with store.write() as tx:
            yield tx
            raise OSError("disk full")  # raised inside: the transaction rolls back

    group = GroupCommit(commit_fails, store.dialect)

    async def main() -> list[Any]:
        return await asyncio.gather(
            *(group.run(event(name)) for name in "xyz"), return_exceptions=True
        )

    try:
        outcomes = asyncio.run(main())
    finally:
        group.close()
    assert all(isinstance(outcome, OSError) for outcome in outcomes)
    assert actions(store) == []


def test_a_write_is_committed_when_its_caller_hears_of_it(store: Store):
    async def main() -> list[bool]:
        seen = []
        for name in ("one", "two", "three"):
            await store.write_together(event(name))
            seen.append(name in actions(store))  # another connection, right away
        return seen

    assert asyncio.run(main()) == [True, True, True]


def test_close_finishes_what_is_queued(store: Store, database_url: str):
    async def main() -> None:
        pending = [asyncio.ensure_future(store.write_together(event(str(n)))) for n in range(50)]
        await asyncio.sleep(0)  # queued, not awaited yet
        await asyncio.gather(*pending)

    asyncio.run(main())
    store.dispose()
    reopened = Store.from_url(database_url)
    try:
        assert len(actions(reopened)) == 50
    finally:
        reopened.dispose()


def test_concurrent_changes_follow_the_rules_one_by_one(store: Store):
    """PATCHes grouped in one transaction: each sees the ones before it (a stale If-Match is a
    412, a missing model a 404), and each change that succeeded is one audit event."""
    service = ModelService()
    with store.read() as tx:
        actor = Actor(TenancyService().authenticate(tx, ADMIN_KEY), "request")
    body = RegisterFTModelIn(root="mistral-small-latest", suffix="g")
    with store.write() as tx:
        found, _ = service.register(tx, actor, body)
    model_id, etag = found.body["id"], found.etag
    assert etag is not None

    def patch(name: str, if_match: str | None = None, target: str = model_id) -> Any:
        patch = UpdateFTModelIn(name=name)
        return store.write_together(lambda tx: service.update(tx, actor, target, patch, if_match))

    async def main() -> list[Any]:
        return await asyncio.gather(
            patch("first", etag),
            patch("second", etag),  # the first changed the ETag: 412
            patch("third"),
            patch("nowhere", target="ft:missing"),
            return_exceptions=True,
        )

    first, second, third, nowhere = asyncio.run(main())
    assert first.body["name"] == "first"
    assert isinstance(second, PreconditionFailed)
    assert third.body["name"] == "third"
    assert isinstance(nowhere, NotFound)
    with store.read() as tx:
        assert service.retrieve(tx, actor.principal, model_id).body["name"] == "third"
    assert actions(store).count("model.updated") == 2


def test_statements_after_a_refused_change_still_run(store: Store):
    """A refused change rolls back its savepoint inside the batch; the statements that follow on
    the same connections (prepared ones included, on PostgreSQL) run as before. (psycopg forgets
    its prepared statements on a ROLLBACK and, in pipeline mode, used to drop the next one it
    prepared: "prepared statement does not exist".)"""
    service = ModelService()
    with store.read() as tx:
        actor = Actor(TenancyService().authenticate(tx, ADMIN_KEY), "request")
    with store.write() as tx:
        found, _ = service.register(tx, actor, RegisterFTModelIn(root="mistral-small-latest"))
    model_id = found.body["id"]

    def patch(name: str, if_match: str | None = None) -> Any:
        change = UpdateFTModelIn(name=name)
        return store.write_together(
            lambda tx: service.update(tx, actor, model_id, change, if_match)
        )

    async def main() -> None:
        for round_ in range(4):
            with pytest.raises(PreconditionFailed):
                await patch(f"stale-{round_}", '"v999"')
            for _ in range(2):
                with store.read() as tx:
                    assert tx.models.visible(actor.principal.workspace_id, model_id) is not None
            assert (await patch(f"name-{round_}")).body["name"] == f"name-{round_}"

    asyncio.run(main())
    with store.read() as tx:
        assert service.retrieve(tx, actor.principal, model_id).body["name"] == "name-3"


def test_models_read_ahead_are_seen_as_the_batch_leaves_them(store: Store):
    """A batch reads the models its changes name in one statement first (`reads`); each change
    still sees the ones before it, never what a change that rolled back had written, and never
    a model of another workspace."""
    service = ModelService()
    with store.read() as tx:
        actor = Actor(TenancyService().authenticate(tx, ADMIN_KEY), "request")
    with store.write() as tx:
        found, _ = service.register(tx, actor, RegisterFTModelIn(root="mistral-small-latest"))
    model_id, workspace = found.body["id"], actor.principal.workspace_id

    def patch(name: str, if_match: str | None = None) -> Any:
        change = UpdateFTModelIn(name=name)
        return store.write_together(
            lambda tx: service.update(tx, actor, model_id, change, if_match), reads=(model_id,)
        )

    def changes_then_fails(tx: Tx) -> None:
        model = tx.models.visible(workspace, model_id)
        assert model is not None
        tx.models.change(model, name="rolled back")
        raise ValueError("refused after changing the model")

    async def main() -> list[Any]:
        return await asyncio.gather(
            patch("first", '"v1"'),
            store.write_together(changes_then_fails, reads=(model_id,)),
            patch("third", '"v2"'),  # the failed change's version bump was rolled back
            store.write_together(lambda tx: tx.models.visible("elsewhere", model_id), (model_id,)),
            store.write_together(lambda tx: tx.models.visible(workspace, "ft:none"), ("ft:none",)),
            return_exceptions=True,
        )

    first, failed, third, elsewhere, missing = asyncio.run(main())
    assert first.body["name"] == "first"
    assert isinstance(failed, ValueError)
    assert third.body["name"] == "third"
    assert elsewhere is None
    assert missing is None
    with store.read() as tx:
        model = tx.models.visible(workspace, model_id)
        assert model is not None
        assert (model.name, model.version) == ("third", 3)
