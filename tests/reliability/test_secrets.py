"""Keys exist in the store only as SHA-256 hashes, and no key or Authorization value is logged.

Two real server processes per dialect on one database: `modelyard serve` as shipped, with
MODELYARD_LOG_FORMAT=json (its level is fixed at INFO), then the same app with every logger at
uvicorn's TRACE and SQLAlchemy's statement and parameter logging on (`verbose_server.py`). Both
get valid, revoked, unknown and malformed credentials, on success and error paths; then their
logs and every table (and, on SQLite, the database files' raw bytes) are searched for each.
"""

from __future__ import annotations

import base64
import hashlib
import sys
import uuid
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from modelyard.registry.ids import new_key_secret
from tests.support.databases import DIALECTS, fresh_database
from tests.support.server import LiveServer, run_server

VERBOSE_SERVER = Path(__file__).with_name("verbose_server.py")


def verbose_server(
    database_url: str, workdir: Path, admin_key: str
) -> AbstractContextManager[LiveServer]:
    """The same app with every logger at TRACE (`verbose_server.py`), JSON log format."""
    return run_server(
        database_url,
        workdir,
        admin_key=admin_key,
        extra_env={"MODELYARD_LOG_FORMAT": "json"},
        command=lambda port: [sys.executable, str(VERBOSE_SERVER), str(port)],
    )


def exercise(server: LiveServer) -> tuple[list[str], list[str]]:
    """Call with every kind of credential, on success and error paths.

    Returns the keys the store issued (or was given) and every credential sent, failing or not.
    """
    admin = server.admin_key
    secrets_used = [admin]

    def call(method: str, path: str, authorization: str | None, **kwargs) -> httpx.Response:
        headers = {"Authorization": authorization} if authorization else {}
        if authorization:
            secrets_used.append(authorization)
        return httpx.request(method, server.base_url + path, headers=headers, timeout=30, **kwargs)

    workspace = call("POST", "/v1/workspaces", f"Bearer {admin}", json={"name": uuid.uuid4().hex})
    created = {}
    for scope in ("read", "write", "admin"):
        response = call(
            "POST", "/v1/api_keys", f"Bearer {admin}",
            json={"workspace": workspace.json()["id"], "scope": scope, "name": f"{scope}-key"},
        )  # fmt: skip
        created[scope] = response.json()
        secrets_used.append(response.json()["key"])
    read, write = created["read"]["key"], created["write"]["key"]
    model = call(
        "POST", "/v1/fine_tuning/models", f"Bearer {write}", json={"root": "mistral-small-2506"}
    )
    model_id = model.json()["id"]
    statuses = [
        call("GET", "/v1/models", f"Bearer {read}").status_code,
        call("GET", "/v1/me", f"Bearer {created['admin']['key']}").status_code,
        call(
            "PATCH", f"/v1/fine_tuning/models/{model_id}", f"Bearer {write}", json={"name": 1}
        ).status_code,
        call("PATCH", f"/v1/fine_tuning/models/{model_id}", f"Bearer {read}", json={}).status_code,
        call("DELETE", "/v1/models/nope", f"Bearer {write}").status_code,
        call("PUT", "/v1/models", f"Bearer {write}").status_code,
        call("GET", "/v1/nothing-here", f"Bearer {write}").status_code,
        call(
            "POST", "/v1/fine_tuning/models", f"Bearer {write}", content=b"x" * (2 << 20)
        ).status_code,
        call("GET", "/v1/models", f"Bearer {write}", params={"q": "x" * 9000}).status_code,
        call("GET", "/healthz", f"Bearer {write}").status_code,
        call("GET", "/metrics", f"Bearer {write}").status_code,
        # A request that faults inside the server today (test_hostile_input's audit-cursor bug):
        # the traceback it logs must not carry the caller's key either.
        call("GET", "/v1/audit/events", f"Bearer {admin}", params={"after": 2**63}).status_code,
    ]
    assert {200, 403, 413, 414, 422} <= set(statuses)
    call("DELETE", f"/v1/api_keys/{created['read']['id']}", f"Bearer {admin}")
    unknown = new_key_secret()
    secrets_used.append(unknown)
    refused = [
        call("GET", "/v1/models", f"Bearer {read}"),  # revoked
        call("GET", "/v1/models", f"Bearer {unknown}"),
        call("GET", "/v1/models", "Basic " + base64.b64encode(f"user:{write}".encode()).decode()),
        call("GET", "/v1/models", f"bearer {unknown}x"),
        call("GET", "/v1/models", f"Token {unknown}y"),
        call("GET", "/v1/models", f"Bearer {unknown}z " + "k" * 300),
        call("GET", "/v1/models", f"Bearer {unknown[:-1]}"),
    ]
    assert {response.status_code for response in refused} == {401}
    return [admin, *(key["key"] for key in created.values())], secrets_used


def raw_store_bytes(database_url: str) -> bytes:
    """The SQLite database's files as they are on disk (main, WAL and shared-memory index)."""
    path = Path(sa.make_url(database_url).database or "")
    return b"".join(
        candidate.read_bytes()
        for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
        if candidate.exists()
    )


def every_row(database_url: str) -> str:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            return repr(
                {table: conn.execute(sa.text(f'SELECT * FROM "{table}"')).all() for table in tables}
            )
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("dialect", DIALECTS)
def test_keys_are_stored_only_as_hashes_and_never_logged(dialect: str, tmp_path: Path):
    with fresh_database(dialect, tmp_path) as url:
        with run_server(url, tmp_path, extra_env={"MODELYARD_LOG_FORMAT": "json"}) as server:
            issued, sent = exercise(server)
            shipped_log = server.log_path
        with verbose_server(url, tmp_path, server.admin_key) as server:
            more_issued, more_sent = exercise(server)
            verbose_log = server.log_path
        issued, sent = set(issued + more_issued), sent + more_sent
        credentials = {value for value in sent} | {value.split(" ", 1)[-1] for value in sent}

        rows = every_row(url)
        assert not [key for key in credentials if key in rows], "a key is stored in clear"
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            stored = set(conn.execute(sa.text("SELECT key_hash FROM api_keys")).scalars())
        engine.dispose()
        assert {hashlib.sha256(key.encode()).hexdigest() for key in issued} <= stored
        if dialect == "sqlite":
            raw = raw_store_bytes(url)
            assert not [key for key in credentials if key.encode() in raw], "a key is on disk"

    for log_path, proof in [(shipped_log, "modelyard.access"), (verbose_log, "sqlalchemy.engine")]:
        text = log_path.read_text(errors="replace")
        assert proof in text, f"{log_path.name} has no {proof} lines: nothing was checked"
        leaked = [value for value in credentials if value in text]
        assert not leaked, f"{log_path.name} logged a credential"
