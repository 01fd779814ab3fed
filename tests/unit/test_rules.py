"""Pure rules: ids, keys, ETag matching, scopes."""

import re

from modelyard.registry import ids
from modelyard.registry.identity import Principal
from modelyard.registry.models import etag_matches


def test_fine_tuned_ids_follow_the_contract():
    job = "7e773925-1111-2222-3333-444444444444"
    created = 1715644800  # 2024-05-14
    assert ids.fine_tuned_id("open-mistral-7b", "587a6b29", created, job, "completion") == (
        "ft:open-mistral-7b:587a6b29:20240514:7e773925"
    )
    assert ids.fine_tuned_id("m", "587a6b29", created, job, "classifier") == (
        "ft:classifier:m:587a6b29:20240514:7e773925"
    )


def test_keys_are_prefixed_random_and_hashed():
    first, second = ids.new_key_secret(), ids.new_key_secret()
    assert re.fullmatch(r"myd_[A-Za-z0-9_-]{40}", first)
    assert first != second
    assert re.fullmatch(r"[0-9a-f]{64}", ids.hash_key(first))


def test_jobs_are_canonical_uuids():
    assert (
        ids.canonical_job("7E7739251111222233334444444444AB")
        == "7e773925-1111-2222-3333-4444444444ab"
    )
    assert len(ids.canonical_job(None)) == 36


def test_if_match_takes_a_star_or_a_list_of_strong_tags():
    assert etag_matches('"v2"', '"v2"')
    assert etag_matches('"v1", "v2"', '"v2"')
    assert etag_matches("*", '"v2"')
    assert not etag_matches('W/"v2"', '"v2"')
    assert not etag_matches('"v1"', '"v2"')


def test_scopes_are_ranked():
    reader = Principal("k", None, "read", "w", "o")
    admin = Principal("k", None, "admin", "w", "o")
    assert reader.allows("read")
    assert not reader.allows("write")
    assert admin.allows("write")
    assert admin.allows("admin")
