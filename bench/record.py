"""The model record at scale: the label filter and retrieve by alias, against retrieve by id.

    .venv/bin/python bench/record.py [--models 100000] [--seconds 5] [--rounds 3] [--results FILE]

On each dialect: a store whose admin workspace holds `--models` fine-tuned models, 50 of them
labelled `team=x` (every other one `team=<one of 97 other teams>`), and one model with an alias.
Then, under wrk (8 connections, one worker), the three rows in turn, `--rounds` times; each row's
figure is the median of its rounds:

- `GET /v1/models?label=team=x&limit=100` against `GET /v1/models/{id}`: p50 within 3x (issue
  12). Measured with the read cache off (`MODELYARD_READ_CACHE_BYTES=0`), so every request runs
  its query: the label filter must read an index, never scan the 100,000 models. With the cache
  on (as deployed), repeated requests are answered from memory and both are far faster.
- `GET /v1/models/{alias}` against `GET /v1/models/{id}`: within 1.1x, with the cache off and on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import KEY, OUT, Load, fresh_postgres, modelyard, wrk
from modelyard.server.startup import prepare
from modelyard.settings import Settings
from modelyard.store.engine import Store
from modelyard.store.tables import fine_tuned_models, model_labels, workspaces

LABELLED = 50
CONNECTIONS = 8


def seed(database_url: str, count: int) -> None:
    """Migrate, sync the test catalog, create the admin key; then bulk-load the models."""
    settings = Settings(database_url=database_url, admin_key=KEY)
    prepare(settings)
    store = Store.from_url(database_url)
    try:
        with store.read() as tx:
            workspace = tx.conn.scalar(sa.select(workspaces.c.id))
        every = count // LABELLED
        with store.engine.begin() as conn:
            for start in range(0, count, 10_000):
                rows, labels = [], []
                for index in range(start, min(count, start + 10_000)):
                    team = "x" if index % every == 0 else f"t{index % 97}"
                    model_id = f"ft:mistral-small-2603:bench000:20261201:{index:08x}"
                    rows.append(
                        {
                            "id": model_id, "workspace_id": workspace, "job": str(uuid.uuid4()),
                            "root": "mistral-small-2603", "model_type": "completion",
                            "name": f"m{index}", "description": None,
                            "capabilities": {"completion_chat": True},
                            "max_context_length": 131072, "classifier_targets": None,
                            "archived": False, "created": 1764000000 + index, "version": 1,
                            "deleted_at": None, "registration_digest": "bench",
                            "labels": {"team": team}, "artifact": None, "aliases": [],
                        }
                    )  # fmt: skip
                    labels.append(
                        {"model_id": model_id, "workspace_id": workspace, "key": "team",
                         "value": team}
                    )  # fmt: skip
                conn.execute(sa.insert(fine_tuned_models), rows)
                conn.execute(sa.insert(model_labels), labels)
            conn.exec_driver_sql("ANALYZE")
        if store.dialect.name == "sqlite":
            with store.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.dispose()


def measure(
    label: str, database_url: str, models: int, seconds: int, rounds: int
) -> list[tuple[str, Load]]:
    seed(database_url, models)
    rows: list[tuple[str, Load]] = []
    for cache in ("off", "on"):
        env = {"MODELYARD_READ_CACHE_BYTES": "0"} if cache == "off" else {}
        with modelyard(database_url, extra_env=env) as server:
            headers = {"Authorization": f"Bearer {KEY}"}
            with httpx.Client(base_url=server.url, headers=headers) as http:
                target = http.post(
                    "/v1/fine_tuning/models", json={"root": "mistral-small-latest", "suffix": "t"}
                ).json()["id"]
                if cache == "off":
                    answer = http.put("/v1/aliases/bench-prod", json={"model": target})
                    assert answer.status_code == 200, answer.text
                found = http.get("/v1/models", params={"label": "team=x", "limit": 100}).json()
                assert len(found["data"]) == LABELLED, len(found["data"])

            paths = {
                "retrieve by id": f"/v1/models/{target}",
                "retrieve by alias": "/v1/models/bench-prod",
                "label=team=x&limit=100": "/v1/models?label=team=x&limit=100",
            }
            # Interleaved rounds, each row's median: the machine's load drifts, and the targets
            # are ratios between rows, so the rows share each round's conditions.
            runs: dict[str, list[Load]] = {name: [] for name in paths}
            for _ in range(rounds):
                for name, path in paths.items():
                    runs[name].append(
                        wrk(name, server.url + path, seconds=seconds, connections=CONNECTIONS)
                    )
            for name, results in runs.items():
                result = Load(
                    name,
                    statistics.median(r.rps for r in results),
                    statistics.median(r.p50_ms for r in results),
                    statistics.median(r.p99_ms for r in results),
                )
                rows.append((f"{label}, cache {cache}: {name}", result))
                spread = ", ".join(f"{r.p50_ms:.2f}" for r in results)
                print(
                    f"  {label:<10} cache {cache:<3} {name:<24} {result.rps:9.0f} req/s  "
                    f"p50 {result.p50_ms:6.2f} ms ({spread})  p99 {result.p99_ms:6.2f} ms",
                    flush=True,
                )
    return rows


def report(rows: list[tuple[str, Load]], models: int, command: str) -> str:
    by_name = dict(rows)
    lines = [
        f"## The model record at scale ({models:,} fine-tuned models in the workspace)",
        "",
        f"`{command}` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; wrk, {CONNECTIONS} "
        f"connections, one worker; {LABELLED} models labelled `team=x`. Each row: the median "
        "of interleaved rounds.",
        "",
        "| row | req/s | p50 ms | p99 ms |",
        "|---|---|---|---|",
        *(
            f"| {name} | {load.rps:,.0f} | {load.p50_ms:.2f} | {load.p99_ms:.2f} |"
            for name, load in rows
        ),
        "",
        "| target | figure |",
        "|---|---|",
    ]
    for dialect in dict.fromkeys(name.split(",")[0] for name, _ in rows):
        off = f"{dialect}, cache off: "
        by_id, by_alias = by_name[off + "retrieve by id"], by_name[off + "retrieve by alias"]
        labelled = by_name[off + "label=team=x&limit=100"]
        on = f"{dialect}, cache on: "
        lines += [
            f"| {dialect}: label page p50 within 3x of retrieve's (cache off) | "
            f"{labelled.p50_ms / by_id.p50_ms:.2f}x ({labelled.p50_ms:.2f} vs {by_id.p50_ms:.2f} ms) |",
            f"| {dialect}: label page p50 within 3x of retrieve's (cache on, as deployed) | "
            f"{by_name[on + 'label=team=x&limit=100'].p50_ms / by_name[on + 'retrieve by id'].p50_ms:.2f}x |",
            f"| {dialect}: retrieve by alias within 1.1x of by id (cache off) | "
            f"p50 {by_alias.p50_ms / by_id.p50_ms:.2f}x, req/s {by_id.rps / by_alias.rps:.2f}x |",
            f"| {dialect}: retrieve by alias within 1.1x of by id (cache on) | "
            f"p50 {by_name[on + 'retrieve by alias'].p50_ms / by_name[on + 'retrieve by id'].p50_ms:.2f}x, "
            f"req/s {by_name[on + 'retrieve by id'].rps / by_name[on + 'retrieve by alias'].rps:.2f}x |",
        ]
    lines.append(f"\nMachine: {platform.machine()}, Python {platform.python_version()}.\n")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=5, help="per row and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--results", type=Path, help="append the section to this file")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "record.db").unlink(missing_ok=True)
    rows = measure(
        "SQLite", f"sqlite:///{OUT / 'record.db'}", args.models, args.seconds, args.rounds
    )
    pg = None if args.skip_postgres else fresh_postgres()
    if pg:
        rows += measure("PostgreSQL", pg, args.models, args.seconds, args.rounds)
    text = report(rows, args.models, "python bench/record.py " + " ".join(sys.argv[1:]))
    print(text)
    if args.results:
        with args.results.open("a") as results:
            results.write("\n" + text)


if __name__ == "__main__":
    main()
