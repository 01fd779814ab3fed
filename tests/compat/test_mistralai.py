"""The seed's six operations through the official mistralai SDK, 1.12.4 and 3.7.0, unmodified.

Each scenario is one plan run in one interpreter of the SDK's own virtualenv, against a real server
process; every test isolates itself in a brand-new workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.compat.harness import (
    BAD_KEY,
    BASE_ENTRIES,
    CANONICAL_ORDER,
    CODESTRAL,
    CODESTRAL_CREATED,
    LLAMA,
    LLAMA_ALIAS,
    OVERLONG_ID,
    SMALL,
    SMALL_ALIAS,
    SMALL_CREATED,
    TINY,
    UNKNOWN_FT,
    SdkRunner,
    call,
    expect_error,
    expect_ok,
    expect_validation_detail,
    instant,
)
from tests.support.server import LiveServer

pytestmark = pytest.mark.compat

WRITES = ("update", "delete", "archive", "unarchive")


def list_entries(outcome: dict[str, Any], classes: dict[str, str]) -> list[dict[str, Any]]:
    """The entries of a list result, each checked to be the SDK's typed card for its `type`."""
    expect_ok(outcome, classes["list"])
    assert outcome["value"]["object"] == "list"
    entries = []
    for item in outcome["items"]:
        value = item["value"]
        expected = {"base": classes["base"], "fine-tuned": classes["ft"]}.get(value.get("type"))
        assert item["class"] == expected, item
        entries.append(value)
    return entries


def check_base_section(entries: list[dict[str, Any]]) -> None:
    """All base entries, alias entries included, before the fine-tuned ones, in catalog order."""
    types = [entry["type"] for entry in entries]
    assert types == sorted(types, key=lambda t: t != "base"), "base entries come first"
    base = {entry["id"]: entry["name"] for entry in entries if entry["type"] == "base"}
    assert base == BASE_ENTRIES
    canonical = [entry["id"] for entry in entries if entry["id"] in CANONICAL_ORDER]
    assert canonical == CANONICAL_ORDER
    for entry in entries:
        assert entry["object"] == "model"
        assert entry["id"] not in entry["aliases"]


def write_ops_on(model_id: str, prefix: str, key: str | None = None) -> list[dict[str, Any]]:
    return [
        call(f"{prefix}_update", "update", key=key, model_id=model_id, description="changed"),
        call(f"{prefix}_archive", "archive", key=key, model_id=model_id),
        call(f"{prefix}_unarchive", "unarchive", key=key, model_id=model_id),
        call(f"{prefix}_delete", "delete", key=key, model_id=model_id),
    ]


def test_import_path_and_version(mistral: SdkRunner, write_key: str) -> None:
    document = mistral.run_document([], key=write_key)
    assert document["sdk"]["client"] == mistral.classes["client"]
    assert document["sdk"]["version"] == mistral.env.flavour.requirement.split("==")[1]


