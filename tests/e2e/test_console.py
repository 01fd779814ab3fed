"""The console in a real headless Chromium against a real `modelyard serve` (SQLite).

Elements are found by role and accessible name, as CONTRACT.md section 9 lists them (and as
people with screen readers find them). Set MODELYARD_CONSOLE_SCREENSHOTS=<dir> to keep
screenshots of the main pages (docs/console/*.png are these).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.support.browser import chromium, screenshot
from tests.support.databases import fresh_database
from tests.support.proxy import prefix_proxy
from tests.support.server import LiveServer, run_server

pytestmark = pytest.mark.timeout(120)
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("console")
    with fresh_database("sqlite", workdir) as url, run_server(url, workdir) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def sign_in(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}/")  # the root redirects to the console, which asks for a key
    page.get_by_label("API key", exact=True).fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Models", exact=True)).to_be_visible()


def model_url(base: str, model_id: str) -> str:
    return f"{base}/console/models/{quote(model_id, safe=':/')}"


def retrieve(server: LiveServer, key: str, model_id: str) -> httpx.Response:
    with server.client(key) as http:
        return http.get(f"/v1/models/{model_id}")


def workspace_key(server: LiveServer, scope: str = "write") -> tuple[str, str]:
    """A key of a new workspace and that workspace's write key (one and the same for write)."""
    write = server.new_workspace_key("write")
    if scope == "write":
        return write, write
    with server.client(write) as http:
        workspace = http.get("/v1/me").json()["workspace_id"]
    with server.client() as admin:
        created = admin.post("/v1/api_keys", json={"workspace": workspace, "scope": scope})
    return str(created.json()["key"]), write


# -- sign in, the table, a model's page ----------------------------------------------------


def test_sign_in_search_filter_by_label_and_open_a_model(server, page):
    key, _ = workspace_key(server)
    tag = uuid.uuid4().hex[:6]
    first = server.register(key, name=f"support-bot-{tag}", labels={"stage": "prod"})
    second = server.register(key, name=f"triage-{tag}", labels={"stage": "dev"})
    server.register(key, name=f"other-{tag}")
    sign_in(page, server.base_url, key)
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name=first["id"])).to_be_visible()
    expect(table.get_by_role("rowheader", name="mistral-small-2506", exact=True)).to_be_visible()
    screenshot(page, "models")

    page.get_by_label("Search", exact=True).fill(f"triage-{tag}")
    page.get_by_role("button", name="Filter").click()
    expect(table.get_by_role("link", name=second["id"])).to_be_visible()
    expect(table.get_by_role("link", name=first["id"])).to_have_count(0)

    page.get_by_label("Search", exact=True).fill("")
    page.get_by_label("Label", exact=True).fill("stage=prod")
    page.get_by_role("button", name="Filter").click()
    expect(table.get_by_role("link", name=first["id"])).to_be_visible()
    expect(table.get_by_role("link", name=second["id"])).to_have_count(0)
    expect(table.get_by_role("rowheader", name="mistral-small-2506", exact=True)).to_have_count(0)

    table.get_by_role("link", name=first["id"]).click()
    expect(page.get_by_role("heading", name=first["id"])).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value(f"support-bot-{tag}")
    expect(page.get_by_label("Labels", exact=True)).to_have_value("stage=prod\n")
    screenshot(page, "model")


