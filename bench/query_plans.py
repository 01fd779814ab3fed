"""Print the query plans of the list queries (docs/query-plans.md) for a database URL.

    .venv/bin/python bench/query_plans.py sqlite:////tmp/plan.db
    .venv/bin/python bench/query_plans.py postgresql+psycopg://postgres@127.0.0.1/plan

The database must be empty: the script migrates it and seeds 50,000 fine-tuned models in 50
workspaces.
"""

import sys
import uuid

import sqlalchemy as sa

from modelyard.store import migrate
from modelyard.store.engine import create_engine
from modelyard.store.fine_tuned_repository import FineTunedMatch, _matching
from modelyard.store.tables import fine_tuned_models as ft
from modelyard.store.tables import organizations, workspaces

url = sys.argv[1]
eng = create_engine(url)
migrate.upgrade(eng)
with eng.begin() as c:
    c.execute(sa.insert(organizations).values(id="o", name="o", created=0))
    c.execute(
        sa.insert(workspaces),
        [
            dict(id=f"w{i}", organization_id="o", name=f"w{i}", tag=f"{i:08x}", created=0)
            for i in range(50)
        ],
    )
    rows = [
        dict(
            id=f"ft:m:{i % 50:08x}:20260101:{i:08x}",
            workspace_id=f"w{i % 50}",
            job=str(uuid.uuid4()),
            root="m",
            model_type="completion",
            name=None,
            description=None,
            capabilities={},
            max_context_length=1,
            classifier_targets=None,
            archived=False,
            created=i,
            version=1,
            deleted_at=None,
            registration_digest="x",
        )
        for i in range(50000)
    ]
    c.execute(sa.insert(ft), rows)
    if eng.dialect.name == "postgresql":
        c.exec_driver_sql("ANALYZE")
    else:
        c.exec_driver_sql("ANALYZE")
q = (
    _matching("w7", FineTunedMatch())
    .where(ft.c.id > "ft:m:00000007:20260101:00000100")
    .order_by(ft.c.id)
    .limit(101)
)
q2 = _matching("w7", FineTunedMatch()).order_by(ft.c.created.desc(), ft.c.id.desc())
for name, query in (("page (limit/after)", q), ("default list (newest first)", q2)):
    sql = str(query.compile(eng, compile_kwargs={"literal_binds": True}))
    with eng.connect() as c:
        prefix = "EXPLAIN QUERY PLAN " if eng.dialect.name == "sqlite" else "EXPLAIN "
        plan = [" | ".join(str(x) for x in r) for r in c.exec_driver_sql(prefix + sql)]
    print(
        f"### {eng.dialect.name}: {name}\n```sql\n{' '.join(sql.split())}\n```\n```\n"
        + "\n".join(plan)
        + "\n```"
    )
