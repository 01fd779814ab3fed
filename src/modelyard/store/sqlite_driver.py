"""The write path's statements on SQLite's own driver, inside SQLAlchemy's transaction (used by
the SQLite dialect's repositories, sqlite.py).

Why: a PATCH's write is three statements (read the model, update it, append its audit event).
Through SQLAlchemy's execution layer each cost ~20-25 µs of Python against ~4 µs in SQLite;
under load that Python runs on the writer thread, which shares the GIL with the event loop, and
it capped PATCH at ~4,000 req/s where the same statements on the driver gave ~6,300 (bench/run.py
rows, py-spy). PostgreSQL keeps SQLAlchemy: there a round trip costs more than the layer.

What SQLAlchemy did for these columns is done from the table's metadata (`codec.TableCodec`), so
the stored bytes are the same either way.
Driver errors are raised as SQLAlchemy's (`sa.exc.IntegrityError`, ...), as from any other path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def driver(conn: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under `conn`, in its transaction."""
    raw: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
    return raw


def execute(
    raw: sqlite3.Connection, sql: str, params: Sequence[Any] | Mapping[str, Any]
) -> sqlite3.Cursor:
    try:
        return raw.execute(sql, params)
    except sqlite3.Error as error:
        raise sa.exc.DBAPIError.instance(sql, params, error, sqlite3.Error) from error
