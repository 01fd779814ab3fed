"""Garbage in, a documented 4xx out, and the store exactly as it was.

Over-limit and deeply nested bodies, invalid UTF-8, JSON that is not an object, NUL and control
characters in ids, huge query strings and ids, wrong content types. One store per dialect for the
whole module: every request here must leave it unchanged, which each test checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.app import Harness, harness
from tests.support.databases import DIALECTS, fresh_database

ENVELOPE = {"object", "message", "type", "param", "code"}
JSON = {"content-type": "application/json"}
LIMIT = 1024 * 1024  # MODELYARD_MAX_BODY_BYTES' default
MAX_REQUEST_LINE = 8192


@pytest.fixture(scope="module", params=DIALECTS)
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    directory: Path = tmp_path_factory.mktemp(f"hostile-{request.param}")
    with (
        fresh_database(request.param, directory) as url,
        harness(url) as built,
        # A fault must show as the 500 a client would see, not as the server's exception. Entered,
        # so every request runs on one event-loop thread, as under uvicorn (the gate keeps one
        # store connection per thread).
        TestClient(built.http.app, raise_server_exceptions=False) as http,
    ):
        yield Harness(http, built.store)


@pytest.fixture
def model(store: Harness) -> str:
    return store.register(name="target", description="unchanged")["id"]


def refused(store: Harness, method: str, path: str, **kwargs: Any) -> Any:
    """Send a hostile request; assert it is a 4xx in its documented shape and changed nothing."""
    before = store.snapshot()
    response = store.call(method, path, **kwargs)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    if response.status_code == 422:
        assert isinstance(body["detail"], list)
        assert all({"type", "loc", "msg"} <= set(error) for error in body["detail"])
    else:
        assert set(body) == ENVELOPE
        assert body["object"] == "error"
    assert store.snapshot() == before
    return response


def error_code(response: Any) -> str:
    body = response.json()
    return str(body["detail"][0]["type"] if response.status_code == 422 else body["code"])


MODEL_ROUTES = [
    ("GET", "/v1/models/{}"),
    ("DELETE", "/v1/models/{}"),
    ("PATCH", "/v1/fine_tuning/models/{}"),
    ("POST", "/v1/fine_tuning/models/{}/archive"),
    ("DELETE", "/v1/fine_tuning/models/{}/archive"),
]
BODY_ROUTES = [
    ("POST", "/v1/fine_tuning/models"),
    ("PATCH", "/v1/fine_tuning/models/{}"),
    ("POST", "/v1/workspaces"),
    ("POST", "/v1/api_keys"),
]
GET_ROUTES = ["/v1/models", "/v1/models/{}", "/v1/me", "/v1/workspaces", "/v1/audit/events"]


# -- sizes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "template"), [*BODY_ROUTES, MODEL_ROUTES[1], MODEL_ROUTES[3]])
def test_a_body_one_byte_over_the_limit_is_413(store: Harness, model: str, method, template):
    body = b'{"name": "x"}' + b" " * (LIMIT - 12)
    response = refused(store, method, template.format(model), content=body, headers=JSON)
    assert (response.status_code, error_code(response)) == (413, "payload_too_large")


def test_a_body_exactly_at_the_limit_is_read(store: Harness, model: str):
    body = b'{"name": "at-the-limit"}'
    body += b" " * (LIMIT - len(body))
    response = store.call("PATCH", f"/v1/fine_tuning/models/{model}", content=body, headers=JSON)
    assert response.status_code == 200
    assert response.json()["name"] == "at-the-limit"


@pytest.mark.parametrize("route", GET_ROUTES)
def test_a_request_line_over_8_kib_is_414_on_every_read(store: Harness, model: str, route: str):
    path = route.format(model)
    fill = MAX_REQUEST_LINE - len(f"{path}?q=")  # path + "?" + query: exactly 8 KiB
    assert store.call("GET", f"{path}?q={'x' * fill}").status_code != 414
    response = refused(store, "GET", f"{path}?q={'x' * (fill + 1)}")
    assert (response.status_code, error_code(response)) == (414, "uri_too_long")


def test_a_query_of_thousands_of_parameters_is_414(store: Harness):
    response = refused(store, "GET", "/v1/models?" + "&".join(f"p{i}=v" for i in range(2000)))
    assert response.status_code == 414


@pytest.mark.parametrize(("method", "template"), MODEL_ROUTES)
@pytest.mark.parametrize(("length", "status"), [(513, 422), (10_000, 414)])
def test_over_long_ids_in_the_path_are_refused(store: Harness, method, template, length, status):
    response = refused(store, method, template.format("x" * length), json={})
    assert response.status_code == status


@pytest.mark.parametrize(
    "body",
    [
        {"root": "r" * 10_000},
        {"root": "mistral-small-2506", "job": "1" * 10_000},
        {"root": "mistral-small-2506", "suffix": "s" * 10_000},
        {"root": "mistral-small-2506", "name": "n" * 10_000},
    ],
    ids=["root", "job", "suffix", "name"],
)
def test_10000_character_values_in_a_registration_are_422(store: Harness, body):
    assert refused(store, "POST", "/v1/fine_tuning/models", json=body).status_code == 422


# -- characters -------------------------------------------------------------------------------

CONTROL = [chr(c) for c in (*range(0x00, 0x20), 0x7F)]


@pytest.mark.parametrize(("method", "template"), MODEL_ROUTES)
def test_every_control_character_in_a_path_id_is_422(store: Harness, model: str, method, template):
    for char in CONTROL:
        encoded = f"%{ord(char):02X}"
        for model_id in (f"a{encoded}b", f"{model}{encoded}", encoded):
            response = refused(store, method, template.format(model_id), json={})
            assert response.status_code == 422, (repr(char), model_id)


@pytest.mark.parametrize("char", ["\x00", "\n", "\x1b", "\x7f"], ids=["nul", "lf", "esc", "del"])
def test_control_characters_in_registration_ids_are_422(store: Harness, char: str):
    for body in (
        {"root": f"mistral-small-2506{char}"},
        {"root": f"{char}mistral-small-2506"},
        {"root": "mistral-small-2506", "job": f"7e773925-2a41-4c34-9d51-0f5e7a0b8c1{char}"},
        {"root": "mistral-small-2506", "suffix": f"bot{char}"},
    ):
        response = refused(store, "POST", "/v1/fine_tuning/models", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["loc"][:2] == [
            "body",
            next(iter(set(body) - {"root"}), "root"),
        ]


@pytest.mark.parametrize(
    "path",
    ["/v1/models/%FF%FE", "/v1/models/%ED%A0%80", "/v1/fine_tuning/models/%C3%28/archive"],
    ids=["ff-fe", "encoded-surrogate", "truncated-sequence"],
)
def test_invalid_utf8_in_a_path_id_is_a_4xx(store: Harness, path: str):
    refused(store, "GET" if path.startswith("/v1/models") else "POST", path)


@pytest.mark.parametrize("route", ["/v1/models", "/v1/audit/events"])
def test_invalid_utf8_in_a_query_is_a_4xx_or_an_empty_answer(store: Harness, route: str):
    for query in ("q=%FF%FE", "model_id=%ED%A0%80", "provider=%C3%28", "after=%FF"):
        response = store.call("GET", f"{route}?{query}")
        assert response.status_code in (200, 422), (query, response.status_code)


@pytest.mark.parametrize(
    "authorization",
    [b"Bearer \xff\xfe", b"Bearer myd_\x01x", "Bearer " + "k" * 10_000, "Bearer  myd_ x"],
    ids=["latin1", "control", "10000-chars", "spaces"],
)
def test_hostile_authorization_headers_are_401(store: Harness, authorization):
    response = refused(
        store, "GET", "/v1/models", key=None, headers={"Authorization": authorization}
    )
    assert (response.status_code, error_code(response)) == (401, "unauthorized")


# -- bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "template"), BODY_ROUTES)
@pytest.mark.parametrize(
    "raw", [b"[]", b'["name"]', b'"x"', b"12", b"1.5", b"true", b"[{}]"], ids=str
)
def test_json_that_is_not_an_object_is_422(store: Harness, model: str, method, template, raw):
    response = refused(store, method, template.format(model), content=raw, headers=JSON)
    assert response.status_code == 422


@pytest.mark.parametrize(("method", "template"), BODY_ROUTES)
@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("text/plain", b"name: x"),
        ("application/xml", b"<name>x</name>"),
        ("application/x-www-form-urlencoded", b"name=x&root=mistral-small-2506"),
        ("multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="name"'),
        ("application/octet-stream", b"\x00\x01\x02"),
    ],
    ids=["text", "xml", "form", "multipart", "octets"],
)
def test_bodies_that_are_not_json_are_422_whatever_the_content_type(
    store: Harness, model: str, method, template, content_type, raw
):
    response = refused(
        store, method, template.format(model), content=raw, headers={"content-type": content_type}
    )
    assert (response.status_code, error_code(response)) == (422, "json_invalid")


def test_a_patch_of_json_null_is_an_empty_patch(store: Harness, model: str):
    # Not RFC 7396's "replace the target with null": like no body, it changes nothing.
    before = store.snapshot()
    response = store.call("PATCH", f"/v1/fine_tuning/models/{model}", content=b"null", headers=JSON)
    assert response.status_code == 200
    assert response.json()["description"] == "unchanged"
    assert store.snapshot() == before


def test_a_json_body_is_read_as_json_whatever_its_content_type(store: Harness, model: str):
    # FastAPI's leniency, kept: `curl -d` (docs/api.md) sends application/x-www-form-urlencoded.
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = store.call(
            "PATCH",
            f"/v1/fine_tuning/models/{model}",
            content=b'{"description": "read as json"}',
            headers={"content-type": content_type},
        )
        assert response.status_code == 200
        assert response.json()["description"] == "read as json"


@pytest.mark.parametrize(("method", "template"), BODY_ROUTES)
def test_truncated_json_is_422(store: Harness, model: str, method, template):
    for raw in (b'{"name": ', b"{", b'{"name": "x"', b'{"name": "x",}', b"\xff\xfe\x00\x00"):
        response = refused(store, method, template.format(model), content=raw, headers=JSON)
        assert (response.status_code, error_code(response)) == (422, "json_invalid"), raw


DEEP = 10_000


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * DEEP + b"]" * DEEP,
        b'{"a":' * DEEP + b"1" + b"}" * DEEP,
        b'{"root": "mistral-small-2506", "name": ' + b"[" * DEEP + b"]" * DEEP + b"}",
        b"[" * 100_000,
    ],
    ids=["arrays", "objects", "nested-value", "unclosed"],
)
def test_deeply_nested_json_is_a_4xx(store: Harness, raw: bytes):
    refused(store, "POST", "/v1/fine_tuning/models", content=raw, headers=JSON)


def test_invalid_utf8_in_a_json_body_is_a_4xx(store: Harness, model: str):
    for raw in (b'{"name": "\xc3\x28"}', b'{"name": "\xff"}', b'{"name": "\xf4\x90\x80\x80"}'):
        refused(store, "PATCH", f"/v1/fine_tuning/models/{model}", content=raw, headers=JSON)


# -- found by this suite and fixed: each was a 500 or an undocumented status -----------------------


@pytest.mark.parametrize(
    "raw",
    [b'{"name": "\xc3\x28"}', b"[" * DEEP + b"]" * DEEP],
    ids=["invalid-utf8", "nested-10000"],
)
def test_unparseable_bodies_are_the_documented_422_json_invalid(store: Harness, model, raw):
    response = refused(store, "PATCH", f"/v1/fine_tuning/models/{model}", content=raw, headers=JSON)
    assert (response.status_code, error_code(response)) == (422, "json_invalid")


@pytest.mark.parametrize("raw", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_non_finite_numbers_are_422_not_500(store: Harness, model: str, raw: bytes):
    body = b'{"name": ' + raw + b"}"
    response = refused(
        store, "PATCH", f"/v1/fine_tuning/models/{model}", content=body, headers=JSON
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "surrogate", [b"\\ud800", b"\\udc80", b"x\\udfff", b"\xed\xa0\x80"], ids=str
)
def test_lone_surrogates_are_422_not_500(store: Harness, model: str, surrogate: bytes):
    body = b'{"name": "' + surrogate + b'"}'
    response = refused(
        store, "PATCH", f"/v1/fine_tuning/models/{model}", content=body, headers=JSON
    )
    assert response.status_code == 422


@pytest.mark.parametrize("after", [2**63, 10**30])
def test_an_audit_cursor_past_bigint_is_422_not_500(store: Harness, after: int):
    response = refused(store, "GET", "/v1/audit/events", params={"after": after})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        (
            "POST",
            "/v1/fine_tuning/models",
            {"json": {"root": "mistral-small-2506", "name": "a\x00"}},
        ),
        (
            "POST",
            "/v1/fine_tuning/models",
            {"json": {"root": "mistral-small-2506", "description": "a\x00"}},
        ),
        ("PATCH", "/v1/fine_tuning/models/{}", {"json": {"name": "a\x00b"}}),
        ("PATCH", "/v1/fine_tuning/models/{}", {"content": b'{"description": "\\u0000"}'}),
        ("GET", "/v1/models", {"params": {"q": "a\x00"}}),
        ("GET", "/v1/models", {"params": {"model": "a\x00"}}),
        ("GET", "/v1/models", {"params": {"limit": 5, "after": "a\x00"}}),
        ("GET", "/v1/audit/events", {"params": {"model_id": "a\x00"}}),
        ("POST", "/v1/api_keys", {"json": {"workspace": "a\x00", "scope": "read"}}),
        (
            "POST",
            "/v1/api_keys",
            {"json": {"workspace": "default", "scope": "read", "name": "\x00"}},
        ),
    ],
    ids=[
        "register-name",
        "register-description",
        "update-name",
        "update-description",
        "list-q",
        "list-model",
        "list-after",
        "audit-model_id",
        "key-workspace",
        "key-name",
    ],
)
def test_nul_characters_in_text_are_422_not_500(store: Harness, model: str, method, path, kwargs):
    headers = JSON if "content" in kwargs else {}
    response = refused(store, method, path.format(model), headers=headers, **kwargs)
    assert response.status_code == 422


def test_max_context_length_fits_the_column(store: Harness):
    body = {"root": "mistral-small-2506", "max_context_length": 2**31}
    assert refused(store, "POST", "/v1/fine_tuning/models", json=body).status_code == 422


# -- the model record (labels, artifact, aliases) ----------------------------------------------


def test_a_3_mb_artifact_object_is_413(store: Harness, model: str):
    artifact = {"uri": "s3://b/k", "quantization": "q", "padding": "x" * (3 * 1024 * 1024)}
    response = refused(
        store, "PATCH", f"/v1/fine_tuning/models/{model}", json={"artifact": artifact}
    )
    assert (response.status_code, error_code(response)) == (413, "payload_too_large")


@pytest.mark.parametrize(
    "labels",
    [
        {f"k{i}": "v" for i in range(65)},
        {f"k{i}": None for i in range(129)},
        {"k": {"nested": "object"}},
        {"k": ["list"]},
        {"k" * 64: "v"},
        {"k": "v" * 257},
        {"k": "\x1b[31mred"},
        {"\x00": "v"},
        ["k", "v"],
        "k=v",
    ],
    ids=[
        "65-labels", "129-removals", "object-value", "list-value", "64-char-key",
        "257-char-value", "escape", "nul-key", "list", "string",
    ],
)  # fmt: skip
def test_hostile_labels_are_422_and_change_nothing(store: Harness, model: str, labels: Any):
    response = refused(store, "PATCH", f"/v1/fine_tuning/models/{model}", json={"labels": labels})
    assert response.status_code == 422
    body = {"root": "mistral-small-2506", "labels": labels}
    assert refused(store, "POST", "/v1/fine_tuning/models", json=body).status_code == 422


def test_a_flood_of_label_filters_is_422(store: Harness):
    query = "&".join(f"label=k{i}" for i in range(17))
    response = refused(store, "GET", f"/v1/models?{query}")
    assert (response.status_code, error_code(response)) == (422, "too_long")


@pytest.mark.parametrize("name", ["a%0Ab", "a%00b", "x" * 65, "%C3%A9", "..", "a/b"], ids=str)
def test_hostile_alias_names_are_a_4xx_and_change_nothing(store: Harness, model: str, name: str):
    response = refused(store, "PUT", f"/v1/aliases/{name}", json={"model": model})
    assert response.status_code in (404, 405, 422)
