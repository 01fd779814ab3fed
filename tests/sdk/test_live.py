"""Every operation, sync and async, through the SDK against a real server process (both dialects).

Each test works in a brand-new workspace, so it sees only its own fine-tuned models.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from modelyard import (
    ArchiveFTModelOut,
    AuthenticationError,
    BaseModelCard,
    CompletionFTModelOut,
    DeleteModelOut,
    FTModelCard,
    HTTPValidationError,
    Modelyard,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    UnarchiveFTModelOut,
)
from tests.support.server import LiveServer

MODES = ["sync", "async"]
SLASH_ROOT = "meta-llama/Llama-3.1-8B-Instruct"


class Models:
    """`yard.models` with every call made through the sync method or through its async twin."""

    def __init__(self, yard: Modelyard, runner: asyncio.Runner | None) -> None:
        self._yard = yard
        self._runner = runner

    def __getattr__(self, operation: str) -> Any:
        if self._runner is None:
            return getattr(self._yard.models, operation)
        twin = getattr(self._yard.models, f"{operation}_async")
        runner = self._runner
        return lambda **kwargs: runner.run(twin(**kwargs))


@contextmanager
def models_of(mode: str, server: LiveServer, key: str) -> Iterator[Any]:
    yard = Modelyard(api_key=key, server_url=server.base_url)
    if mode == "sync":
        with yard:
            yield Models(yard, None)
        return
    with asyncio.Runner() as runner:
        try:
            yield Models(yard, runner)
        finally:
            runner.run(yard.aclose())


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_list_shows_the_catalog_with_an_entry_per_alias(mode: str, live_server: LiveServer) -> None:
    with models_of(mode, live_server, live_server.new_workspace_key()) as models:
        result = models.list()
    ids = [card.id for card in result.data]
    for expected in ("mistral-small-2506", "mistral-small-latest", "codestral-2508", SLASH_ROOT):
        assert expected in ids
    assert all(isinstance(card, BaseModelCard) for card in result.data)


def test_retrieve_by_alias_answers_with_the_alias_as_id(mode: str, live_server: LiveServer) -> None:
    with models_of(mode, live_server, live_server.new_workspace_key()) as models:
        card = models.retrieve(model_id="mistral-small-latest")
    assert isinstance(card, BaseModelCard)
    assert (card.id, card.name) == ("mistral-small-latest", "mistral-small-2506")


def test_retrieve_a_base_model_whose_id_has_a_slash(mode: str, live_server: LiveServer) -> None:
    with models_of(mode, live_server, live_server.new_workspace_key()) as models:
        card = models.retrieve(model_id=SLASH_ROOT)
    assert card.id == SLASH_ROOT


def test_register_then_retrieve_and_list_the_fine_tuned_model(
    mode: str, live_server: LiveServer
) -> None:
    with models_of(mode, live_server, live_server.new_workspace_key()) as models:
        registered = models.register(root="mistral-small-latest", suffix="sdk-test")
        retrieved = models.retrieve(model_id=registered.id)
        tuned_only = models.list(type="fine-tuned")
    assert isinstance(registered, FTModelCard)
    assert registered.id.startswith("ft:mistral-small-2506:")
    assert registered.root == "mistral-small-2506"
    assert registered.name == "sdk-test"
    assert retrieved == registered
    assert [card.id for card in tuned_only.data] == [registered.id]


def test_registering_the_same_job_again_replays_the_same_card(
    mode: str, live_server: LiveServer
) -> None:
    job = uuid.uuid4()
    with models_of(mode, live_server, live_server.new_workspace_key()) as models:
        first = models.register(root="open-mistral-7b", job=job, name="once")
        again = models.register(root="open-mistral-7b", job=job, name="once")
    assert again == first


def test_update_sets_clears_and_leaves_alone(mode: str, live_server: LiveServer) -> None:
    with models_of(mode, live_server, live_server.new_workspace_key()) as models:
        model_id = models.register(root="open-mistral-7b").id
        named = models.update(model_id=model_id, name="renamed", description="first")
        untouched = models.update(model_id=model_id)
        cleared = models.update(model_id=model_id, description=None)
    assert isinstance(named, CompletionFTModelOut)
    assert (named.name, named.description) == ("renamed", "first")
    assert (untouched.name, untouched.description) == ("renamed", "first")
    assert (cleared.name, cleared.description) == ("renamed", None)


def test_archive_and_unarchive_are_idempotent_and_visible(
    mode: str, live_server: LiveServer
) -> None:
    with models_of(mode, live_server, live_server.new_workspace_key()) as models:
        model_id = models.register(root="open-mistral-7b").id
        archived = [models.archive(model_id=model_id) for _ in range(2)]
        seen_archived = models.retrieve(model_id=model_id).archived
        listed_archived = models.list(type="fine-tuned", archived=True).data
        unarchived = [models.unarchive(model_id=model_id) for _ in range(2)]
        seen_unarchived = models.retrieve(model_id=model_id).archived
    assert archived == [ArchiveFTModelOut(id=model_id, archived=True)] * 2
    assert seen_archived is True
    assert [card.id for card in listed_archived] == [model_id]
    assert unarchived == [UnarchiveFTModelOut(id=model_id, archived=False)] * 2
    assert seen_unarchived is False


def test_delete_removes_the_model_from_retrieve_and_list(
    mode: str, live_server: LiveServer
) -> None:
    with models_of(mode, live_server, live_server.new_workspace_key()) as models:
        model_id = models.register(root="open-mistral-7b").id
        deleted = models.delete(model_id=model_id)
        with pytest.raises(NotFoundError) as caught:
            models.retrieve(model_id=model_id)
        remaining = models.list(type="fine-tuned").data
    assert deleted == DeleteModelOut(id=model_id, deleted=True)
    assert caught.value.code == "model_not_found"
    assert remaining == []


def test_every_operation_works_on_a_fine_tuned_id_with_a_slash(
    mode: str, live_server: LiveServer
) -> None:
    with models_of(mode, live_server, live_server.new_workspace_key()) as models:
        model_id = models.register(root=SLASH_ROOT).id
        assert model_id.startswith(f"ft:{SLASH_ROOT}:")
        assert models.retrieve(model_id=model_id).id == model_id
        assert models.update(model_id=model_id, name="slashed").name == "slashed"
        assert models.archive(model_id=model_id).archived is True
        assert models.unarchive(model_id=model_id).archived is False
        assert models.delete(model_id=model_id).deleted is True


def test_list_pages_with_limit_and_after(mode: str, live_server: LiveServer) -> None:
    with models_of(mode, live_server, live_server.new_workspace_key()) as models:
        everything = [card.id for card in models.list(limit=1000).data]
        first = models.list(limit=2)
        second = models.list(limit=2, after=first.last_id)
    assert [card.id for card in first.data + second.data] == everything[:4]
    assert first.has_more is True
    assert first.last_id == everything[1]


def test_a_base_model_cannot_be_changed(mode: str, live_server: LiveServer) -> None:
    with (
        models_of(mode, live_server, live_server.new_workspace_key()) as models,
        pytest.raises(PermissionDeniedError) as caught,
    ):
        models.delete(model_id="mistral-small-2506")
    assert (caught.value.status_code, caught.value.code) == (403, "base_model_immutable")


def test_a_read_key_cannot_write(mode: str, live_server: LiveServer) -> None:
    with (
        models_of(mode, live_server, live_server.new_workspace_key("read")) as models,
        pytest.raises(PermissionDeniedError) as caught,
    ):
        models.register(root="open-mistral-7b")
    assert caught.value.code == "insufficient_scope"


def test_an_unknown_key_is_an_authentication_error(mode: str, live_server: LiveServer) -> None:
    with (
        models_of(mode, live_server, "myd_" + "x" * 40) as models,
        pytest.raises(AuthenticationError) as caught,
    ):
        models.list()
    assert caught.value.status_code == 401
    assert caught.value.headers["www-authenticate"].startswith("Bearer")


def test_another_workspaces_model_is_not_found(mode: str, live_server: LiveServer) -> None:
    owner = live_server.new_workspace_key()
    model_id = live_server.register(owner, root="open-mistral-7b")["id"]
    with (
        models_of(mode, live_server, live_server.new_workspace_key()) as models,
        pytest.raises(NotFoundError) as caught,
    ):
        models.retrieve(model_id=model_id)
    assert caught.value.code == "model_not_found"


def test_an_over_long_name_is_a_validation_error_with_detail(
    mode: str, live_server: LiveServer
) -> None:
    with models_of(mode, live_server, live_server.new_workspace_key()) as models:
        model_id = models.register(root="open-mistral-7b").id
        with pytest.raises(HTTPValidationError) as caught:
            models.update(model_id=model_id, name="x" * 257)
    assert caught.value.status_code == 422
    assert caught.value.data.detail


def test_if_match_guards_writes(mode: str, live_server: LiveServer) -> None:
    key = live_server.new_workspace_key()
    with models_of(mode, live_server, key) as models:
        model_id = models.register(root="open-mistral-7b").id
        with live_server.client(key) as http:
            etag = http.get(f"/v1/models/{model_id}").headers["etag"]
        with pytest.raises(PreconditionFailedError) as caught:
            models.archive(model_id=model_id, if_match='"stale"')
        archived = models.archive(model_id=model_id, if_match=etag)
    assert caught.value.code == "precondition_failed"
    assert archived.archived is True


def test_the_sdks_own_client_leaves_responses_as_httpx_does(live_server: LiveServer) -> None:
    """Its requests skip `httpx.Client.send` (see _transport.py); the raw response is still whole:
    read, closed, with its request and elapsed time."""
    yard = Modelyard(api_key=live_server.new_workspace_key(), server_url=live_server.base_url)
    with yard:
        raw = yard.models.with_raw_response.retrieve(model_id="mistral-small-2506")
        response = raw.http_response
        assert response.is_closed
        assert response.json()["id"] == "mistral-small-2506"
        assert response.request.url.path == "/v1/models/mistral-small-2506"
        assert response.request.headers["user-agent"].startswith("modelyard-python/")
        assert response.elapsed.total_seconds() > 0


def test_the_sdks_own_async_client_leaves_responses_as_httpx_does(
    live_server: LiveServer,
) -> None:
    yard = Modelyard(api_key=live_server.new_workspace_key(), server_url=live_server.base_url)

    async def retrieve() -> Any:
        async with yard:
            return await yard.models.with_raw_response.retrieve_async(model_id="mistral-small-2506")

    response = asyncio.run(retrieve()).http_response
    assert response.is_closed
    assert response.json()["id"] == "mistral-small-2506"
    assert response.request.url.path == "/v1/models/mistral-small-2506"
    assert response.elapsed.total_seconds() > 0
