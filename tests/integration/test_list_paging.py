"""List filters and keyset paging (CONTRACT.md section 4)."""

import pytest

from tests.support.app import Harness


def page_ids(app: Harness, key: str, **params) -> tuple[list[str], dict]:
    body = app.call("GET", "/v1/models", key, params=params).json()
    return [entry["id"] for entry in body["data"]], body


def test_without_limit_the_body_has_no_paging_keys(app: Harness):
    body = app.call("GET", "/v1/models").json()
    assert set(body) == {"object", "data"}


def test_pages_walk_every_entry_once_in_id_order(app: Harness):
    key = app.key()
    tuned = [app.register(key, suffix=f"m{i}")["id"] for i in range(5)]
    everything = sorted(
        [entry["id"] for entry in app.call("GET", "/v1/models", key).json()["data"]]
    )
    assert len(everything) == 9 + 5
    seen, after = [], None
    while True:
        params = {"limit": 4} | ({"after": after} if after else {})
        ids, body = page_ids(app, key, **params)
        seen.extend(ids)
        assert body["last_id"] == (ids[-1] if ids else None)
        if not body["has_more"]:
            break
        after = body["last_id"]
    assert seen == everything
    assert set(tuned) <= set(seen)


def test_an_empty_page_has_a_null_last_id(app: Harness):
    ids, body = page_ids(app, app.key(), limit=10, after="zzzz")
    assert ids == []
    assert body["has_more"] is False
    assert body["last_id"] is None


def test_filters_by_type_archived_and_text(app: Harness):
    key = app.key()
    kept = app.register(key, name="Support Bot", description="answers tickets")
    archived = app.register(key, name="old")
    app.call("POST", f"/v1/fine_tuning/models/{archived['id']}/archive", key)
    assert set(page_ids(app, key, type="fine-tuned")[0]) == {archived["id"], kept["id"]}
    assert page_ids(app, key, archived="true")[0] == [archived["id"]]
    not_archived = page_ids(app, key, archived="false")[0]
    assert kept["id"] in not_archived
    assert archived["id"] not in not_archived
    assert "mistral-small-2506" in not_archived
    assert page_ids(app, key, q="TICKETS")[0] == [kept["id"]]
    assert page_ids(app, key, q="support bot")[0] == [kept["id"]]
    assert page_ids(app, key, q="LATEST")[0] == ["mistral-small-latest", "codestral-latest"]
    assert page_ids(app, key, type="base", q="%")[0] == []


def test_filters_apply_inside_pages_so_pages_are_full(app: Harness):
    key = app.key()
    for i in range(6):
        card = app.register(key, suffix=f"x{i}")
        if i % 2:
            app.call("POST", f"/v1/fine_tuning/models/{card['id']}/archive", key)
    first, body = page_ids(app, key, archived="true", limit=2)
    assert len(first) == 2
    assert body["has_more"] is True
    second, body = page_ids(app, key, archived="true", limit=2, after=body["last_id"])
    assert len(second) == 1
    assert body["has_more"] is False


def test_pages_never_show_another_workspaces_models(app: Harness):
    mine, theirs = app.key(), app.key()
    app.register(theirs)
    ids, _ = page_ids(app, mine, limit=1000)
    assert not [model_id for model_id in ids if model_id.startswith("ft:")]


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 1001}, {"limit": "x"}, {"type": "other"}, {"archived": "maybe"}],
)
def test_invalid_paging_parameters_are_422(app: Harness, params):
    response = app.call("GET", "/v1/models", params=params)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


def test_search_is_case_insensitive_for_every_letter_on_both_dialects(app: Harness):
    key = app.key()
    # (Not a word ending in Σ: Python's lower() gives it the final ς, PostgreSQL's does not.)
    model = app.register(key, name="Zürich-Éclair", description="ÅNGSTRÖM ΣΊΣΥΦΟ 100% done_ok")[
        "id"
    ]
    for needle in ("éclair", "ÉCLAIR", "zürich", "ångström", "σίσυφο", "100%", "done_ok"):
        found = app.call("GET", "/v1/models", key, params={"q": needle, "type": "fine-tuned"})
        assert [entry["id"] for entry in found.json()["data"]] == [model], needle
    for needle in ("d_ne", "1%d", "ZZ"):  # LIKE's wildcards are plain characters here
        found = app.call("GET", "/v1/models", key, params={"q": needle, "type": "fine-tuned"})
        assert found.json()["data"] == [], needle
