"""Validation items in plain words (modelyard.cli.problems): by field and type, then by type,
then pydantic's message without its pattern."""

from __future__ import annotations

from modelyard.cli.problems import plain_problems


def item(kind: str, *loc: str | int, msg: str = "", **ctx: object) -> dict[str, object]:
    return {"type": kind, "loc": list(loc), "msg": msg, "ctx": ctx}


def test_a_field_and_type_with_a_sentence_of_its_own():
    suffix = item("string_pattern_mismatch", "body", "suffix", pattern="^[a-z0-9-]{1,18}$")
    job = item("string_pattern_mismatch", "body", "job", pattern="^[0-9a-fA-F]{8}-?...$")
    assert plain_problems([suffix, job]) == (
        "suffix: use 1-18 lowercase letters, digits or '-'; "
        "job: must be a UUID, such as 7e773925-2a41-4c34-9d51-0f5e7a0b8c11"
    )


def test_a_forbidden_character_class_says_so_whatever_the_field():
    nul = item("string_pattern_mismatch", "body", "name", pattern="^[^\\x00]*$")
    assert plain_problems([nul]) == "name: must not contain control characters"


def test_types_read_their_limits_from_the_context():
    assert plain_problems([item("string_too_long", "body", "name", max_length=256)]) == (
        "name: use at most 256 characters"
    )
    assert plain_problems([item("greater_than_equal", "query", "limit", ge=1)]) == (
        "limit: must be at least 1"
    )
    assert plain_problems([item("string_too_short", "body", "root", min_length=1)]) == (
        "root: must not be empty"
    )


def test_nested_locations_read_as_paths():
    nested = item("too_short", "body", "classifier_targets", 0, "labels", min_length=1)
    assert plain_problems([nested]) == "classifier_targets[0].labels: needs at least 1 item(s)"


def test_a_model_level_error_is_its_own_message():
    whole = item("value_error", "body", msg="Value error, a classifier needs classifier_targets")
    assert plain_problems([whole]) == "a classifier needs classifier_targets"


def test_an_unknown_pattern_or_type_never_shows_a_regular_expression():
    pattern = item("string_pattern_mismatch", "body", "tag", pattern="^[a-f0-9]{8}$")
    assert plain_problems([pattern]) == "tag: has characters or a form that is not allowed here"
    odd = item("new_kind", "body", "x", msg="String should match pattern '^[a-z]+$' somehow")
    assert plain_problems([odd]) == "x: String should match the allowed form somehow"
    assert "[" not in plain_problems([odd])
