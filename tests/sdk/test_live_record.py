"""The model record through the SDK against a real server process, sync and async (both
dialects): labels and artifact at registration and as merge patches, the label filter, aliases
(set, moved under If-Match, resolved by `retrieve`, deleted), and revoked keys listed on request."""

from __future__ import annotations

import pytest

from modelyard import (
    NOT_GIVEN,
    Alias,
    AliasDeleted,
    ArtifactIn,
    ArtifactPatch,
    ConflictError,
    FTModelCard,
    HTTPValidationError,
    PreconditionFailedError,
)
from tests.sdk.test_live_extensions import MODES, unique, yard_of
from tests.support.server import LiveServer

DIGEST = "sha256:" + "ab" * 32


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_labels_and_artifact_are_set_at_registration_and_patched(
    mode: str, live_server: LiveServer
) -> None:
    with yard_of(mode, live_server, live_server.new_workspace_key()) as yard:
        card = yard.models.register(
            root="mistral-small-latest",
            labels={"team": "search", "stage": "dev"},
            artifact=ArtifactIn(uri="s3://weights/search/v1", format="safetensors"),
        )
        assert isinstance(card, FTModelCard)
        assert card.labels == {"team": "search", "stage": "dev"}
        assert card.artifact is not None
        assert card.artifact.uri == "s3://weights/search/v1"
        updated = yard.models.update(
            model_id=card.id,
            labels={"stage": "prod", "team": None},
            artifact={"digest": DIGEST},
        )
        assert updated.labels == {"stage": "prod"}
        assert (updated.artifact.uri, updated.artifact.digest) == ("s3://weights/search/v1", DIGEST)
        assert updated.name == card.name  # untouched keys are left as they were
        cleared = yard.models.update(
            model_id=card.id, labels=None, artifact=ArtifactPatch(format=None), name=NOT_GIVEN
        )
        assert cleared.labels == {}
        assert cleared.artifact.format is None
        assert cleared.artifact.uri == "s3://weights/search/v1"
        assert yard.models.update(model_id=card.id, artifact=None).artifact is None


def test_a_uri_with_credentials_is_refused_and_nothing_changes(
    mode: str, live_server: LiveServer
) -> None:
    with yard_of(mode, live_server, live_server.new_workspace_key()) as yard:
        card = yard.models.register(root="mistral-small-latest")
        with pytest.raises(HTTPValidationError) as caught:
            yard.models.update(
                model_id=card.id, artifact={"uri": "s3://weights/x?X-Amz-Signature=abc"}
            )
        assert "credentials_in_uri" in str(caught.value.body)
        assert yard.models.retrieve(model_id=card.id).artifact is None


def test_the_label_filter_keeps_models_carrying_every_label_asked(
    mode: str, live_server: LiveServer
) -> None:
    with yard_of(mode, live_server, live_server.new_workspace_key()) as yard:
        prod = yard.models.register(root="mistral-small-latest", labels={"stage": "prod", "t": "a"})
        yard.models.register(root="mistral-small-latest", labels={"stage": "dev", "t": "a"})
        assert [m.id for m in yard.models.list(label="stage=prod").data] == [prod.id]
        both = yard.models.list(label=["t=a", "stage"], type="fine-tuned").data
        assert len(both) == 2
        assert [m.id for m in yard.models.iter(label=("t=a", "stage=prod"), limit=1)] == [prod.id]


def test_an_alias_is_set_moved_under_its_etag_resolved_and_deleted(
    mode: str, live_server: LiveServer
) -> None:
    name = unique("bot")
    with yard_of(mode, live_server, live_server.new_workspace_key()) as yard:
        first = yard.models.register(root="mistral-small-latest", suffix="first")
        second = yard.models.register(root="mistral-small-latest", suffix="second")
        created = yard.aliases.with_raw_response.set(alias=name, model=first.id, if_none_match="*")
        alias = created.parse()
        assert isinstance(alias, Alias)
        assert (alias.id, alias.model) == (name, first.id)
        with pytest.raises(PreconditionFailedError):
            yard.aliases.set(alias=name, model=second.id, if_none_match="*")
        moved = yard.aliases.set(alias=name, model=second.id, if_match=created.etag)
        assert moved.model == second.id
        with pytest.raises(PreconditionFailedError):  # a promotion that read the old state
            yard.aliases.set(alias=name, model=first.id, if_match=created.etag)
        assert yard.aliases.get(alias=name).model == second.id
        assert name in [each.id for each in yard.aliases.list().data]
        resolved = yard.models.retrieve(model_id=name)
        assert resolved.id == name
        assert resolved.root == second.root
        assert name in yard.models.retrieve(model_id=second.id).aliases
        with pytest.raises(ConflictError) as refused:
            yard.models.delete(model_id=second.id)
        assert refused.value.code == "model_has_aliases"
        assert yard.aliases.delete(alias=name) == AliasDeleted(id=name)
        assert yard.models.delete(model_id=second.id).deleted


def test_revoked_keys_are_listed_only_when_asked(mode: str, live_server: LiveServer) -> None:
    with yard_of(mode, live_server) as admin:
        workspace = admin.workspaces.create(name=unique("revoked"))
        created = admin.keys.create(workspace=workspace.id, scope="read")
        admin.keys.revoke(key_id=created.id)
        live = {key.id for key in admin.keys.list().data}
        every = {key.id: key for key in admin.keys.list(all=True).data}
    assert created.id not in live
    assert every[created.id].revoked_at is not None