def test_rename_archive_unarchive_and_delete(server, page):
    key, _ = workspace_key(server)
    card = server.register(key, name="before")
    sign_in(page, server.base_url, key)
    page.goto(model_url(server.base_url, card["id"]))

    page.get_by_label("Name", exact=True).fill("after")
    page.get_by_label("Description", exact=True).fill("Renamed in the console.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    assert retrieve(server, key, card["id"]).json()["name"] == "after"
    assert retrieve(server, key, card["id"]).json()["description"] == "Renamed in the console."

    page.get_by_role("button", name="Archive", exact=True).click()
    expect(page.get_by_role("button", name="Unarchive")).to_be_visible()
    assert retrieve(server, key, card["id"]).json()["archived"] is True
    page.get_by_role("button", name="Unarchive").click()
    expect(page.get_by_role("button", name="Archive", exact=True)).to_be_visible()
    assert retrieve(server, key, card["id"]).json()["archived"] is False

    delete = page.get_by_role("button", name="Delete")
    expect(delete).to_be_disabled()  # until the id is typed
    page.get_by_label("Type the model id to confirm").fill(card["id"])
    delete.click()
    expect(page.get_by_role("status")).to_have_text("Deleted.")
    assert retrieve(server, key, card["id"]).status_code == 404


def test_move_an_alias_here(server, page):
    key, _ = workspace_key(server)
    old, new = server.register(key, name="v1"), server.register(key, name="v2")
    alias = f"bot-{uuid.uuid4().hex[:8]}"
    with server.client(key) as http:
        assert http.put(f"/v1/aliases/{alias}", json={"model": old["id"]}).status_code == 200
    sign_in(page, server.base_url, key)
    page.goto(model_url(server.base_url, new["id"]))
    page.get_by_label("Alias name").fill(alias)
    page.get_by_role("button", name="Move alias here").click()
    expect(page.get_by_role("status")).to_have_text("The alias now names this model.")
    expect(page.get_by_role("button", name=f"Remove alias {alias}")).to_be_visible()
    with server.client(key) as http:
        assert http.get(f"/v1/aliases/{alias}").json()["model"] == new["id"]
    assert retrieve(server, key, old["id"]).json()["aliases"] == []


def test_a_change_made_meanwhile_is_a_412_that_shows_what_changed(server, page):
    key, _ = workspace_key(server)
    card = server.register(key, name="original", description="first")
    sign_in(page, server.base_url, key)
    page.goto(model_url(server.base_url, card["id"]))
    with server.client(key) as http:  # someone else, between load and save
        changed = http.patch(f"/v1/fine_tuning/models/{card['id']}", json={"description": "theirs"})
        assert changed.status_code == 200
    page.get_by_label("Name", exact=True).fill("mine")
    page.get_by_role("button", name="Save").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Changed by someone else")
    expect(alert).to_contain_text("description")
    expect(alert).to_contain_text("theirs")
    expect(page.get_by_label("Name", exact=True)).to_have_value("mine")  # the input is kept
    assert retrieve(server, key, card["id"]).json()["name"] == "original"  # nothing overwritten
    screenshot(page, "conflict")

    page.get_by_role("button", name="Save").click()  # again, now against today's model
    expect(page.get_by_role("status")).to_have_text("Saved.")
    body = retrieve(server, key, card["id"]).json()
    assert (body["name"], body["description"]) == ("mine", "theirs")

    page.get_by_role("link", name="Models", exact=True).first.click()
    expect(page.get_by_role("heading", name="Models", exact=True)).to_be_visible()


def test_two_browsers_saving_the_same_model_the_second_is_told(server, browser, page):
    key, _ = workspace_key(server)
    card = server.register(key, name="shared")
    other_context = browser.new_context()
    other = other_context.new_page()
    try:
        for each in (page, other):
            sign_in(each, server.base_url, key)
            each.goto(model_url(server.base_url, card["id"]))
        page.get_by_label("Name", exact=True).fill("from-one")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status")).to_have_text("Saved.")
        other.get_by_label("Name", exact=True).fill("from-two")
        other.get_by_role("button", name="Save").click()
        expect(other.get_by_role("alert")).to_contain_text("from-one")
        other.get_by_role("link", name="reload").click()
        expect(other.get_by_label("Name", exact=True)).to_have_value("from-one")
    finally:
        other_context.close()
    assert retrieve(server, key, card["id"]).json()["name"] == "from-one"


def test_a_read_key_sees_no_edit_controls_and_its_edits_are_refused(server, page):
    read_key, write_key = workspace_key(server, "read")
    card = server.register(write_key, name="look-only")
    sign_in(page, server.base_url, read_key)
    page.goto(model_url(server.base_url, card["id"]))
    expect(page.get_by_role("heading", name=card["id"])).to_be_visible()
    for name in ("Save", "Archive", "Delete", "Move alias here"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_label("Name", exact=True)).to_have_count(0)
    # A hand-made form post with this session's own token: the server refuses it anyway.
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    refused = page.request.post(
        model_url(server.base_url, card["id"]),
        form={"csrf": token, "action": "archive"},
        headers={"Origin": server.base_url},
    )
    assert refused.status == 403
    assert retrieve(server, write_key, card["id"]).json()["archived"] is False


def test_sign_out_ends_the_session(server, page):
    key, _ = workspace_key(server)
    sign_in(page, server.base_url, key)
    cookie = next(c for c in page.context.cookies() if c["name"] == "modelyard_console")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert key not in page.content()
    assert key not in page.url
    assert page.evaluate("() => Object.keys(localStorage).length") == 0
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.goto(f"{server.base_url}/console/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    # The old cookie is worth nothing: the session is gone from the store.
    reused = httpx.get(
        f"{server.base_url}/console/",
        cookies={"modelyard_console": cookie["value"]},
        follow_redirects=False,
    )
    assert reused.status_code == 303
    assert reused.headers["location"].endswith("/console/sign-in")


def test_a_revoked_key_ends_its_console_session_on_the_next_request(server, page):
    key, _ = workspace_key(server)
    sign_in(page, server.base_url, key)
    with server.client(key) as http:
        key_id = http.get("/v1/me").json()["id"]
    with server.client() as admin:
        assert admin.delete(f"/v1/api_keys/{key_id}").status_code == 200
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_a_wrong_key_is_refused_with_a_message(server, page):
    page.goto(f"{server.base_url}/console/")
    page.get_by_label("API key", exact=True).fill("myd_not_a_key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    screenshot(page, "sign-in")


# -- safety -----------------------------------------------------------------------------------

XSS_NAME = "<script>alert('name')</script>"
XSS_DESCRIPTION = "<img src=x onerror=\"alert('description')\">"


def test_script_in_a_name_or_description_renders_as_text(server, page):
    key, _ = workspace_key(server)
    card = server.register(
        key,
        name=XSS_NAME,
        description=XSS_DESCRIPTION,
        labels={"note": '"><svg onload=alert(1)>'},
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, server.base_url, key)
    expect(page.get_by_role("cell", name=XSS_NAME)).to_be_visible()
    page.goto(model_url(server.base_url, card["id"]))
    expect(page.get_by_text(XSS_DESCRIPTION, exact=True).first).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value(XSS_NAME)
    assert page.locator("main img, main svg, main script").count() == 0
    page.get_by_role("button", name="Save").click()  # and through a form round trip
    expect(page.get_by_role("status")).to_be_visible()
    page.wait_for_timeout(300)
    assert dialogs == []


def test_a_cross_site_form_post_is_refused_and_changes_nothing(server, page):
    key, _ = workspace_key(server)
    card = server.register(key, name="target")
    sign_in(page, server.base_url, key)
    target = model_url(server.base_url, card["id"])
    # An attacker's page on another site posts a form to the console: the Strict cookie is
    # not sent, and the Origin is foreign.
    attacker = "http://attacker.invalid/"
    page.route(
        attacker,
        lambda route: route.fulfill(
            content_type="text/html",
            body=f'<form method="post" action="{target}"><input name="action" value="archive">'
            '<input name="name" value="pwned"></form><script>document.forms[0].submit()</script>',
        ),
    )
    page.goto(attacker)
    expect(page.get_by_role("alert")).to_contain_text("Refused")
    # The same post with the victim's cookie and even its token, from a foreign Origin; and
    # from this site without the token.
    cookie = next(c for c in page.context.cookies() if c["name"] == "modelyard_console")
    cookies = {"modelyard_console": cookie["value"]}
    page.goto(target)
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    foreign = httpx.post(
        target,
        data={"csrf": token, "action": "archive"},
        cookies=cookies,
        headers={"Origin": "http://attacker.invalid"},
    )
    tokenless = httpx.post(
        target, data={"action": "archive"}, cookies=cookies, headers={"Origin": server.base_url}
    )
    assert (foreign.status_code, tokenless.status_code) == (403, 403)
    assert retrieve(server, key, card["id"]).json()["archived"] is False


# -- admin ----------------------------------------------------------------------------------


def test_an_admin_creates_a_key_shown_once_revokes_it_and_reads_the_audit_log(server, page):
    sign_in(page, server.base_url, server.admin_key)
    page.get_by_role("link", name="Keys").click()
    page.get_by_label("Scope").select_option("write")
    name = f"ci-{uuid.uuid4().hex[:6]}"
    page.get_by_label("Key name").fill(name)
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_label("New key").input_value()
    assert secret.startswith("myd_")
    with server.client(secret) as http:
        assert http.get("/v1/me").json()["name"] == name
    screenshot(page, "keys")
    page.get_by_role("link", name="Keys").click()
    assert secret not in page.content()  # shown once
    page.get_by_role("button", name=f"Revoke key {name}").click()
    expect(page.get_by_role("status")).to_have_text("Key revoked.")
    with server.client(secret) as http:
        assert http.get("/v1/me").status_code == 401

    page.get_by_role("link", name="Audit").click()
    page.get_by_label("Action").select_option("api_key.revoked")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("cell", name="api_key.revoked").first).to_be_visible()
    expect(page.get_by_role("cell", name="api_key.created")).to_have_count(0)
    screenshot(page, "audit")

    page.get_by_role("link", name="Workspaces").click()
    workspace = f"team-{uuid.uuid4().hex[:6]}"
    page.get_by_label("Workspace name").fill(workspace)
    page.get_by_role("button", name="Create workspace").click()
    expect(page.get_by_role("rowheader", name=workspace)).to_be_visible()


def test_an_admin_sees_a_models_history_with_what_changed(server, page):
    card = server.register(name="v1", labels={"stage": "dev"})
    with server.client() as http:
        path = f"/v1/fine_tuning/models/{card['id']}"
        http.patch(path, json={"name": "v2", "labels": {"stage": "prod"}})
        http.post(f"{path}/archive")
    sign_in(page, server.base_url, server.admin_key)
    page.goto(model_url(server.base_url, card["id"]))
    history = page.get_by_role("table", name=re.compile("Changes"))
    expect(history.get_by_role("row")).to_have_count(4)  # the header and three events
    expect(history).to_contain_text("labels.stage")
    expect(history).to_contain_text("prod")
    expect(history.get_by_role("cell", name="model.archived")).to_be_visible()
    screenshot(page, "model-history")


# -- keyboard, small screens, a proxy -------------------------------------------------------


def test_sign_in_and_save_with_the_keyboard_alone(server, page):
    key, _ = workspace_key(server)
    card = server.register(key, name="keys-only")
    page.goto(f"{server.base_url}/console/")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "key":
            break
    page.keyboard.type(key)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Models", exact=True)).to_be_visible()
    page.goto(model_url(server.base_url, card["id"]))
    page.get_by_label("Name", exact=True).focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("typed")
    for _ in range(3):  # Description, Labels, Save
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Save"
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Saved.")
    assert retrieve(server, key, card["id"]).json()["name"] == "typed"


def test_pages_fit_a_390_px_screen(server, browser):
    key, _ = workspace_key(server)
    card = server.register(key, name="small-screen", labels={"stage": "prod"})
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, server.base_url, key)
        screenshot(page, "models-390")
        for url in (f"{server.base_url}/console/", model_url(server.base_url, card["id"])):
            page.goto(url)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        expect(page.get_by_role("button", name="Save")).to_be_visible()
        screenshot(page, "model-390")
    finally:
        context.close()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """A server started with `--root-path /registry`, behind a proxy serving it there."""
    workdir = tmp_path_factory.mktemp("proxied")
    with (
        fresh_database("sqlite", workdir) as url,
        run_server(url, workdir, args=("--root-path", "/registry")) as live,
        prefix_proxy(live.base_url, "/registry") as base,
    ):
        yield live, base


def test_behind_a_proxy_under_a_path_prefix(proxied, page):
    server, base = proxied
    card = server.register(name="proxied")
    sign_in(page, base, server.admin_key)
    assert page.url == f"{base}/console/"
    page.get_by_role("table").get_by_role("link", name=card["id"]).click()
    page.get_by_label("Name", exact=True).fill("renamed behind the proxy")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    assert page.url.startswith(f"{base}/console/models/")
    links = page.eval_on_selector_all(
        "a[href], form[action]",
        "els => els.map(e => e.getAttribute('href') || e.getAttribute('action'))",
    )
    links = [link for link in links if not link.startswith("#")]
    assert links
    assert all(link.startswith("/registry/") for link in links), links
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.url.startswith(f"{base}/console/sign-in")