def test_seed_six_operations(mistral: SdkRunner, live_server: LiveServer, write_key: str) -> None:
    classes = mistral.classes
    ft = live_server.register(key=write_key, name="seed model", description="before")
    ft_id = ft["id"]
    assert ft_id.startswith(f"ft:{SMALL}:")
    results = mistral.run(
        [
            call("list", "list"),
            call("retrieve_base", "retrieve", model_id=SMALL),
            call("retrieve_alias", "retrieve", model_id=SMALL_ALIAS),
            call("retrieve_deprecated", "retrieve", model_id="mistral-tiny"),
            call("retrieve_codestral", "retrieve", model_id=CODESTRAL),
            call("retrieve_ft", "retrieve", model_id=ft_id),
            call("update", "update", model_id=ft_id, name="renamed", description="after"),
            call("retrieve_updated", "retrieve", model_id=ft_id),
            call("update_description_only", "update", model_id=ft_id, description="again"),
            call("update_clear_name", "update", model_id=ft_id, name=None),
            call("archive", "archive", model_id=ft_id),
            call("archive_again", "archive", model_id=ft_id),
            call("retrieve_archived", "retrieve", model_id=ft_id),
            call("list_archived", "list"),
            call("unarchive", "unarchive", model_id=ft_id),
            call("unarchive_again", "unarchive", model_id=ft_id),
            call("retrieve_unarchived", "retrieve", model_id=ft_id),
            call("delete", "delete", model_id=ft_id),
            call("retrieve_deleted", "retrieve", model_id=ft_id),
            call("delete_again", "delete", model_id=ft_id),
            call("list_after", "list"),
        ],
        key=write_key,
    )

    # list: a ModelList of typed cards: every base entry, then this workspace's model only.
    entries = list_entries(results["list"], classes)
    check_base_section(entries)
    fine_tuned = [entry for entry in entries if entry["type"] == "fine-tuned"]
    assert [entry["id"] for entry in fine_tuned] == [ft_id]
    listed = fine_tuned[0]
    assert listed["root"] == SMALL
    assert listed["job"] == ft["job"]
    assert listed["archived"] is False
    assert listed["name"] == "seed model"
    assert listed["aliases"] == []
    by_id = {entry["id"]: entry for entry in entries}
    assert by_id["mistral-tiny"]["deprecation_replacement_model"] == SMALL

    # retrieve: a base model by canonical id.
    base = expect_ok(results["retrieve_base"], classes["base"])
    assert base["id"] == SMALL
    assert base["name"] == SMALL
    assert base["object"] == "model"
    assert base["type"] == "base"
    assert base["owned_by"] == "mistralai"
    assert base["created"] == SMALL_CREATED
    assert base["description"] == "Test small model."
    assert base["max_context_length"] == 131072
    assert base["aliases"] == [SMALL_ALIAS]
    assert base["default_model_temperature"] == 0.3
    assert base["deprecation"] is None
    capabilities = base["capabilities"]
    assert capabilities["completion_chat"] is True
    assert capabilities["function_calling"] is True
    assert capabilities["vision"] is True
    assert capabilities["fine_tuning"] is True
    assert capabilities["completion_fim"] is False

    # retrieve by alias: the card's id is the alias, its name the canonical id.
    alias = expect_ok(results["retrieve_alias"], classes["base"])
    assert alias["id"] == SMALL_ALIAS
    assert alias["name"] == SMALL
    assert alias["aliases"] == [SMALL]
    assert alias["max_context_length"] == 131072

    # a deprecated model (the SDKs must not see an `x-model-deprecation-timestamp` header).
    tiny = expect_ok(results["retrieve_deprecated"], classes["base"])
    assert tiny["id"] == "mistral-tiny"
    assert tiny["name"] == TINY
    assert set(tiny["aliases"]) == {TINY, "mistral-tiny-2312"}
    assert instant(tiny["deprecation"]) == instant("2025-03-30T12:00:00Z")
    assert tiny["deprecation_replacement_model"] == SMALL
    assert tiny["max_context_length"] == 32768
    assert tiny["default_model_temperature"] == 0.7

    codestral = expect_ok(results["retrieve_codestral"], classes["base"])
    assert codestral["created"] == CODESTRAL_CREATED
    assert codestral["max_context_length"] == 256000
    assert codestral["capabilities"]["completion_fim"] is True
    assert codestral["default_model_temperature"] is None

    # retrieve a fine-tuned model.
    card = expect_ok(results["retrieve_ft"], classes["ft"])
    assert card["id"] == ft_id
    assert card["object"] == "model"
    assert card["type"] == "fine-tuned"
    assert card["root"] == SMALL
    assert card["job"] == ft["job"]
    assert card["archived"] is False
    assert card["name"] == "seed model"
    assert card["description"] == "before"
    assert card["created"] == ft["created"]
    assert card["owned_by"] == ft["owned_by"]
    assert card["max_context_length"] == 131072
    assert card["aliases"] == []

    # update: the fine-tuned model object (discriminated by model_type), with the new values.
    updated = expect_ok(results["update"], classes["completion"])
    assert updated["id"] == ft_id
    assert updated["object"] == "model"
    assert updated["model_type"] == "completion"
    assert updated["name"] == "renamed"
    assert updated["description"] == "after"
    assert updated["root"] == SMALL
    assert updated["root_version"] == "2506"
    assert updated["archived"] is False
    assert updated["job"] == ft["job"]
    assert updated["created"] == ft["created"]
    assert updated["owned_by"] == ft["owned_by"]
    assert isinstance(updated["workspace_id"], str)
    assert updated["workspace_id"]
    assert updated["max_context_length"] == 131072
    assert updated["aliases"] == []
    assert updated["capabilities"]["completion_chat"] is True
    assert updated["capabilities"]["function_calling"] is True
    assert updated["capabilities"]["fine_tuning"] is False
    assert updated["capabilities"]["classification"] is False
    reread = expect_ok(results["retrieve_updated"], classes["ft"])
    assert (reread["name"], reread["description"]) == ("renamed", "after")
    # update is a merge patch: an absent key stays, null clears.
    partial = expect_ok(results["update_description_only"], classes["completion"])
    assert (partial["name"], partial["description"]) == ("renamed", "again")
    cleared = expect_ok(results["update_clear_name"], classes["completion"])
    assert (cleared["name"], cleared["description"]) == (None, "again")

    # archive / unarchive: typed results, idempotent, visible on retrieve and list.
    for label in ("archive", "archive_again"):
        archived = expect_ok(results[label], classes["archive"])
        assert archived == {"id": ft_id, "object": "model", "archived": True}
    assert expect_ok(results["retrieve_archived"], classes["ft"])["archived"] is True
    archived_entries = list_entries(results["list_archived"], classes)
    assert [(e["id"], e["archived"]) for e in archived_entries if e["type"] == "fine-tuned"] == [
        (ft_id, True)
    ]
    for label in ("unarchive", "unarchive_again"):
        unarchived = expect_ok(results[label], classes["unarchive"])
        assert unarchived == {"id": ft_id, "object": "model", "archived": False}
    assert expect_ok(results["retrieve_unarchived"], classes["ft"])["archived"] is False

    # delete, then the model is gone everywhere.
    deleted = expect_ok(results["delete"], classes["delete"])
    assert deleted == {"id": ft_id, "object": "model", "deleted": True}
    expect_error(results["retrieve_deleted"], "SDKError", 404, "model_not_found", "not_found_error")
    expect_error(results["delete_again"], "SDKError", 404, "model_not_found")
    after = list_entries(results["list_after"], classes)
    check_base_section(after)
    assert [entry["id"] for entry in after if entry["type"] == "fine-tuned"] == []


