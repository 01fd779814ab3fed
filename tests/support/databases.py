"""Test databases: a fresh SQLite file or a fresh PostgreSQL database per request.

PostgreSQL tests run when a server is reachable; under CI (`CI=true`) an unreachable server is a
failure, never a silent skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get(
    "MODELYARD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DIALECTS = ("sqlite", "postgres")


def postgres_available() -> bool:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception:
        return False
    return True


def require_postgres() -> None:
    if postgres_available():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required under CI but {PG_ADMIN_URL} is unreachable")
    pytest.skip("PostgreSQL not reachable: PostgreSQL tests skipped (set CI=true to require them)")


@contextmanager
def fresh_database(dialect: str, directory: Path) -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new, empty database; drop it afterwards."""
    if dialect == "sqlite":
        yield f"sqlite:///{directory / f'modelyard-{secrets.token_hex(4)}.db'}"
        return
    import sqlalchemy as sa

    require_postgres()
    name = f"modelyard_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
