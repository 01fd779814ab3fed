"""The console's pure rules: the edit form's merge patch, what an event changed, which posts
count as same-site, the sign-in throttle."""

from __future__ import annotations

from starlette.requests import Request

from modelyard.console.forms import parse_labels, read_edit
from modelyard.console.history import Change, changes
from modelyard.console.security import same_origin
from modelyard.console.sessions import SignInThrottle

LOADED = {"seen_name": "n", "seen_description": "d", "seen_labels": "a=1\nb=2\n"}


def edit(**fields: str) -> dict[str, str]:
    return {**LOADED, "name": "n", "description": "d", "labels": "a=1\nb=2\n", **fields}


def test_an_untouched_form_patches_nothing():
    read = read_edit(edit())
    assert read.errors == {}
    assert read.changed is False


def test_the_patch_holds_only_the_changed_fields_and_label_keys():
    read = read_edit(edit(description="", labels="a=1\r\nb=3\r\nc=\r\n"))
    assert read.patch is not None
    assert read.patch.model_dump(exclude_unset=True) == {
        "description": None,  # an emptied field clears the value
        "labels": {"b": "3", "c": ""},
    }


def test_a_removed_line_removes_its_label():
    read = read_edit(edit(labels="a=1\n"))
    assert read.patch is not None
    assert read.patch.model_dump(exclude_unset=True) == {"labels": {"b": None}}


def test_label_lines_are_checked_with_the_wire_types():
    read = read_edit(edit(labels="a=1\nBad=2\nnothing\na=3"))
    assert read.patch is None
    assert read.errors["labels"] == [
        "Line 3: write key=value.",
        "Line 4: the label 'a' is given twice.",
        "'Bad': a key is 1-63 of a-z 0-9 . _ / -, beginning and ending with a letter or digit.",
    ]
    read = read_edit(edit(labels="Bad=2", name="x" * 257))
    assert set(read.errors) == {"labels", "name"}


def test_parse_labels_ignores_blank_lines_and_keeps_equals_signs_in_values():
    assert parse_labels("\nk=v=w\n\n") == ({"k": "v=w"}, [])


def test_changes_of_an_update_compare_labels_and_artifact_key_by_key():
    before = {"name": "a", "labels": {"x": "1", "y": "2"}, "artifact": None, "aliases": []}
    after = {
        "name": "b",
        "labels": {"x": "1", "z": "3"},
        "artifact": {"uri": "s3://b/w", "format": None},
        "aliases": ["prod"],
    }
    assert changes(before, after) == [
        Change("name", "a", "b"),
        Change("labels.y", "2", None),
        Change("labels.z", None, "3"),
        Change("artifact.uri", None, "s3://b/w"),
        Change("aliases", "none", "prod"),
    ]


def test_a_registration_shows_what_the_model_started_with_and_a_deletion_nothing():
    card = {"name": "n", "description": None, "archived": False, "labels": {"k": "v"}}
    assert changes(None, card) == [Change("name", None, "n"), Change("labels.k", None, "v")]
    assert changes(card, None) == []


def test_an_alias_move_shows_the_model_it_names():
    before = {"object": "alias", "id": "prod", "model": "ft:a"}
    assert changes(before, {**before, "model": "ft:b"}) == [Change("model", "ft:a", "ft:b")]


def request(**headers: str) -> Request:
    raw = [(key.lower().encode(), value.encode()) for key, value in headers.items()]
    return Request({"type": "http", "method": "POST", "headers": raw})


def test_same_origin_reads_origin_then_referer_and_refuses_neither():
    assert same_origin(request(Host="h:8", Origin="http://h:8"), ())
    assert same_origin(request(Host="h:8", Origin="https://h:8"), ())  # TLS ended at a proxy
    assert not same_origin(request(Host="h:8", Origin="http://evil:8"), ())
    assert not same_origin(request(Host="h:8", Origin="null"), ())
    assert same_origin(request(Host="h:8", Referer="http://h:8/console/x"), ())
    assert not same_origin(request(Host="h:8", Referer="http://evil/console/x"), ())
    assert not same_origin(request(Host="h:8"), ())
    assert same_origin(
        request(Host="internal", Origin="https://Public.example"), ("https://public.example",)
    )


def test_the_throttle_refuses_after_the_limit_until_the_window_passes():
    now = [0.0]
    throttle = SignInThrottle(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.retry_after("a") == 0
        throttle.failed("a")
    assert throttle.retry_after("a") == 61
    assert throttle.retry_after("b") == 0  # per client
    now[0] = 61
    assert throttle.retry_after("a") == 0