def test_error_surfaces(
    mistral: SdkRunner,
    live_server: LiveServer,
    write_key: str,
    read_key_of: Callable[[str], str],
) -> None:
    ft = live_server.register(key=write_key, name="guarded", description="unchanged")
    ft_id = ft["id"]
    read_key = read_key_of(write_key)
    other_key = live_server.new_workspace_key("write")
    other = live_server.register(key=other_key, name="theirs")
    other_id = other["id"]

    steps = [
        # 401: a bad key or none, on every operation, before anything else is looked at.
        call("bad_key_list", "list", key=BAD_KEY),
        call("bad_key_retrieve", "retrieve", key=BAD_KEY, model_id=ft_id),
        *write_ops_on(ft_id, "bad_key", key=BAD_KEY),
        call("bad_key_overlong", "retrieve", key=BAD_KEY, model_id=OVERLONG_ID),
        call("no_key_list", "list", key=""),
        call("no_key_retrieve", "retrieve", key="", model_id=SMALL),
        # 403: base models are immutable, by canonical id or alias.
        *write_ops_on(SMALL, "base"),
        call("base_alias_update", "update", model_id=SMALL_ALIAS, name="x"),
        call("base_alias_delete", "delete", model_id=SMALL_ALIAS),
        # 403: a read-scoped key of the owning workspace reads but cannot write.
        call("read_list", "list", key=read_key),
        call("read_retrieve", "retrieve", key=read_key, model_id=ft_id),
        *write_ops_on(ft_id, "read", key=read_key),
        call("read_base_update", "update", key=read_key, model_id=SMALL, name="x"),
        call("read_unknown_delete", "delete", key=read_key, model_id=UNKNOWN_FT),
        # 404: an unknown id, and another workspace's model, exactly alike.
        call("unknown_retrieve", "retrieve", model_id=UNKNOWN_FT),
        call("unknown_plain_retrieve", "retrieve", model_id="no-such-model"),
        *write_ops_on(UNKNOWN_FT, "unknown"),
        call("other_retrieve", "retrieve", model_id=other_id),
        *write_ops_on(other_id, "other"),
        call("list", "list"),
        # 422: a typed HTTPValidationError on retrieve and delete, SDKError on update/archive.
        call("overlong_retrieve", "retrieve", model_id=OVERLONG_ID),
        call("overlong_delete", "delete", model_id=OVERLONG_ID),
        call("read_overlong_retrieve", "retrieve", key=read_key, model_id=OVERLONG_ID),
        call("long_name_update", "update", model_id=ft_id, name="n" * 300),
        call("long_description_update", "update", model_id=ft_id, description="d" * 10_001),
        call("overlong_update", "update", model_id=OVERLONG_ID, name="x"),
        call("overlong_archive", "archive", model_id=OVERLONG_ID),
        call("overlong_unarchive", "unarchive", model_id=OVERLONG_ID),
        call("long_name_unknown_update", "update", model_id=UNKNOWN_FT, name="n" * 300),
        call("long_name_base_update", "update", model_id=SMALL, name="n" * 300),
        # nothing above changed anything.
        call("retrieve_after", "retrieve", model_id=ft_id),
        call("other_after", "retrieve", key=other_key, model_id=other_id),
    ]
    results = mistral.run(steps, key=write_key)
    errors_module = mistral.classes["errors_module"]
    for outcome in results.values():
        if outcome["error"]:
            assert outcome["module"].startswith(errors_module), outcome
            assert outcome["request_id"], outcome

    for label in ("bad_key_list", "bad_key_retrieve", "bad_key_overlong", "no_key_list"):
        expect_error(results[label], "SDKError", 401, "unauthorized", "authentication_error")
    expect_error(results["no_key_retrieve"], "SDKError", 401, "unauthorized")
    for op in WRITES:
        expect_error(results[f"bad_key_{op}"], "SDKError", 401, "unauthorized")

    for op in WRITES:
        expect_error(
            results[f"base_{op}"], "SDKError", 403, "base_model_immutable", "permission_error"
        )
    for label in ("base_alias_update", "base_alias_delete"):
        expect_error(results[label], "SDKError", 403, "base_model_immutable")

    assert ft_id in {e["id"] for e in list_entries(results["read_list"], mistral.classes)}
    assert expect_ok(results["read_retrieve"], mistral.classes["ft"])["id"] == ft_id
    for label in [f"read_{op}" for op in WRITES] + ["read_base_update", "read_unknown_delete"]:
        expect_error(results[label], "SDKError", 403, "insufficient_scope", "permission_error")

    for label in ("unknown_retrieve", "unknown_plain_retrieve", "other_retrieve"):
        expect_error(results[label], "SDKError", 404, "model_not_found", "not_found_error")
    for op in WRITES:
        expect_error(results[f"unknown_{op}"], "SDKError", 404, "model_not_found")
        expect_error(results[f"other_{op}"], "SDKError", 404, "model_not_found")
    listed = list_entries(results["list"], mistral.classes)
    assert [e["id"] for e in listed if e["type"] == "fine-tuned"] == [ft_id]

    for label in ("overlong_retrieve", "overlong_delete", "read_overlong_retrieve"):
        expect_error(results[label], "HTTPValidationError", 422)
        expect_validation_detail(results[label])
    for label in (
        "long_name_update",
        "long_description_update",
        "overlong_update",
        "overlong_archive",
        "overlong_unarchive",
        "long_name_unknown_update",
        "long_name_base_update",
    ):
        expect_error(results[label], "SDKError", 422)
        expect_validation_detail(results[label])

    after = expect_ok(results["retrieve_after"], mistral.classes["ft"])
    assert (after["name"], after["description"], after["archived"]) == (
        "guarded",
        "unchanged",
        False,
    )
    theirs = expect_ok(results["other_after"], mistral.classes["ft"])
    assert (theirs["name"], theirs["archived"]) == ("theirs", False)


