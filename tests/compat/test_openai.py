"""The official openai SDK (`base_url=<server>/v1`): models.list, retrieve and delete, with the
default (lenient) response handling and with strict response validation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.compat.harness import (
    BAD_KEY,
    BASE_ENTRIES,
    LLAMA,
    LLAMA_ALIAS,
    OVERLONG_ID,
    SMALL,
    SMALL_ALIAS,
    SMALL_CREATED,
    UNKNOWN_FT,
    SdkRunner,
    call,
    expect_error,
    expect_ok,
)
from tests.support.server import LiveServer

pytestmark = pytest.mark.compat

MODES = {"default": False, "strict": True}


def step(mode: str, label: str, op: str, *, key: str | None = None, **args: Any) -> dict[str, Any]:
    return {**call(f"{mode}_{label}", op, key=key, **args), "strict": MODES[mode]}


def test_openai_models(openai_sdk: SdkRunner, live_server: LiveServer, write_key: str) -> None:
    other_key = live_server.new_workspace_key("write")
    other_id = live_server.register(key=other_key)["id"]
    models: dict[str, dict[str, str]] = {}
    steps: list[dict[str, Any]] = []
    for mode in MODES:
        # One model per mode and kind, since each mode deletes its own.
        models[mode] = {
            "plain": live_server.register(key=write_key, name=f"{mode} plain")["id"],
            "slash": live_server.register(key=write_key, root=LLAMA, name=f"{mode} slash")["id"],
        }
        plain, slash = models[mode]["plain"], models[mode]["slash"]
        steps += [
            step(mode, "list", "list"),
            step(mode, "retrieve_base", "retrieve", model=SMALL),
            step(mode, "retrieve_alias", "retrieve", model=SMALL_ALIAS),
            step(mode, "retrieve_slash_base", "retrieve", model=LLAMA),
            step(mode, "retrieve_slash_alias", "retrieve", model=LLAMA_ALIAS),
            step(mode, "retrieve_plain", "retrieve", model=plain),
            step(mode, "retrieve_slash", "retrieve", model=slash),
            step(mode, "delete_plain", "delete", model=plain),
            step(mode, "retrieve_plain_deleted", "retrieve", model=plain),
            step(mode, "delete_slash", "delete", model=slash),
            step(mode, "retrieve_slash_deleted", "retrieve", model=slash),
            step(mode, "bad_key_list", "list", key=BAD_KEY),
            step(mode, "bad_key_retrieve", "retrieve", key=BAD_KEY, model=SMALL),
            step(mode, "delete_base", "delete", model=SMALL),
            step(mode, "delete_slash_base", "delete", model=LLAMA),
            step(mode, "retrieve_unknown", "retrieve", model=UNKNOWN_FT),
            step(mode, "retrieve_other", "retrieve", model=other_id),
            step(mode, "delete_other", "delete", model=other_id),
            step(mode, "retrieve_overlong", "retrieve", model=OVERLONG_ID),
        ]
    results = openai_sdk.run(steps, key=write_key)

    for mode in MODES:
        r = {
            label.removeprefix(f"{mode}_"): v
            for label, v in results.items()
            if label.startswith(f"{mode}_")
        }
        plain, slash = models[mode]["plain"], models[mode]["slash"]
        # The other mode's models may be gone already, depending on the order: check this mode's.
        page = r["list"]
        assert not page["error"], page
        assert page["class"].startswith("SyncPage"), page
        assert page["value"]["object"] == "list"
        items = page["items"]
        assert {item["class"] for item in items} == {"Model"}
        ids = [item["value"]["id"] for item in items]
        assert set(BASE_ENTRIES) <= set(ids)
        assert {plain, slash} <= set(ids)
        assert other_id not in ids
        for item in items:
            value = item["value"]
            assert value["object"] == "model"
            assert isinstance(value["created"], int)
            assert isinstance(value["owned_by"], str)

        base = expect_ok(r["retrieve_base"], "Model")
        assert (base["id"], base["object"], base["owned_by"]) == (SMALL, "model", "mistralai")
        assert base["created"] == SMALL_CREATED
        assert r["retrieve_base"]["request_id"], "x-request-id reaches the caller"
        assert expect_ok(r["retrieve_alias"], "Model")["id"] == SMALL_ALIAS
        slash_base = expect_ok(r["retrieve_slash_base"], "Model")
        assert (slash_base["id"], slash_base["owned_by"]) == (LLAMA, "meta-llama")
        assert expect_ok(r["retrieve_slash_alias"], "Model")["id"] == LLAMA_ALIAS
        for kind, model_id in (("plain", plain), ("slash", slash)):
            card = expect_ok(r[f"retrieve_{kind}"], "Model")
            assert (card["id"], card["object"]) == (model_id, "model")
            assert isinstance(card["created"], int)
            assert card["owned_by"]
            deleted = expect_ok(r[f"delete_{kind}"], "ModelDeleted")
            assert deleted == {"id": model_id, "object": "model", "deleted": True}
            expect_error(
                r[f"retrieve_{kind}_deleted"],
                "NotFoundError",
                404,
                "model_not_found",
                "not_found_error",
            )

        for label in ("bad_key_list", "bad_key_retrieve"):
            expect_error(r[label], "AuthenticationError", 401, "unauthorized")
        for label in ("delete_base", "delete_slash_base"):
            expect_error(r[label], "PermissionDeniedError", 403, "base_model_immutable")
        for label in ("retrieve_unknown", "retrieve_other", "delete_other"):
            expect_error(r[label], "NotFoundError", 404, "model_not_found")
        expect_error(r["retrieve_overlong"], "UnprocessableEntityError", 422)
        for outcome in r.values():
            if outcome["error"]:
                assert outcome["request_id"], outcome

    # The other workspace's model survived both attempts to delete it.
    with live_server.client(other_key) as http:
        assert http.get(f"/v1/models/{other_id}").status_code == 200
