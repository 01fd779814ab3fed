"""Authentication, scopes, size limits, request ids, and the contract's order of checks."""

import pytest

from tests.support.app import Harness

ENVELOPE_KEYS = {"object", "message", "type", "param", "code"}


def assert_envelope(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["object"] == "error"
    assert body["code"] == code


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic abc",
        "myd_nobearer",
        "Bearer myd_unknown",
        "Bearer " + "x" * 300,
    ],
)
def test_missing_malformed_or_unknown_keys_are_401(app: Harness, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = app.call("GET", "/v1/models", key=None, headers=headers)
    assert_envelope(response, 401, "unauthorized")
    assert response.json()["type"] == "authentication_error"
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_revoked_key_is_refused_on_its_next_request(app: Harness):
    key = app.key("read")
    assert app.call("GET", "/v1/models", key).status_code == 200
    key_id = app.call("GET", "/v1/me", key).json()["id"]
    assert app.call("DELETE", f"/v1/api_keys/{key_id}").json() == {
        "object": "api_key",
        "id": key_id,
        "revoked": True,
    }
    assert_envelope(app.call("GET", "/v1/models", key), 401, "unauthorized")


def test_a_read_key_cannot_write(app: Harness):
    writer = app.key("write")
    workspace = app.call("GET", "/v1/me", writer).json()["workspace_id"]
    reader = app.key("read", workspace)
    card = app.register(writer)
    before = app.snapshot()
    for method, url in [
        ("PATCH", f"/v1/fine_tuning/models/{card['id']}"),
        ("POST", f"/v1/fine_tuning/models/{card['id']}/archive"),
        ("DELETE", f"/v1/fine_tuning/models/{card['id']}/archive"),
        ("DELETE", f"/v1/models/{card['id']}"),
        ("POST", "/v1/fine_tuning/models"),
    ]:
        response = app.call(method, url, reader, json={"root": "mistral-small-2506"})
        assert_envelope(response, 403, "insufficient_scope")
    assert app.call("GET", f"/v1/models/{card['id']}", reader).status_code == 200
    assert app.snapshot() == before


def test_only_admin_keys_manage_workspaces_and_keys(app: Harness):
    writer = app.key("write")
    for method, url in [
        ("GET", "/v1/workspaces"),
        ("POST", "/v1/workspaces"),
        ("GET", "/v1/api_keys"),
    ]:
        assert_envelope(
            app.call(method, url, writer, json={"name": "x"}), 403, "insufficient_scope"
        )


def test_another_workspace_cannot_change_or_delete_a_model(app: Harness):
    owner, stranger = app.key(), app.key()
    card = app.register(owner)
    before = app.snapshot()
    for method, url in [
        ("PATCH", f"/v1/fine_tuning/models/{card['id']}"),
        ("POST", f"/v1/fine_tuning/models/{card['id']}/archive"),
        ("DELETE", f"/v1/fine_tuning/models/{card['id']}/archive"),
        ("DELETE", f"/v1/models/{card['id']}"),
    ]:
        assert_envelope(app.call(method, url, stranger, json={"name": "x"}), 404, "model_not_found")
    assert app.snapshot() == before


def test_order_of_checks(app: Harness):
    reader = app.key("read")
    big = "x" * (2 * 1024 * 1024)
    # 401 before everything: a bad key with an over-limit, malformed body.
    response = app.call("PATCH", "/v1/fine_tuning/models/nope", "myd_bad", content=big)
    assert_envelope(response, 401, "unauthorized")
    # 403 scope before 413.
    response = app.call("PATCH", "/v1/fine_tuning/models/nope", reader, content=big)
    assert_envelope(response, 403, "insufficient_scope")
    # 413 before 422.
    response = app.call("PATCH", "/v1/fine_tuning/models/nope", content=big)
    assert_envelope(response, 413, "payload_too_large")
    # 422 before 404.
    response = app.call("PATCH", "/v1/fine_tuning/models/nope", json={"name": 1})
    assert response.status_code == 422
    # 404 before 403 base_model_immutable and 412.
    response = app.call(
        "PATCH", "/v1/fine_tuning/models/nope", json={}, headers={"If-Match": '"x"'}
    )
    assert_envelope(response, 404, "model_not_found")
    # 403 base_model_immutable before 412.
    response = app.call(
        "PATCH", "/v1/fine_tuning/models/mistral-tiny", json={}, headers={"If-Match": '"x"'}
    )
    assert_envelope(response, 403, "base_model_immutable")


def test_chunked_bodies_over_the_limit_are_413(app: Harness):
    def chunks():
        for _ in range(20):
            yield b"x" * 65536

    before = app.snapshot()
    response = app.call("POST", "/v1/fine_tuning/models", content=chunks())
    assert_envelope(response, 413, "payload_too_large")
    assert app.snapshot() == before


def test_a_request_line_over_8_kib_is_414(app: Harness):
    response = app.call("GET", "/v1/models", params={"q": "x" * 9000})
    assert_envelope(response, 414, "uri_too_long")


def test_ids_over_512_characters_or_with_control_characters_are_422(app: Harness):
    assert app.call("GET", "/v1/models/" + "x" * 600).status_code == 422
    assert app.call("GET", "/v1/models/a%00b").status_code == 422
    assert app.call("DELETE", "/v1/models/a%0Ab").status_code == 422


def test_every_response_carries_a_request_id_and_echoes_the_callers(app: Harness):
    assert (
        app.call("GET", "/v1/models", headers={"x-request-id": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    generated = app.call("GET", "/v1/models", key=None).headers["x-request-id"]
    assert len(generated) == 32
    assert app.call("GET", "/healthz", key=None).headers["x-request-id"]


def test_unknown_routes_and_methods_use_the_envelope(app: Harness):
    assert_envelope(app.call("GET", "/v1/nothing-here"), 404, "not_found")
    assert_envelope(app.call("PUT", "/v1/models/mistral-small-2506"), 405, "method_not_allowed")


def test_the_deprecation_timestamp_header_is_never_sent(app: Harness):
    for url in ["/v1/models", "/v1/models/open-mistral-7b", "/v1/models/mistral-tiny"]:
        assert "x-model-deprecation-timestamp" not in app.call("GET", url).headers


def test_bodies_are_json_whatever_content_type_they_declare(app: Harness):
    form = app.call(
        "POST",
        "/v1/fine_tuning/models",
        content=b'{"root": "mistral-small-2506"}',
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 201
    text = app.call(
        "POST", "/v1/fine_tuning/models", content=b"root=x", headers={"content-type": "text/plain"}
    )
    assert text.status_code == 422
    assert text.json()["detail"][0]["type"] == "json_invalid"
