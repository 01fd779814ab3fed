"""Print the query plans of the list queries (docs/query-plans.md) for a database URL.

    .venv/bin/python bench/query_plans.py sqlite:////tmp/plan.db
    .venv/bin/python bench/query_plans.py postgresql+psycopg://postgres@127.0.0.1/plan

The database must be empty: the script migrates it and seeds 150,000 fine-tuned models: 100,000
in the probe workspace `w0` (50 of them labelled `team=x`, the others `team=<another team>`,
and one alias per 1,000 models) and 1,000 in each of 50 other workspaces.
"""

from __future__ import annotations

import re
import sys
import uuid

import sqlalchemy as sa

from modelyard.store import migrate
from modelyard.store.engine import Store
from modelyard.store.fine_tuned_repository import _REACHABLE, FineTunedMatch, _query
from modelyard.store.tables import aliases, model_labels, organizations, workspaces
from modelyard.store.tables import fine_tuned_models as ft

PROBE = 100_000
LABELLED = 50


def model_row(index: int, workspace: str) -> dict[str, object]:
    team = "x" if workspace == "w0" and index % (PROBE // LABELLED) == 0 else f"t{index % 97}"
    return {
        "id": f"ft:m:{workspace}:20260101:{index:08x}", "workspace_id": workspace,
        "job": str(uuid.uuid4()), "root": "m", "model_type": "completion", "name": None,
        "description": None, "capabilities": {}, "max_context_length": 1,
        "classifier_targets": None, "archived": False, "created": index, "version": 1,
        "deleted_at": None, "registration_digest": "x", "labels": {"team": team},
        "artifact": None, "aliases": [],
    }  # fmt: skip


def seed(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.insert(organizations).values(id="o", name="o", created=0))
        conn.execute(
            sa.insert(workspaces),
            [
                {
                    "id": f"w{i}",
                    "organization_id": "o",
                    "name": f"w{i}",
                    "tag": f"{i:08x}",
                    "created": 0,
                }
                for i in range(51)
            ],
        )
        plan = [("w0", PROBE)] + [(f"w{i}", 1000) for i in range(1, 51)]
        for workspace, count in plan:
            for start in range(0, count, 10_000):
                rows = [model_row(i, workspace) for i in range(start, min(count, start + 10_000))]
                conn.execute(sa.insert(ft), rows)
                conn.execute(
                    sa.insert(model_labels),
                    [
                        {
                            "model_id": row["id"],
                            "workspace_id": workspace,
                            "key": "team",
                            "value": row["labels"]["team"],
                        }  # type: ignore[index]
                        for row in rows
                    ],
                )
        conn.execute(
            sa.insert(aliases),
            [
                {
                    "workspace_id": "w0",
                    "name": f"alias-{i:05d}",
                    "model_id": f"ft:m:w0:20260101:{i * 1000:08x}",
                    "version": 1,
                    "updated": 0,
                }
                for i in range(PROBE // 1000)
            ],
        )
        conn.exec_driver_sql("ANALYZE")


def queries() -> list[tuple[str, sa.Select[tuple[object, ...]]]]:
    """The statements `FineTunedRepository` runs, with this probe's values bound."""
    plain, labelled = FineTunedMatch(), FineTunedMatch(labels=(("team", "x"),))
    page = {"after": "ft:m:w0:20260101:00000100", "limit": 101}
    return [
        (
            "retrieve by id or alias (GET /v1/models/alias-00010)",
            _REACHABLE.params(workspace_id="w0", name="alias-00010"),
        ),
        (
            "page (limit/after)",
            _query(plain.shape, False, True, True).params(**plain.values("w0"), **page),
        ),
        (
            "default list (newest first)",
            _query(plain.shape, False, False, False).params(**plain.values("w0")),
        ),
        (
            "label filter, a page (label=team=x&limit=100)",
            _query(labelled.shape, False, True, False).params(**labelled.values("w0"), limit=101),
        ),
        (
            "alias entries, a page",
            _query(plain.shape, True, True, True).params(
                **plain.values("w0"), after="alias-00010", limit=101
            ),
        ),
    ]


def main() -> None:
    store = Store.from_url(sys.argv[1])
    engine = store.engine
    migrate.upgrade(engine)
    seed(store)
    for name, query in queries():
        sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        with engine.connect() as conn:
            plan = [" | ".join(str(x) for x in r) for r in conn.exec_driver_sql(prefix + sql)]
        # The selected column list, shortened to `…`.
        shown = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", " ".join(sql.split()))
        print(f"## {engine.dialect.name}: {name}\n\n```sql\n{shown}\n```\n```\n" + "\n".join(plan))
        print("```\n")
    store.dispose()


if __name__ == "__main__":
    main()
