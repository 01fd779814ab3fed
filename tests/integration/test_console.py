"""The console in-process on each dialect: sessions, CSRF and Origin checks, scopes, the root
path, forms that keep their input. (The browser-level tests are tests/e2e/test_console.py.)"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from modelyard.console.security import CONTENT_SECURITY_POLICY
from modelyard.store.tables import console_sessions
from tests.support.app import ADMIN_KEY, Harness, harness

SAME_ORIGIN = {"Origin": "http://testserver"}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_SIGN_IN = re.compile(r'name="token" value="([^"]+)"')


def sign_in(http: TestClient, key: str = ADMIN_KEY, prefix: str = "") -> str:
    """Sign in; the session's CSRF token."""
    form = http.get(f"{prefix}/console/sign-in")
    token = _SIGN_IN.search(form.text)
    assert token, form.text
    answer = http.post(
        f"{prefix}/console/sign-in",
        data={"token": token.group(1), "key": key},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(http.get(f"{prefix}/console/").text)


def csrf_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found, page
    return found.group(1)


def sessions(app: Harness) -> list[Any]:
    with app.store.read() as tx:
        return list(tx.conn.execute(sa.select(console_sessions)).mappings())


def post(http: TestClient, path: str, data: dict[str, str], **headers: str) -> Any:
    return http.post(path, data=data, headers=headers or SAME_ORIGIN, follow_redirects=False)


def model_path(card: dict[str, Any]) -> str:
    return f"/console/models/{card['id']}"


# -- sessions ---------------------------------------------------------------------------------


def test_sign_in_sets_a_strict_http_only_cookie_and_the_store_keeps_only_its_hash(app):
    sign_in(app.http)
    cookie = app.http.cookies["modelyard_console"]
    [row] = sessions(app)
    assert row["token_hash"] == hashlib.sha256(cookie.encode()).hexdigest()
    assert cookie not in str(dict(row))
    page = app.http.get("/console/")
    assert ADMIN_KEY not in page.text


def test_the_cookie_is_http_only_strict_and_secure_over_https(app):
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        with TestClient(app.http.app, base_url=base) as http:
            form = http.get("/console/sign-in")
            token = _SIGN_IN.search(form.text)
            assert token
            answer = http.post(
                "/console/sign-in",
                data={"token": token.group(1), "key": ADMIN_KEY},
                headers={"Origin": base},
                follow_redirects=False,
            )
            header = next(
                value
                for value in answer.headers.get_list("set-cookie")
                if value.startswith("modelyard_console=")
            )
            assert "HttpOnly" in header
            assert "SameSite=strict" in header
            assert "Path=/console" in header
            assert ("Secure" in header) is secure


def test_a_wrong_key_is_refused_and_makes_no_session(app):
    form = app.http.get("/console/sign-in")
    token = _SIGN_IN.search(form.text)
    assert token
    answer = post(app.http, "/console/sign-in", {"token": token.group(1), "key": "myd_nope"})
    assert answer.status_code == 401
    assert sessions(app) == []


def test_failed_sign_ins_are_throttled_per_client(app):
    statuses = []
    for _ in range(11):
        form = app.http.get("/console/sign-in")
        token = _SIGN_IN.search(form.text)
        assert token
        answer = post(app.http, "/console/sign-in", {"token": token.group(1), "key": "myd_x"})
        statuses.append(answer.status_code)
    assert statuses == [401] * 10 + [429]
    assert int(answer.headers["retry-after"]) > 0


def test_a_sign_in_form_without_its_own_token_is_refused(app):
    answer = post(app.http, "/console/sign-in", {"token": "forged", "key": ADMIN_KEY})
    assert answer.status_code == 403
    assert sessions(app) == []


def test_a_session_idle_past_the_timeout_ends_and_its_row_goes(app):
    sign_in(app.http)
    with app.store.write() as tx:
        tx.conn.execute(
            sa.update(console_sessions).values(last_seen=console_sessions.c.last_seen - 13 * 3600)
        )
    answer = app.http.get("/console/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in"
    assert sessions(app) == []


def test_page_views_write_nothing_until_the_session_is_minutes_old(app):
    sign_in(app.http)
    revision = app.store.revision()
    for _ in range(3):
        assert app.http.get("/console/").status_code == 200
    assert app.store.revision() == revision  # the API's read cache stays warm
    with app.store.write() as tx:
        tx.conn.execute(
            sa.update(console_sessions).values(last_seen=console_sessions.c.last_seen - 600)
        )
    before = sessions(app)[0]["last_seen"]
    assert app.http.get("/console/").status_code == 200
    assert sessions(app)[0]["last_seen"] >= before + 600


def test_a_revoked_key_ends_its_session_on_the_next_request(app):
    key = app.key("write")
    sign_in(app.http, key)
    key_id = app.call("GET", "/v1/me", key).json()["id"]
    assert app.call("DELETE", f"/v1/api_keys/{key_id}").status_code == 200
    answer = app.http.get("/console/", follow_redirects=False)
    assert answer.status_code == 303
    assert sessions(app) == []


def test_signing_in_again_ends_the_previous_session(app):
    sign_in(app.http)
    # The sign-in form of another tab, opened before: its own token in its own cookie.
    app.http.cookies.set("modelyard_console_sign_in", "other-tab", path="/console")
    answer = post(app.http, "/console/sign-in", {"token": "other-tab", "key": app.key("read")})
    assert answer.status_code == 303
    assert len(sessions(app)) == 1


def test_sign_out_deletes_the_session(app):
    csrf = sign_in(app.http)
    answer = post(app.http, "/console/sign-out", {"csrf": csrf})
    assert answer.status_code == 303
    assert sessions(app) == []
    assert app.http.get("/console/", follow_redirects=False).status_code == 303


# -- forms: CSRF, Origin, scope ------------------------------------------------------------


def test_a_form_without_the_token_or_from_another_site_is_refused_and_changes_nothing(app):
    card = app.register(name="kept")
    csrf = sign_in(app.http)
    before = app.snapshot()
    form = {"csrf": csrf, "action": "archive"}
    refused = [
        post(app.http, model_path(card), {"action": "archive"}),  # no token
        post(app.http, model_path(card), {**form, "csrf": "0" * 64}),  # a wrong one
        post(app.http, model_path(card), form, Origin="https://evil.example"),
        post(app.http, model_path(card), form, Origin="null"),
        post(app.http, model_path(card), form, Referer="https://evil.example/page"),
        post(app.http, model_path(card), form, **{"X-Nothing": "neither header"}),
    ]
    assert [answer.status_code for answer in refused] == [403] * len(refused)
    assert app.snapshot() == before
    same_site = post(app.http, model_path(card), form, Referer="http://testserver/console/x")
    assert same_site.status_code == 303
    assert app.call("GET", f"/v1/models/{card['id']}").json()["archived"] is True


def test_an_origin_configured_as_trusted_may_post(database_url):
    with harness(database_url, console_origins="https://registry.example.com") as app:
        card = app.register(name="via-proxy")
        csrf = sign_in(app.http)
        form = {"csrf": csrf, "action": "archive"}
        answer = post(app.http, model_path(card), form, Origin="https://registry.example.com")
        assert answer.status_code == 303


def test_a_read_key_gets_no_forms_and_its_posts_are_refused(app):
    workspace = app.workspace()["id"]
    writer, reader = app.key("write", workspace), app.key("read", workspace)
    card = app.register(writer, name="read-only")
    csrf = sign_in(app.http, reader)
    page = app.http.get(model_path(card)).text
    assert 'value="save"' not in page
    assert 'value="archive"' not in page
    before = app.snapshot()
    for action in ("save", "archive", "delete", "set-alias"):
        answer = post(app.http, model_path(card), {"csrf": csrf, "action": action, "name": "x"})
        assert answer.status_code == 403
    assert app.snapshot() == before
    assert app.http.get("/console/admin/keys").status_code == 403


def test_a_write_key_cannot_use_the_admin_pages(app):
    csrf = sign_in(app.http, app.key("write"))
    assert app.http.get("/console/admin/audit").status_code == 403
    answer = post(app.http, "/console/admin/workspaces", {"csrf": csrf, "name": "sneaky"})
    assert answer.status_code == 403
    names = [w["name"] for w in app.call("GET", "/v1/workspaces").json()["data"]]
    assert "sneaky" not in names


# -- what pages show and forms keep ----------------------------------------------------------


def test_user_text_is_escaped_everywhere(app):
    card = app.register(
        name="<script>alert(1)</script>",
        description='"><img src=x onerror=alert(2)>',
        labels={"note": "</textarea><b>bold</b>"},
    )
    sign_in(app.http)
    app.call("PATCH", f"/v1/fine_tuning/models/{card['id']}", json={"name": "<b>n</b>"})
    for path in ("/console/", model_path(card), "/console/admin/audit"):
        page = app.http.get(path).text
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "</textarea><b>" not in page
        assert "<b>n</b>" not in page
    assert "&lt;b&gt;n&lt;/b&gt;" in app.http.get("/console/").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in app.http.get(model_path(card)).text


def test_every_console_answer_carries_the_security_headers(app):
    sign_in(app.http)
    card = app.register()
    for path in ("/console/", model_path(card), "/console/nowhere", "/console/static/console.css"):
        answer = app.http.get(path, follow_redirects=False)
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert answer.headers["x-frame-options"] == "DENY"
    assert app.http.get("/console/").headers["cache-control"] == "no-store"
    assert "<script>" not in app.http.get("/console/").text  # no inline script anywhere


def test_invalid_labels_are_shown_at_the_field_and_the_input_is_kept(app):
    card = app.register(name="n", labels={"stage": "dev"})
    csrf = sign_in(app.http)
    page = app.http.get(model_path(card)).text
    etag = re.search(r'name="etag" value="([^"]+)"', page)
    assert etag
    form = {
        "csrf": csrf,
        "action": "save",
        "etag": etag.group(1).replace("&#34;", '"'),
        "name": "n",
        "seen_name": "n",
        "description": "",
        "seen_description": "",
        "labels": "stage=prod\nBad Key=1\nno-equals-sign",
        "seen_labels": "stage=dev\n",
    }
    answer = post(app.http, model_path(card), form)
    assert answer.status_code == 422
    assert 'id="labels" name="labels"' in answer.text
    assert 'aria-invalid="true" aria-describedby="labels-help labels-error"' in answer.text
    assert "Line 3: write key=value." in answer.text
    assert "Bad Key=1\nno-equals-sign</textarea>" in answer.text
    assert app.call("GET", f"/v1/models/{card['id']}").json()["labels"] == {"stage": "dev"}


def test_a_save_sends_only_what_changed_under_the_loaded_etag(app):
    card = app.register(name="n", description="d", labels={"a": "1", "b": "2"})
    csrf = sign_in(app.http)
    form = {
        "csrf": csrf,
        "action": "save",
        "etag": '"v1"',
        "name": "n",
        "seen_name": "n",
        "description": "d",
        "seen_description": "d",
        "labels": "a=1\r\nc=3\r\n",
        "seen_labels": "a=1\nb=2\n",
    }
    assert post(app.http, model_path(card), form).status_code == 303
    [event] = app.events("model.updated")
    assert event["after"]["labels"] == {"a": "1", "c": "3"}
    assert event["before"]["name"] == event["after"]["name"] == "n"
    assert post(app.http, model_path(card), form).status_code == 412  # "v1" is gone


def test_delete_needs_the_typed_id_and_is_refused_while_an_alias_names_the_model(app):
    card = app.register(name="precious")
    app.call("PUT", "/v1/aliases/prod-bot", json={"model": card["id"]})
    csrf = sign_in(app.http)
    form = {"csrf": csrf, "action": "delete", "etag": '"v2"'}
    mistyped = post(app.http, model_path(card), {**form, "confirm": "precious"})
    assert mistyped.status_code == 422
    assert "Type the model" in mistyped.text
    aliased = post(app.http, model_path(card), {**form, "confirm": card["id"]})
    assert aliased.status_code == 409
    assert "prod-bot" in aliased.text
    assert app.call("GET", f"/v1/models/{card['id']}").status_code == 200


def test_an_alias_of_a_model_opens_the_model_page(app):
    card = app.register(name="aliased")
    app.call("PUT", "/v1/aliases/the-bot", json={"model": card["id"]})
    sign_in(app.http)
    answer = app.http.get("/console/models/the-bot", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == model_path(card)
    base = app.http.get("/console/models/mistral-small-latest", follow_redirects=False)
    assert base.headers["location"] == "/console/models/mistral-small-2506"


def test_the_table_pages_by_fifty_with_one_row_per_model(app):
    for index in range(55):
        app.register(name=f"m{index:02d}")
    first = app.register(name="x", job="00000000-0000-4000-8000-000000000000")  # first by id
    app.call("PUT", "/v1/aliases/zz-alias", json={"model": first["id"]})
    sign_in(app.http)
    first = app.http.get("/console/?type=fine-tuned")
    assert first.text.count('<th scope="row">') == 50
    next_link = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert next_link
    second = app.http.get(next_link.group(1).replace("&amp;", "&"))
    # 56 models, then the alias's entry (after them in id order): its model's row, marked.
    assert second.text.count('<th scope="row">') == 7
    assert "via alias <code>zz-alias</code>" in second.text
    assert 'rel="next"' not in second.text


def test_links_and_redirects_follow_the_root_path(app):
    # As uvicorn with `--root-path /registry` passes them: the path includes the root path.
    with TestClient(app.http.app, root_path="/registry") as http:
        for path in ("/registry/", "/registry/console"):
            root = http.get(path, follow_redirects=False)
            assert root.status_code == 302
            assert root.headers["location"] == "/registry/console/"
        answer = http.get("/registry/console/", follow_redirects=False)
        assert answer.headers["location"] == "/registry/console/sign-in"
        page = http.get("/registry/console/sign-in").text
        paths = re.findall(r'(?:href|action|src)="([^"#][^"]*)"', page)
        assert paths
        assert all(path.startswith("/registry/console/") for path in paths), paths


@pytest.fixture
def admin(app: Harness) -> Harness:
    sign_in(app.http)
    return app


def test_an_admin_creates_a_key_whose_secret_is_shown_once(admin):
    csrf = csrf_of(admin.http.get("/console/admin/keys").text)
    workspace = admin.workspace()["id"]
    form = {"csrf": csrf, "action": "create", "workspace": workspace, "scope": "read"}
    created = post(admin.http, "/console/admin/keys", {**form, "name": "dash"})
    assert created.status_code == 201
    secret = re.search(r'value="(myd_[^"]+)"', created.text)
    assert secret
    assert admin.call("GET", "/v1/me", secret.group(1)).json()["scope"] == "read"
    assert secret.group(1) not in admin.http.get("/console/admin/keys").text
