"""The registry renders plain dicts for speed; they must be exactly the wire types' shapes."""

from modelyard.registry import cards
from modelyard.store import records
from modelyard.types import (
    CAPABILITY_FLAGS,
    BaseModelCard,
    ClassifierFTModelOut,
    CompletionFTModelOut,
    FTModelCard,
)
from modelyard.types.record import full_artifact

BASE = records.BaseModel(
    id="m-1", position=0, in_catalog=True, provider="acme", version=None, description="d",
    created=1, max_context_length=8, aliases=("m-latest", "m"), capabilities={"vision": True},
    default_model_temperature=None, deprecation=None, deprecation_replacement_model=None,
    labels={"family": "m"}, artifact=full_artifact({"uri": "hf://acme/m-1", "format": "gguf"}),
)  # fmt: skip
TUNED = records.FineTunedModel(
    id="ft:m-1:abcdef01:20250101:12345678", workspace_id="w",
    job="12345678-0000-0000-0000-000000000000",
    root="m-1", model_type="completion", name=None, description=None, capabilities={},
    max_context_length=8, classifier_targets=None, archived=False, created=2, version=1,
    deleted_at=None, registration_digest="x", labels={"team": "x"},
    artifact={"uri": "s3://b/k", "format": "safetensors", "digest": None, "size_bytes": 1,
              "parameter_count": None, "quantization": None, "adapter": True},
    aliases=["bot-prod", "bot-staging"],
)  # fmt: skip


def test_every_base_entry_validates_and_has_every_card_key():
    for entry in cards.base_entries(BASE):
        assert set(entry) == set(BaseModelCard.model_fields)
        assert BaseModelCard.model_validate(entry).model_dump() == entry


def test_alias_entries_list_the_other_names_never_themselves():
    entries = {entry["id"]: entry for entry in cards.base_entries(BASE)}
    assert entries["m"]["aliases"] == ["m-1", "m-latest"]
    assert entries["m-1"]["aliases"] == ["m-latest", "m"]
    assert {entry["name"] for entry in entries.values()} == {"m-1"}


def test_fine_tuned_card_validates_and_has_every_key():
    card = cards.fine_tuned_card(TUNED, "org")
    assert set(card) == set(FTModelCard.model_fields)
    assert FTModelCard.model_validate(card).model_dump() == card
    assert list(card["capabilities"]) == list(CAPABILITY_FLAGS)


def test_update_shapes_validate_for_both_model_types():
    out = cards.fine_tuned_model_out(TUNED, "org", "m-1")
    assert set(out) == set(CompletionFTModelOut.model_fields)
    classifier = records.FineTunedModel(
        **{
            **{name: getattr(TUNED, name) for name in TUNED._fields},
            "model_type": "classifier",
            "classifier_targets": [
                {"name": "t", "labels": ["a"], "weight": 1.0, "loss_function": "single_class"}
            ],
        }
    )
    out = cards.fine_tuned_model_out(classifier, "org", "m-1")
    assert set(out) == set(ClassifierFTModelOut.model_fields)
    assert ClassifierFTModelOut.model_validate(out).model_dump() == out


def test_an_alias_entry_is_its_models_card_with_the_alias_as_id_and_the_other_names():
    card = cards.fine_tuned_card(TUNED, "org")
    assert card["aliases"] == ["bot-prod", "bot-staging"]
    entry = cards.alias_card(card, "bot-prod")
    assert entry["id"] == "bot-prod"
    assert entry["aliases"] == [TUNED.id, "bot-staging"]
    assert {k: v for k, v in entry.items() if k not in ("id", "aliases")} == {
        k: v for k, v in card.items() if k not in ("id", "aliases")
    }
    assert FTModelCard.model_validate(entry).model_dump() == entry


def test_cards_carry_labels_and_the_whole_artifact():
    card = cards.fine_tuned_card(TUNED, "org")
    assert card["labels"] == {"team": "x"}
    assert card["artifact"]["adapter"] is True
    (base, *_) = cards.base_entries(BASE)
    assert base["labels"] == {"family": "m"}
    assert set(base["artifact"]) == {
        "uri",
        "format",
        "digest",
        "size_bytes",
        "parameter_count",
        "quantization",
        "adapter",
    }


def test_records_take_their_tables_columns_in_order():
    # Repositories build records from rows positionally.
    from modelyard.store.tables import base_models, fine_tuned_models

    assert tuple(fine_tuned_models.columns.keys()) == records.FineTunedModel._fields
    assert tuple(base_models.columns.keys()) == records.BaseModel.__slots__


def test_capability_flags_are_kept_for_a_bounded_number_of_sets():
    """Cards share the flags of models with the same capabilities; however many distinct sets
    clients register, at most `_FLAG_SETS` are kept, and every card still gets its own flags."""
    for index in range(cards._FLAG_SETS + 100):
        capabilities = {"vision": index % 2 == 0, f"extra_{index}": True}
        model = TUNED._replace(capabilities=capabilities)
        card = cards.fine_tuned_card(model, "org")
        assert card["capabilities"]["vision"] is (index % 2 == 0)
        assert set(card["capabilities"]) == set(CAPABILITY_FLAGS)
    assert len(cards._FLAGS) <= cards._FLAG_SETS
