"""Growth: does Modelyard stay fast as the store grows from 1,000 to 1,000,000 fine-tuned models?

    .venv/bin/python bench/growth.py [--total 1000000] [--database-url URL]

Measures, at 1,000 models and again after bulk-loading up to `--total` (spread over many
workspaces): the p50 of an uncached retrieve through the registry service (the store lookup the
HTTP cache sits in front of), the p50 of `GET /v1/models/{id}` through a real server under wrk,
the list time of workspaces of 100 / 1,000 / 10,000 models, and the server's RSS after warm-up.
Appends its table to bench/RESULTS.md unless --no-write.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import KEY, OUT, modelyard, wrk
from modelyard.registry.identity import Principal
from modelyard.registry.listing import ListQuery
from modelyard.registry.models import ModelService
from modelyard.server.startup import prepare
from modelyard.settings import Settings
from modelyard.store.engine import Store
from modelyard.store.tables import fine_tuned_models, workspaces

SIZES = (100, 1000, 10_000)


def bulk_load(store: Store, organization: str, count: int, start: int, per_workspace: int) -> None:
    """Rows written straight into the tables (the benchmark's seeding, not an API path)."""
    with store.engine.begin() as conn:
        made = 0
        while made < count:
            batch = min(per_workspace, count - made)
            workspace = f"bench-ws-{start + made}"
            conn.execute(
                sa.insert(workspaces).values(
                    id=workspace,
                    organization_id=organization,
                    name=workspace,
                    tag=f"{(start + made) % 16**8:08x}",
                    created=0,
                )
            )
            conn.execute(
                sa.insert(fine_tuned_models),
                [_row(workspace, start + made + i) for i in range(batch)],
            )
            made += batch


def _row(workspace: str, index: int) -> dict[str, object]:
    return {
        "id": f"ft:mistral-small-2506:{workspace}:20261125:{index:08x}",
        "workspace_id": workspace, "job": str(uuid.uuid4()), "root": "mistral-small-2506",
        "model_type": "completion", "name": f"m{index}", "description": None,
        "capabilities": {"completion_chat": True}, "max_context_length": 131072,
        "classifier_targets": None, "archived": False, "created": 1764000000 + index,
        "version": 1, "deleted_at": None, "registration_digest": "bench",
    }  # fmt: skip


def principal(store: Store, workspace: str) -> Principal:
    with store.read() as tx:
        organization = tx.conn.scalar(
            sa.select(workspaces.c.organization_id).where(workspaces.c.id == workspace)
        )
    return Principal("bench", None, "admin", workspace, str(organization))


def service_p50_us(store: Store, workspace: str, ids: list[str]) -> float:
    service, who = ModelService(), principal(store, workspace)
    samples = []
    for model_id in ids:
        started = time.perf_counter()
        with store.read() as tx:
            service.retrieve(tx, who, model_id)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


def list_ms(store: Store, workspace: str) -> float:
    service, who = ModelService(), principal(store, workspace)
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        with store.read() as tx:
            service.list(tx, who, ListQuery(type="fine-tuned"))
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def workspace_exists(store: Store, workspace: str) -> bool:
    with store.read() as tx:
        query = sa.select(workspaces.c.id).where(workspaces.c.id == workspace)
        return tx.conn.scalar(query) is not None


def add_sized_workspace(store: Store, organization: str, size: int) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            sa.insert(workspaces).values(
                id=f"bench-size-{size}",
                organization_id=organization,
                name=f"size-{size}",
                tag=f"{size:08x}"[-8:],
                created=0,
            )
        )
        rows = [_row(f"bench-size-{size}", 10**8 + size * 10 + i) for i in range(size)]
        conn.execute(sa.insert(fine_tuned_models), rows)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure(url: str, store: Store, seconds: int, workspace: str) -> dict[str, float]:
    with store.read() as tx:
        query = sa.select(fine_tuned_models.c.id).where(
            fine_tuned_models.c.workspace_id == workspace
        )
        ids = list(tx.conn.scalars(query))
    result = {"service_retrieve_p50_us": service_p50_us(store, workspace, ids)}
    for size in SIZES:
        if workspace_exists(store, f"bench-size-{size}"):
            result[f"list_{size}_ms"] = list_ms(store, f"bench-size-{size}")
    with modelyard(url) as server:
        target = f"{server.url}/v1/models/{random.choice(ids)}"
        wrk("warm-up", target, seconds=2, connections=32)
        load = wrk("retrieve", target, seconds=seconds, connections=32)
        result["http_retrieve_p50_ms"] = load.p50_ms
        result["http_retrieve_rps"] = load.rps
        result["rss_mib"] = rss_kib(server.process.pid) / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{OUT / 'growth.db'}"
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    os.environ["MODELYARD_ADMIN_KEY"] = KEY
    prepare(Settings(database_url=url))
    store = Store.from_url(url)
    with store.read() as tx:
        default = tx.conn.execute(sa.select(workspaces)).first()
    assert default is not None
    organization = str(default.organization_id)
    started = time.perf_counter()
    # At 1,000: 900 probe models in the admin key's workspace (so HTTP retrieve sees them) and
    # a workspace of 100. Then the workspaces of 1,000 and 10,000 and the bulk, up to --total.
    with store.engine.begin() as conn:
        conn.execute(sa.insert(fine_tuned_models), [_row(default.id, i) for i in range(900)])
    add_sized_workspace(store, organization, 100)
    small = measure(url, store, args.seconds, default.id)
    total_small = 1000
    for size in SIZES[1:]:
        add_sized_workspace(store, organization, size)
    bulk_load(store, organization, args.total - total_small - sum(SIZES[1:]), 10**7, 1000)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    if store.dialect == "sqlite":
        # The bulk load left ~1 GB in the WAL: every page read would consult its index until a
        # checkpoint copies it into the database file, as SQLite does on its own once the load
        # is over. Measure that steady state, not the minutes after the load.
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    loaded = time.perf_counter() - started
    large = measure(url, store, args.seconds, default.id)
    store.dispose()
    lines = [
        "",
        f"## Growth: {total_small:,} -> {args.total:,} fine-tuned models ({store.dialect})",
        "",
        f"`python bench/growth.py --total {args.total}`; seeding took {loaded:.0f} s.",
        "",
        f"| measure | at {total_small:,} | at {args.total:,} | ratio |",
        "|---|---|---|---|",
    ]
    for key, value in large.items():
        before = small.get(key)
        ratio = f"{value / before:.2f}x" if before else "-"
        shown = f"{before:,.2f}" if before is not None else "-"
        lines.append(f"| {key} | {shown} | {value:,.2f} | {ratio} |")
    text = "\n".join(lines) + "\n"
    print(text)
    print(json.dumps({"small": small, "large": large}))
    if not args.no_write:
        with (Path(__file__).parent / "RESULTS.md").open("a") as results:
            results.write(text)


if __name__ == "__main__":
    main()
