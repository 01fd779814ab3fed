"""What goes on the wire: methods, paths, headers, query parameters and bodies."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from modelyard import ClassifierTargetIn, Modelyard
from tests.sdk.wire import (
    FT_ID,
    SLASH_ID,
    base_card,
    ft_card,
    ft_model,
    json_response,
    recording_yard,
    sent_json,
)


def answer_for(request: httpx.Request) -> httpx.Response:
    path, method = request.url.path, request.method
    if path == "/v1/models":
        return json_response(200, {"object": "list", "data": [base_card()]})
    if path == "/v1/fine_tuning/models":
        return json_response(201, ft_card())
    if path.endswith("/archive"):
        return json_response(200, {"id": FT_ID, "object": "model", "archived": method == "POST"})
    if method == "PATCH":
        return json_response(200, ft_model())
    if method == "DELETE":
        return json_response(200, {"id": FT_ID, "object": "model", "deleted": True})
    return json_response(200, ft_card())


@pytest.mark.parametrize(
    ("operation", "method", "raw_path"),
    [
        ("retrieve", "GET", f"/v1/models/{FT_ID}"),
        ("delete", "DELETE", f"/v1/models/{FT_ID}"),
        ("update", "PATCH", f"/v1/fine_tuning/models/{FT_ID}"),
        ("archive", "POST", f"/v1/fine_tuning/models/{FT_ID}/archive"),
        ("unarchive", "DELETE", f"/v1/fine_tuning/models/{FT_ID}/archive"),
    ],
)
def test_each_operation_uses_the_contracts_method_and_path_with_colons_kept(
    operation: str, method: str, raw_path: str
) -> None:
    yard, seen = recording_yard(answer_for)
    with yard:
        getattr(yard.models, operation)(model_id=FT_ID)
    assert (seen[0].method, seen[0].url.raw_path.decode()) == (method, raw_path)


def test_a_slash_in_the_model_id_is_percent_encoded_into_one_path_segment() -> None:
    yard, seen = recording_yard(answer_for)
    with yard:
        yard.models.retrieve(model_id=SLASH_ID)
        yard.models.archive(model_id=f"ft:{SLASH_ID}:abcd1234:20250101:deadbeef")
    assert seen[0].url.raw_path == b"/v1/models/meta-llama%2FLlama-3.1-8B-Instruct"
    assert seen[1].url.raw_path == (
        b"/v1/fine_tuning/models/ft:meta-llama%2FLlama-3.1-8B-Instruct:abcd1234:20250101:deadbeef"
        b"/archive"
    )


def test_other_reserved_characters_in_the_model_id_are_encoded() -> None:
    yard, seen = recording_yard(answer_for)
    with yard:
        yard.models.retrieve(model_id="a b?c#d%e")
    assert seen[0].url.raw_path == b"/v1/models/a%20b%3Fc%23d%25e"


def test_an_empty_model_id_is_refused_before_sending() -> None:
    yard, seen = recording_yard(answer_for)
    with yard, pytest.raises(ValueError, match="model_id"):
        yard.models.retrieve(model_id="")
    assert seen == []


def test_requests_carry_bearer_key_accept_and_user_agent() -> None:
    yard, seen = recording_yard(answer_for, api_key="myd_secret")
    with yard:
        yard.models.list()
    headers = seen[0].headers
    assert headers["authorization"] == "Bearer myd_secret"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"].startswith("modelyard-python/")


def test_no_key_means_no_authorization_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODELYARD_API_KEY", raising=False)
    yard, seen = recording_yard(answer_for, api_key=None)
    with yard:
        yard.models.list()
    assert "authorization" not in seen[0].headers


def test_key_and_server_url_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELYARD_API_KEY", "myd_from_env")
    monkeypatch.setenv("MODELYARD_SERVER_URL", "http://env.test:9000/")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer_for(request)

    with Modelyard(client=httpx.Client(transport=httpx.MockTransport(handler))) as yard:
        yard.models.list()
    assert str(seen[0].url) == "http://env.test:9000/v1/models"
    assert seen[0].headers["authorization"] == "Bearer myd_from_env"


def test_server_url_defaults_to_localhost_8000(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODELYARD_SERVER_URL", raising=False)
    assert Modelyard(api_key="k").server_url == "http://localhost:8000"


@pytest.mark.parametrize(
    ("server_url", "sent_to"),
    [
        ("http://yard.test/v1", "http://yard.test/v1/models"),
        ("http://yard.test/v1/", "http://yard.test/v1/models"),
        ("http://yard.test/", "http://yard.test/v1/models"),
        ("http://proxy.test/registry/v1", "http://proxy.test/registry/v1/models"),
        ("http://v1:8000", "http://v1:8000/v1/models"),
    ],
)
def test_a_server_url_ending_in_v1_is_taken_for_the_servers_root(
    server_url: str, sent_to: str
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return json_response(200, {"object": "list", "data": []})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with Modelyard(api_key="k", server_url=server_url, client=http) as yard:
        yard.models.list()
        yard.models.list(server_url=server_url.replace("yard.test", "other.test"))
    assert [str(request.url) for request in seen] == [
        sent_to,
        sent_to.replace("yard.test", "other.test"),
    ]


def test_per_call_server_url_headers_and_timeout_apply_to_that_call_only() -> None:
    yard, seen = recording_yard(answer_for)
    with yard:
        yard.models.retrieve(
            model_id="m",
            server_url="http://other.test/",
            http_headers={"X-Trace": "t1", "Authorization": "Bearer override"},
            timeout_ms=1500,
        )
        yard.models.retrieve(model_id="m")
    first, second = seen
    assert str(first.url) == "http://other.test/v1/models/m"
    assert first.headers["x-trace"] == "t1"
    assert first.headers["authorization"] == "Bearer override"
    assert first.extensions["timeout"] == httpx.Timeout(1.5).as_dict()
    assert str(second.url) == "http://yard.test/v1/models/m"
    assert "x-trace" not in second.headers
    assert second.headers["authorization"] == "Bearer test-key"


def test_list_sends_no_query_parameters_unless_asked() -> None:
    yard, seen = recording_yard(answer_for)
    with yard:
        yard.models.list()
    assert seen[0].url.query == b""


def test_list_sends_each_given_filter_in_wire_form() -> None:
    yard, seen = recording_yard(answer_for)
    with yard:
        yard.models.list(
            type="fine-tuned",
            archived=False,
            q="small",
            provider="mistralai",
            model="mistral-small-2506",
            limit=10,
            after="a",
        )
    assert dict(seen[0].url.params) == {
        "type": "fine-tuned",
        "archived": "false",
        "q": "small",
        "provider": "mistralai",
        "model": "mistral-small-2506",
        "limit": "10",
        "after": "a",
    }


def test_update_sends_only_the_keys_given() -> None:
    yard, seen = recording_yard(answer_for)
    with yard:
        yard.models.update(model_id=FT_ID)
        yard.models.update(model_id=FT_ID, name="renamed")
        yard.models.update(model_id=FT_ID, description=None)
        yard.models.update(model_id=FT_ID, name=None, description="d")
    assert [sent_json(request) for request in seen] == [
        {},
        {"name": "renamed"},
        {"description": None},
        {"name": None, "description": "d"},
    ]
    assert seen[0].headers["content-type"] == "application/json"


@pytest.mark.parametrize("operation", ["update", "archive", "unarchive", "delete"])
def test_if_match_is_sent_when_given(operation: str) -> None:
    yard, seen = recording_yard(answer_for)
    with yard:
        getattr(yard.models, operation)(model_id=FT_ID, if_match='"v1"')
        getattr(yard.models, operation)(model_id=FT_ID)
    assert seen[0].headers["if-match"] == '"v1"'
    assert "if-match" not in seen[1].headers


def test_register_generates_a_job_uuid_and_omits_what_was_not_given() -> None:
    yard, seen = recording_yard(answer_for)
    with yard:
        yard.models.register(root="open-mistral-7b", suffix="my-tune")
    request = seen[0]
    body = sent_json(request)
    assert (request.method, request.url.path) == ("POST", "/v1/fine_tuning/models")
    assert set(body) == {"root", "job", "suffix"}
    assert uuid.UUID(body["job"])
    assert body["suffix"] == "my-tune"


def test_register_sends_every_given_field_and_the_callers_job() -> None:
    yard, seen = recording_yard(answer_for)
    job = uuid.uuid4()
    with yard:
        yard.models.register(
            root="open-mistral-7b",
            job=job,
            name="n",
            description="d",
            model_type="classifier",
            classifier_targets=[
                ClassifierTargetIn(name="tox", labels=["yes", "no"]),
                {"name": "lang", "labels": ["en"], "weight": 2.0},
            ],
            capabilities={"vision": True},
            max_context_length=4096,
        )
    assert sent_json(seen[0]) == {
        "root": "open-mistral-7b",
        "job": str(job),
        "name": "n",
        "description": "d",
        "model_type": "classifier",
        "classifier_targets": [
            {"name": "tox", "labels": ["yes", "no"]},
            {"name": "lang", "labels": ["en"], "weight": 2.0},
        ],
        "capabilities": {"vision": True},
        "max_context_length": 4096,
    }


EVERY_OPERATION: list[tuple[str, dict[str, object]]] = [
    ("list", {"type": "base", "limit": 5}),
    ("retrieve", {"model_id": SLASH_ID}),
    ("update", {"model_id": FT_ID, "name": None}),
    ("archive", {"model_id": FT_ID, "if_match": '"e"'}),
    ("unarchive", {"model_id": FT_ID}),
    ("delete", {"model_id": FT_ID}),
    ("register", {"root": "r", "job": "00000000-0000-4000-8000-000000000000"}),
]


def test_async_twins_send_the_same_requests_as_the_sync_methods() -> None:
    sync_yard, sync_seen = recording_yard(answer_for)
    with sync_yard:
        for name, kwargs in EVERY_OPERATION:
            getattr(sync_yard.models, name)(**kwargs)

    async_yard, async_seen = recording_yard(answer_for)

    async def run() -> None:
        async with async_yard:
            for name, kwargs in EVERY_OPERATION:
                await getattr(async_yard.models, f"{name}_async")(**kwargs)

    asyncio.run(run())

    def shape(request: httpx.Request) -> tuple[object, ...]:
        headers = {k: v for k, v in request.headers.items() if k != "content-length"}
        return request.method, str(request.url), headers, request.content

    assert [shape(r) for r in async_seen] == [shape(r) for r in sync_seen]
