"""The change lane (server/change_lane.py) answers what FastAPI's routes answer.

The same requests go to two apps on one store, one with the lane and one without, against twin
models (same fields, different ids); the answers must match once the ids are swapped."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from modelyard.server import create_app
from modelyard.server.change_lane import ChangeLane
from tests.support.app import ADMIN_KEY, Harness, settings_for


@pytest.fixture
def routes_only(app: Harness, database_url: str) -> Iterator[Harness]:
    """The same store, every change through FastAPI's routes."""
    api = create_app(settings_for(database_url), app.store, change_lane=False)
    with TestClient(api) as http:
        yield Harness(http, app.store)


def answer(
    response: httpx.Response, card: dict[str, Any] | None, etag: str | None
) -> tuple[Any, ...]:
    """Status, headers and body, with what differs between twin models taken out: the id, the job,
    the second of registration and the ETag."""
    twins = {}
    if card is not None:
        twins = {card["id"]: "<id>", card["job"]: "<job>", f'"created":{card["created"]}': "<t>"}
    if etag:
        twins[etag.strip('"')] = "<etag>"

    def same(text: str) -> str:
        for value, placeholder in twins.items():
            text = text.replace(value, placeholder)
        return text

    headers = {
        name: same(value)
        for name, value in response.headers.items()
        if name not in ("x-request-id", "content-length")
    }
    return response.status_code, headers, same(response.text)


CASES = [
    ("PATCH", "", {"json": {"name": "renamed", "description": "d"}}, False),
    ("PATCH", "", {"json": {}}, False),
    ("PATCH", "", {"content": b""}, False),
    ("PATCH", "", {"content": b"null"}, False),
    ("PATCH", "", {"json": {"name": "x"}}, True),  # with its current ETag
    ("POST", "/archive", {}, False),
    ("POST", "/archive", {}, True),
    ("DELETE", "/archive", {}, False),
    ("DELETE", "", {}, False),  # delete: /v1/models/{id}
]


@pytest.mark.parametrize(("method", "suffix", "request_kwargs", "with_etag"), CASES)
def test_the_lane_answers_as_the_route_does(
    app: Harness,
    routes_only: Harness,
    method: str,
    suffix: str,
    request_kwargs: dict[str, Any],
    with_etag: bool,
):
    answers = []
    for server in (app, routes_only):
        card = app.register(name="twin", description="same")
        etag = app.call("GET", f"/v1/models/{card['id']}").headers["etag"]
        headers = {"If-Match": etag} if with_etag else {}
        prefix = "/v1/models/" if (method, suffix) == ("DELETE", "") else "/v1/fine_tuning/models/"
        response = server.call(
            method, f"{prefix}{card['id']}{suffix}", headers=headers, **request_kwargs
        )
        assert response.status_code == 200, response.text
        answers.append(answer(response, card, response.headers.get("etag")))
    assert answers[0] == answers[1]


@pytest.mark.parametrize(
    ("method", "path", "request_kwargs"),
    [
        ("PATCH", "/v1/fine_tuning/models/ft:missing", {"json": {"name": "x"}}),
        ("PATCH", "/v1/fine_tuning/models/mistral-small-2506", {"json": {"name": "x"}}),
        ("POST", "/v1/fine_tuning/models/ft:missing/archive", {}),
        ("DELETE", "/v1/models/ft:missing", {}),
        ("DELETE", "/v1/models/mistral-small-2506", {}),
        ("PATCH", "/v1/fine_tuning/models/ft:missing", {"json": {"name": 5}}),
        ("PATCH", "/v1/fine_tuning/models/ft:missing", {"content": b"[1]"}),
        ("PATCH", "/v1/fine_tuning/models/ft:missing", {"content": b" "}),
        ("PATCH", "/v1/fine_tuning/models/" + "x" * 513, {"json": {}}),
        ("PATCH", "/v1/fine_tuning/models/ft%01x", {"json": {}}),  # a control character
        ("POST", "/v1/fine_tuning/models//archive", {}),
        ("PATCH", "/v1/fine_tuning/models/ft:missing", {"headers": {"If-Match": "x" * 1025}}),
    ],
)
def test_refusals_are_the_routes_own(
    app: Harness, routes_only: Harness, method: str, path: str, request_kwargs: dict[str, Any]
):
    first, second = (
        server.call(method, path, ADMIN_KEY, **request_kwargs) for server in (app, routes_only)
    )
    assert first.status_code >= 400
    assert answer(first, None, None) == answer(second, None, None)


def test_a_stale_etag_is_refused_alike(app: Harness, routes_only: Harness):
    answers = []
    for server in (app, routes_only):
        card = app.register(name="twin")
        stale = app.call("GET", f"/v1/models/{card['id']}").headers["etag"]
        assert app.call("PATCH", f"/v1/fine_tuning/models/{card['id']}", json={"name": "moved"})
        current = app.call("GET", f"/v1/models/{card['id']}").headers["etag"]
        response = server.call(
            "PATCH",
            f"/v1/fine_tuning/models/{card['id']}",
            headers={"If-Match": stale},
            json={"name": "late"},
        )
        assert response.status_code == 412
        answers.append(answer(response, card, current))
    assert answers[0] == answers[1]


class Routes:
    """Stands in for FastAPI: records what the lane passed on."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        self.bodies.append(message.get("body", b""))
        await send({"type": "http.response.start", "status": 599, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def through_lane(app: Harness, method: str, path: str, body: bytes = b"", **headers: str) -> Any:
    services = app.http.app.api.state  # type: ignore[attr-defined]
    routes = Routes()
    lane = ChangeLane(routes, services.models)
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "state": {"principal": services.tenancy.authenticate(ADMIN_KEY), "request_id": "r"},
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(lane(scope, receive, send))
    return sent[0]["status"], routes.bodies


def test_well_formed_changes_are_answered_by_the_lane(app: Harness):
    card = app.register()
    fine_tuned = f"/v1/fine_tuning/models/{card['id']}"
    assert through_lane(app, "PATCH", fine_tuned, b'{"name": "lane"}') == (200, [])
    assert through_lane(app, "POST", f"{fine_tuned}/archive") == (200, [])
    assert through_lane(app, "DELETE", f"{fine_tuned}/archive") == (200, [])
    assert through_lane(app, "PATCH", "/v1/fine_tuning/models/ft:none", b"{}") == (404, [])
    assert through_lane(app, "DELETE", f"/v1/models/{card['id']}") == (200, [])


def test_anything_else_goes_on_to_the_routes_with_its_body(app: Harness):
    path = "/v1/fine_tuning/models/ft:x"
    assert through_lane(app, "PATCH", path, b'{"name": 5}') == (599, [b'{"name": 5}'])
    assert through_lane(app, "PATCH", path, b" ") == (599, [b" "])
    assert through_lane(app, "PATCH", path, b"{}", **{"If-Match": "x" * 1025}) == (599, [b"{}"])
    assert through_lane(app, "GET", path) == (599, [b""])
    assert through_lane(app, "DELETE", path) == (599, [b""])  # no such route: FastAPI's 405
    assert through_lane(app, "POST", "/v1/fine_tuning/models/ft:x/unknown") == (599, [b""])