def test_model_id_with_slash(mistral: SdkRunner, live_server: LiveServer, write_key: str) -> None:
    """mistralai puts the id in the path unencoded: `a/b` arrives as `/v1/models/a/b`."""
    classes = mistral.classes
    ft = live_server.register(key=write_key, root=LLAMA, name="llama tuned")
    ft_id = ft["id"]
    assert ft_id.startswith(f"ft:{LLAMA}:")
    results = mistral.run(
        [
            call("retrieve_base", "retrieve", model_id=LLAMA),
            call("retrieve_alias", "retrieve", model_id=LLAMA_ALIAS),
            call("retrieve_ft", "retrieve", model_id=ft_id),
            call("list", "list"),
            call("update", "update", model_id=ft_id, name="llama renamed", description="d"),
            call("archive", "archive", model_id=ft_id),
            call("retrieve_archived", "retrieve", model_id=ft_id),
            call("unarchive", "unarchive", model_id=ft_id),
            call("base_update", "update", model_id=LLAMA, name="x"),
            call("base_delete", "delete", model_id=LLAMA),
            call("base_archive", "archive", model_id=LLAMA),
            call("delete", "delete", model_id=ft_id),
            call("retrieve_deleted", "retrieve", model_id=ft_id),
            call("unarchive_deleted", "unarchive", model_id=ft_id),
        ],
        key=write_key,
    )
    base = expect_ok(results["retrieve_base"], classes["base"])
    assert (base["id"], base["name"], base["owned_by"]) == (LLAMA, LLAMA, "meta-llama")
    assert base["aliases"] == [LLAMA_ALIAS]
    alias = expect_ok(results["retrieve_alias"], classes["base"])
    assert (alias["id"], alias["name"], alias["aliases"]) == (LLAMA_ALIAS, LLAMA, [LLAMA])

    card = expect_ok(results["retrieve_ft"], classes["ft"])
    assert (card["id"], card["root"], card["name"]) == (ft_id, LLAMA, "llama tuned")
    entries = list_entries(results["list"], classes)
    assert [e["id"] for e in entries if e["type"] == "fine-tuned"] == [ft_id]

    updated = expect_ok(results["update"], classes["completion"])
    assert (updated["id"], updated["name"], updated["description"]) == (
        ft_id,
        "llama renamed",
        "d",
    )
    assert updated["root"] == LLAMA
    assert updated["root_version"] == LLAMA  # the catalog gives no version
    archived = expect_ok(results["archive"], classes["archive"])
    assert archived == {"id": ft_id, "object": "model", "archived": True}
    assert expect_ok(results["retrieve_archived"], classes["ft"])["archived"] is True
    unarchived = expect_ok(results["unarchive"], classes["unarchive"])
    assert unarchived == {"id": ft_id, "object": "model", "archived": False}
    for label in ("base_update", "base_delete", "base_archive"):
        expect_error(results[label], "SDKError", 403, "base_model_immutable")
    deleted = expect_ok(results["delete"], classes["delete"])
    assert deleted == {"id": ft_id, "object": "model", "deleted": True}
    expect_error(results["retrieve_deleted"], "SDKError", 404, "model_not_found")
    expect_error(results["unarchive_deleted"], "SDKError", 404, "model_not_found")


