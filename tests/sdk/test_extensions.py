"""The extensions' methods over a mock transport: `me`, workspaces, keys, the audit log, the page
iterators, `with_raw_response` (ETags) and the retry rule for creating workspaces and keys."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from modelyard import (
    ApiKey,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyRevoked,
    APITimeoutError,
    AuditEvent,
    AuditEventList,
    BackoffStrategy,
    FTModelCard,
    InternalServerError,
    Me,
    Modelyard,
    PreconditionFailedError,
    RateLimitError,
    RawResponse,
    RetryConfig,
    Workspace,
    WorkspaceList,
)
from modelyard.client._operations import next_after
from modelyard.client._retries import next_delay
from tests.sdk.faults import FakeClock
from tests.sdk.wire import (
    FT_ID,
    base_card,
    envelope,
    ft_card,
    ft_model,
    json_response,
    recording_yard,
    sent_json,
)

FAST = RetryConfig("backoff", BackoffStrategy(100, 400, 2.0, 1_000), retry_connection_errors=True)

ME = {
    "object": "api_key",
    "id": "key_1",
    "name": "ci",
    "scope": "admin",
    "workspace_id": "ws_1",
    "organization_id": "org_1",
}
WORKSPACE = {"object": "workspace", "id": "ws_2", "name": "team-a", "tag": "0a1b2c3d", "created": 7}
KEY = {
    "object": "api_key",
    "id": "key_2",
    "name": None,
    "scope": "read",
    "workspace_id": "ws_2",
    "created": 8,
    "last_used_at": None,
}
SECRET = "myd_" + "s" * 40


def event(event_id: int, action: str = "model.updated") -> dict[str, Any]:
    return {
        "object": "audit.event",
        "id": event_id,
        "created": 1_750_000_000 + event_id,
        "action": action,
        "actor_key_id": "key_1",
        "workspace_id": "ws_1",
        "model_id": FT_ID,
        "before": ft_card(name="old"),
        "after": ft_card(name="new"),
        "request_id": f"req-{event_id}",
    }


def answer_for(request: httpx.Request) -> httpx.Response:
    path, method = request.url.path, request.method
    if path == "/v1/me":
        return json_response(200, ME)
    if path == "/v1/workspaces":
        if method == "POST":
            return json_response(201, WORKSPACE)
        return json_response(200, {"object": "list", "data": [WORKSPACE]})
    if path == "/v1/api_keys":
        if method == "POST":
            return json_response(201, KEY | {"key": SECRET})
        return json_response(200, {"object": "list", "data": [KEY]})
    if path.startswith("/v1/api_keys/"):
        return json_response(200, {"object": "api_key", "id": "key_2", "revoked": True})
    if path == "/v1/models":
        return json_response(200, {"object": "list", "data": [base_card()], "has_more": False})
    if path == "/v1/audit/events":
        body = {"object": "list", "data": [event(1), event(2)], "has_more": False, "last_id": 2}
        return json_response(200, body)
    raise AssertionError(f"unexpected {method} {path}")


# --- requests --------------------------------------------------------------------------------

Operation = Callable[..., Any]  # (yard, **per-call options)

REQUESTS: list[tuple[str, Operation, str, str, dict[str, str], Any]] = [
    ("me", lambda y, **o: y.me(**o), "GET", "/v1/me", {}, None),
    (
        "workspaces.create",
        lambda y, **o: y.workspaces.create(name="team-a", **o),
        "POST",
        "/v1/workspaces",
        {},
        {"name": "team-a"},
    ),
    ("workspaces.list", lambda y, **o: y.workspaces.list(**o), "GET", "/v1/workspaces", {}, None),
    (
        "keys.create",
        lambda y, **o: y.keys.create(workspace="team-a", scope="read", **o),
        "POST",
        "/v1/api_keys",
        {},
        {"workspace": "team-a", "scope": "read"},
    ),
    (
        "keys.create named",
        lambda y, **o: y.keys.create(workspace="ws_2", scope="admin", name="ci", **o),
        "POST",
        "/v1/api_keys",
        {},
        {"workspace": "ws_2", "scope": "admin", "name": "ci"},
    ),
    ("keys.list", lambda y, **o: y.keys.list(**o), "GET", "/v1/api_keys", {}, None),
    (
        "keys.revoke",
        lambda y, **o: y.keys.revoke(key_id="key_2", **o),
        "DELETE",
        "/v1/api_keys/key_2",
        {},
        None,
    ),
    ("audit.list", lambda y, **o: y.audit.list(**o), "GET", "/v1/audit/events", {}, None),
    (
        "audit.list filtered",
        lambda y, **o: y.audit.list(
            after=41, limit=10, model_id=FT_ID, action="model.archived", **o
        ),
        "GET",
        "/v1/audit/events",
        {"after": "41", "limit": "10", "model_id": FT_ID, "action": "model.archived"},
        None,
    ),
    (
        "audit.list after 0",
        lambda y, **o: y.audit.list(after=0, **o),
        "GET",
        "/v1/audit/events",
        {"after": "0"},
        None,
    ),
]


@pytest.mark.parametrize(
    ("operation", "method", "path", "params", "body"),
    [entry[1:] for entry in REQUESTS],
    ids=[entry[0] for entry in REQUESTS],
)
def test_each_extension_sends_the_contracts_method_path_query_and_body(
    operation: Operation, method: str, path: str, params: dict[str, str], body: Any
) -> None:
    yard, seen = recording_yard(answer_for)
    with yard:
        operation(yard)
    (request,) = seen
    assert (request.method, request.url.raw_path.split(b"?")[0].decode()) == (method, path)
    assert dict(request.url.params) == params
    if body is None:
        assert request.content == b""
        assert "content-type" not in request.headers
    else:
        assert sent_json(request) == body
        assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == "Bearer test-key"


def test_a_key_id_is_one_encoded_path_segment_and_an_empty_one_is_refused() -> None:
    yard, seen = recording_yard(answer_for)
    with yard:
        yard.keys.revoke(key_id="a/b c")
        with pytest.raises(ValueError, match="key_id"):
            yard.keys.revoke(key_id="")
    assert [request.url.raw_path for request in seen] == [b"/v1/api_keys/a%2Fb%20c"]


ITERATORS: list[tuple[str, Operation]] = [
    ("models.iter", lambda y, **o: list(y.models.iter(**o))),
    ("audit.iter", lambda y, **o: list(y.audit.iter(**o))),
]


@pytest.mark.parametrize(
    "operation",
    [entry[1] for entry in REQUESTS + ITERATORS],
    ids=[entry[0] for entry in REQUESTS + ITERATORS],
)
def test_per_call_options_apply_to_every_extension(operation: Operation) -> None:
    yard, seen = recording_yard(answer_for)
    with yard:
        operation(
            yard,
            server_url="http://other.test/",
            http_headers={"X-Trace": "t1"},
            timeout_ms=1500,
            retries=None,
        )
    (request,) = seen
    assert str(request.url).startswith("http://other.test/v1/")
    assert request.headers["x-trace"] == "t1"
    assert request.extensions["timeout"] == httpx.Timeout(1.5).as_dict()


# --- responses -------------------------------------------------------------------------------


def test_each_extension_returns_its_wire_type() -> None:
    yard, _ = recording_yard(answer_for)
    with yard:
        me = yard.me()
        created_workspace = yard.workspaces.create(name="team-a")
        workspaces = yard.workspaces.list()
        created_key = yard.keys.create(workspace="team-a", scope="read")
        keys = yard.keys.list()
        revoked = yard.keys.revoke(key_id="key_2")
        events = yard.audit.list()
    assert me == Me(**ME)
    assert created_workspace == Workspace(**WORKSPACE)
    assert workspaces == WorkspaceList(data=[Workspace(**WORKSPACE)])
    assert isinstance(created_key, ApiKeyCreated)
    assert (created_key.key, created_key.scope) == (SECRET, "read")
    assert isinstance(keys, ApiKeyList)
    assert type(keys.data[0]) is ApiKey
    assert not hasattr(keys.data[0], "key")
    assert revoked == ApiKeyRevoked(id="key_2", revoked=True)
    assert isinstance(events, AuditEventList)
    assert [(e.id, e.action) for e in events.data] == [(1, "model.updated"), (2, "model.updated")]
    assert isinstance(events.data[0], AuditEvent)
    assert events.data[0].before is not None
    assert events.data[0].before["name"] == "old"
    assert (events.has_more, events.last_id) == (False, 2)


def test_async_twins_send_the_same_requests_and_return_the_same_results() -> None:
    operations: list[tuple[str, str, dict[str, Any]]] = [
        ("", "me", {}),
        ("workspaces", "create", {"name": "team-a"}),
        ("workspaces", "list", {}),
        ("keys", "create", {"workspace": "team-a", "scope": "read", "name": "ci"}),
        ("keys", "list", {}),
        ("keys", "revoke", {"key_id": "key_2"}),
        ("audit", "list", {"after": 3, "limit": 2, "action": "model.deleted"}),
    ]
    sync_yard, sync_seen = recording_yard(answer_for)
    with sync_yard:
        sync_results = [
            getattr(getattr(sync_yard, where) if where else sync_yard, name)(**kwargs)
            for where, name, kwargs in operations
        ]
    async_yard, async_seen = recording_yard(answer_for)

    async def run() -> list[Any]:
        async with async_yard:
            return [
                await getattr(getattr(async_yard, where) if where else async_yard, f"{name}_async")(
                    **kwargs
                )
                for where, name, kwargs in operations
            ]

    assert asyncio.run(run()) == sync_results

    def shape(request: httpx.Request) -> tuple[object, ...]:
        return request.method, str(request.url), dict(request.headers), request.content

    assert [shape(r) for r in async_seen] == [shape(r) for r in sync_seen]


# --- the page iterators ----------------------------------------------------------------------


def paged_models(pages: dict[str | None, dict[str, Any]]) -> Callable[[httpx.Request], Any]:
    def answer(request: httpx.Request) -> httpx.Response:
        return json_response(200, pages[request.url.params.get("after")])

    return answer


MODEL_PAGES: dict[str | None, dict[str, Any]] = {
    None: {
        "object": "list",
        "data": [base_card(id="a"), base_card(id="b")],
        "has_more": True,
        "last_id": "b",
    },
    "b": {
        "object": "list",
        "data": [base_card(id="c"), ft_card(id="d")],
        "has_more": True,
        "last_id": "d",
    },
    "d": {"object": "list", "data": [base_card(id="e")], "has_more": False, "last_id": "e"},
}


def test_models_iter_walks_every_page_and_forwards_the_filters() -> None:
    yard, seen = recording_yard(paged_models(MODEL_PAGES))
    with yard:
        cards = list(yard.models.iter(limit=2, q="x", archived=False))
    assert [card.id for card in cards] == ["a", "b", "c", "d", "e"]
    assert isinstance(cards[3], FTModelCard)
    assert [dict(request.url.params) for request in seen] == [
        {"q": "x", "archived": "false", "limit": "2"},
        {"q": "x", "archived": "false", "limit": "2", "after": "b"},
        {"q": "x", "archived": "false", "limit": "2", "after": "d"},
    ]


def test_models_iter_pages_by_100_by_default_and_sends_nothing_until_iterated() -> None:
    yard, seen = recording_yard(paged_models(MODEL_PAGES))
    with yard:
        cards = yard.models.iter(after="b")
        assert seen == []
        assert next(cards).id == "c"
    assert dict(seen[0].url.params) == {"limit": "100", "after": "b"}


def test_models_iter_async_yields_the_same_cards_from_the_same_requests() -> None:
    sync_yard, sync_seen = recording_yard(paged_models(MODEL_PAGES))
    with sync_yard:
        sync_cards = list(sync_yard.models.iter(limit=2, type="base"))
    async_yard, async_seen = recording_yard(paged_models(MODEL_PAGES))

    async def run() -> list[Any]:
        async with async_yard:
            return [card async for card in async_yard.models.iter_async(limit=2, type="base")]

    assert asyncio.run(run()) == sync_cards
    assert [str(r.url) for r in async_seen] == [str(r.url) for r in sync_seen]


@pytest.mark.parametrize(
    "page",
    [
        {"object": "list", "data": [base_card()]},  # a server that does not page
        {"object": "list", "data": [], "has_more": True, "last_id": None},
        {"object": "list", "data": [base_card(id="z")], "has_more": True, "last_id": "start"},
    ],
    ids=["no has_more", "no last_id", "no progress"],
)
def test_models_iter_stops_on_a_page_that_cannot_lead_anywhere(page: dict[str, Any]) -> None:
    yard, seen = recording_yard(lambda request: json_response(200, page))
    with yard:
        list(yard.models.iter(after="start"))
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("has_more", "last_id", "after", "expected"),
    [
        (True, "b", None, "b"),
        (True, "c", "b", "c"),
        (False, "c", "b", None),
        (None, "c", None, None),
        (True, None, "b", None),
        (True, "b", "b", None),
        (True, 5, 2, 5),
        (True, 0, None, 0),
    ],
)
def test_next_after(has_more: bool | None, last_id: Any, after: Any, expected: Any) -> None:
    assert next_after(has_more, last_id, after) == expected


def audit_pages(request: httpx.Request) -> httpx.Response:
    after = int(request.url.params.get("after", "0"))
    limit = int(request.url.params["limit"])
    ids = [i for i in range(1, 8) if i > after][:limit]
    body = {
        "object": "list",
        "data": [event(i) for i in ids],
        "has_more": bool(ids) and ids[-1] < 7,
        "last_id": ids[-1] if ids else None,
    }
    return json_response(200, body)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_audit_iter_follows_last_id_from_the_cursor_to_the_newest_event(mode: str) -> None:
    yard, seen = recording_yard(audit_pages)
    options: dict[str, Any] = {"after": 2, "limit": 2, "action": "model.updated"}
    if mode == "sync":
        with yard:
            events = list(yard.audit.iter(**options))
    else:

        async def run() -> list[AuditEvent]:
            async with yard:
                return [e async for e in yard.audit.iter_async(**options)]

        events = asyncio.run(run())
    assert [e.id for e in events] == [3, 4, 5, 6, 7]
    assert [request.url.params.get("after") for request in seen] == ["2", "4", "6"]
    assert {request.url.params["action"] for request in seen} == {"model.updated"}


def test_audit_iter_defaults_to_pages_of_100_from_the_start() -> None:
    yard, seen = recording_yard(audit_pages)
    with yard:
        assert [e.id for e in yard.audit.iter()] == list(range(1, 8))
    assert [dict(request.url.params) for request in seen] == [{"limit": "100"}]


# --- with_raw_response: the ETag and the other headers ----------------------------------------


def etagged(request: httpx.Request) -> httpx.Response:
    headers = {"ETag": '"v3"', "x-request-id": "req-9"}
    if request.method == "PATCH":
        return json_response(200, ft_model(), {**headers, "ETag": '"v4"'})
    if request.url.path.endswith("/archive"):
        body = {"id": FT_ID, "object": "model", "archived": request.method == "POST"}
        return json_response(200, body, headers)
    if request.url.path == "/v1/fine_tuning/models":
        return json_response(201, ft_card(), headers)
    return json_response(200, ft_card(), headers)


def test_with_raw_response_gives_the_etag_headers_and_the_parsed_result() -> None:
    yard, _ = recording_yard(etagged)
    with yard:
        raw = yard.models.with_raw_response.retrieve(model_id=FT_ID)
        plain = yard.models.retrieve(model_id=FT_ID)
        updated = yard.models.with_raw_response.update(model_id=FT_ID, name="n", if_match=raw.etag)
        archived = yard.models.with_raw_response.archive(model_id=FT_ID)
        unarchived = yard.models.with_raw_response.unarchive(model_id=FT_ID)
        registered = yard.models.with_raw_response.register(root="open-mistral-7b")
    assert isinstance(raw, RawResponse)
    assert raw.parse() == plain  # the plain result is untouched: same type, same equality
    assert type(raw.parse()) is FTModelCard
    assert (raw.etag, raw.request_id, raw.status_code) == ('"v3"', "req-9", 200)
    assert raw.headers["etag"] == '"v3"'
    assert updated.http_response.request.headers["if-match"] == '"v3"'
    assert updated.etag == '"v4"'
    assert archived.parse().archived is True
    assert unarchived.parse().archived is False
    assert (registered.status_code, registered.etag) == (201, '"v3"')


def test_with_raw_response_async_matches_sync_and_concurrent_calls_keep_their_own_response() -> (
    None
):
    def answer(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        return json_response(200, ft_card(id=name), {"ETag": f'"{name}"'})

    yard, _ = recording_yard(answer)

    async def run() -> list[RawResponse[Any]]:
        async with yard:
            calls = [
                yard.models.with_raw_response.retrieve_async(model_id=f"m{i}") for i in range(20)
            ]
            return list(await asyncio.gather(*calls))

    results = asyncio.run(run())
    assert [(r.etag, r.parse().id) for r in results] == [(f'"m{i}"', f"m{i}") for i in range(20)]


def test_a_base_model_has_no_etag_and_an_error_still_raises() -> None:
    answers = iter(
        [
            json_response(200, base_card()),
            json_response(412, envelope("precondition_failed"), {"ETag": '"v5"'}),
        ]
    )
    yard, _ = recording_yard(lambda request: next(answers))
    with yard:
        assert yard.models.with_raw_response.retrieve(model_id="mistral-small-2506").etag is None
        with pytest.raises(PreconditionFailedError) as caught:
            yard.models.with_raw_response.update(model_id=FT_ID, name="x", if_match='"v1"')
    assert caught.value.code == "precondition_failed"


def test_the_other_resources_have_raw_views_too() -> None:
    yard, _ = recording_yard(
        lambda request: json_response(200, answer_for(request).json(), {"x-request-id": "r1"})
    )
    with yard:
        key = yard.keys.with_raw_response.create(workspace="w", scope="read")
        workspaces = yard.workspaces.with_raw_response.list()
        events = yard.audit.with_raw_response.list(limit=1)
        again = yard.keys.list()  # a plain call after a raw one: still a plain result
    assert key.parse().key == SECRET
    assert workspaces.request_id == events.request_id == "r1"
    assert isinstance(again, ApiKeyList)


# --- retries: creating a workspace or a key is never carried out twice -------------------------


def counting_yard(
    failure: Callable[[httpx.Request], httpx.Response],
) -> tuple[Modelyard, list[httpx.Request], FakeClock]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return failure(request)
        return answer_for(request)

    clock = FakeClock()
    transport = httpx.MockTransport(handler)
    yard = Modelyard(
        api_key="k",
        server_url="http://yard.test",
        client=httpx.Client(transport=transport),
        async_client=httpx.AsyncClient(transport=transport),
        retries=FAST,
        retry_clock=clock.retry_clock(),
    )
    return yard, seen, clock


def server_error(request: httpx.Request) -> httpx.Response:
    return json_response(503, envelope("internal_error"))


def read_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("no answer", request=request)


def rate_limited(request: httpx.Request) -> httpx.Response:
    return json_response(429, envelope("rate_limited"), {"Retry-After": "1"})


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


CREATES: list[tuple[str, Operation]] = [
    ("workspaces.create", lambda y, **o: y.workspaces.create(name="team-a", **o)),
    ("keys.create", lambda y, **o: y.keys.create(workspace="team-a", scope="read", **o)),
]


@pytest.mark.parametrize(
    ("failure", "raised"),
    [(server_error, InternalServerError), (read_timeout, APITimeoutError)],
    ids=["503", "read timeout"],
)
@pytest.mark.parametrize(
    "operation", [entry[1] for entry in CREATES], ids=[entry[0] for entry in CREATES]
)
def test_a_create_the_server_may_have_carried_out_is_not_retried(
    operation: Operation, failure: Callable[[httpx.Request], httpx.Response], raised: type
) -> None:
    yard, seen, clock = counting_yard(failure)
    with yard, pytest.raises(raised):
        operation(yard)
    assert len(seen) == 1
    assert clock.waits == []


@pytest.mark.parametrize(
    "failure", [rate_limited, refused], ids=["429 (before any route)", "connection refused"]
)
@pytest.mark.parametrize(
    "operation", [entry[1] for entry in CREATES], ids=[entry[0] for entry in CREATES]
)
def test_a_create_the_server_certainly_did_not_carry_out_is_retried(
    operation: Operation, failure: Callable[[httpx.Request], httpx.Response]
) -> None:
    yard, seen, _ = counting_yard(failure)
    with yard:
        operation(yard)
    assert len(seen) == 2


@pytest.mark.parametrize("failure", [server_error, read_timeout], ids=["503", "read timeout"])
def test_idempotent_extensions_are_retried_as_usual(
    failure: Callable[[httpx.Request], httpx.Response],
) -> None:
    for operation in (
        lambda y, **o: y.me(**o),
        lambda y, **o: y.keys.revoke(key_id="key_2", **o),
        lambda y: list(y.audit.iter()),
    ):
        yard, seen, _ = counting_yard(failure)
        with yard:
            operation(yard)
        assert len(seen) == 2


def test_a_create_that_was_never_retried_still_raises_the_rate_limit_when_out_of_budget() -> None:
    yard, seen, _ = counting_yard(
        lambda request: json_response(429, envelope("rate_limited"), {"Retry-After": "60"})
    )
    with yard, pytest.raises(RateLimitError):
        yard.keys.create(workspace="w", scope="read")
    assert len(seen) == 1


def test_next_delay_refuses_only_uncertain_outcomes_of_a_non_idempotent_call() -> None:
    def delay(**outcome: Any) -> float | None:
        return next_delay(FAST, attempt=1, elapsed=0, now=0, chance=0, idempotent=False, **outcome)

    request = httpx.Request("POST", "http://yard.test/v1/api_keys")
    assert delay(status=500) is None
    assert delay(status=502) is None
    assert delay(failure=httpx.ReadTimeout("t", request=request)) is None
    assert delay(failure=httpx.RemoteProtocolError("closed", request=request)) is None
    assert delay(status=429) == pytest.approx(0.1)
    assert delay(failure=httpx.ConnectError("refused", request=request)) == pytest.approx(0.1)
    assert delay(failure=httpx.ConnectTimeout("slow", request=request)) == pytest.approx(0.1)