def test_classifier_update_is_typed(
    mistral: SdkRunner, live_server: LiveServer, write_key: str
) -> None:
    """Update's result is discriminated by `model_type`: a classifier gets the classifier class."""
    targets = [
        {
            "name": "sentiment",
            "labels": ["neg", "pos"],
            "weight": 1.0,
            "loss_function": "single_class",
        }
    ]
    ft = live_server.register(
        key=write_key, model_type="classifier", classifier_targets=targets, name="clf"
    )
    ft_id = ft["id"]
    assert ft_id.startswith(f"ft:classifier:{SMALL}:")
    results = mistral.run(
        [
            call("list", "list"),
            call("retrieve", "retrieve", model_id=ft_id),
            call("update", "update", model_id=ft_id, description="classifies"),
        ],
        key=write_key,
    )
    entries = list_entries(results["list"], mistral.classes)
    assert [e["id"] for e in entries if e["type"] == "fine-tuned"] == [ft_id]
    card = expect_ok(results["retrieve"], mistral.classes["ft"])
    assert card["capabilities"]["classification"] is True
    updated = expect_ok(results["update"], mistral.classes["classifier"])
    assert updated["model_type"] == "classifier"
    assert (updated["name"], updated["description"]) == ("clf", "classifies")
    assert updated["capabilities"]["classification"] is True
    assert updated["classifier_targets"] == targets


def test_list_filters_of_3x(mistral3: SdkRunner, live_server: LiveServer, write_key: str) -> None:
    """mistralai 3.x sends `provider` and `model` on list; the server filters by them."""
    small_ft = live_server.register(key=write_key, name="small")["id"]
    llama_ft = live_server.register(key=write_key, root=LLAMA, name="llama")["id"]
    results = mistral3.run(
        [
            call("by_provider", "list", provider="meta-llama"),
            call("by_model", "list", model=SMALL),
            call("by_both", "list", provider="meta-llama", model=LLAMA),
            call("by_unknown_provider", "list", provider="nobody"),
        ],
        key=write_key,
    )

    def ids(label: str) -> set[str]:
        return {entry["id"] for entry in list_entries(results[label], mistral3.classes)}

    assert ids("by_provider") == {LLAMA, LLAMA_ALIAS, llama_ft}
    assert ids("by_model") == {SMALL, SMALL_ALIAS, small_ft}
    assert ids("by_both") == {LLAMA, LLAMA_ALIAS, llama_ft}
    assert ids("by_unknown_provider") == set()
