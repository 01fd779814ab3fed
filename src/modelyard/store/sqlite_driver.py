"""The write path's statements on SQLite's own driver, inside SQLAlchemy's transaction (used by
the SQLite dialect's repositories, sqlite.py).

Why: a PATCH's write is three statements (read the model, update it, append its audit event).
Through SQLAlchemy's execution layer each cost ~20-25 µs of Python against ~4 µs in SQLite;
under load that Python runs on the writer thread, which shares the GIL with the event loop, and
it capped PATCH at ~4,000 req/s where the same statements on the driver gave ~6,300 (bench/run.py
rows, py-spy). PostgreSQL keeps SQLAlchemy: there a round trip costs more than the layer.

What SQLAlchemy did for these columns is done here from the table's metadata, so the stored
bytes are the same either way: JSON columns are written with the engines' own serializer
(`tables.dump_json`, `None` as JSON `null` as SQLAlchemy does) and read back with orjson;
booleans read back as `bool`.
Driver errors are raised as SQLAlchemy's (`sa.exc.IntegrityError`, ...), as from any other path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .tables import dump_json

Row = tuple[Any, ...]


def driver(conn: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under `conn`, in its transaction."""
    raw: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
    return raw


def execute(raw: sqlite3.Connection, sql: str, params: Sequence[Any]) -> sqlite3.Cursor:
    try:
        return raw.execute(sql, params)
    except sqlite3.Error as error:
        raise sa.exc.DBAPIError.instance(sql, params, error, sqlite3.Error) from error


def _passthrough(value: Any) -> Any:
    return value


class TableCodec:
    """A table's columns in order, with what to do to each value on the way in and out."""

    def __init__(self, table: sa.Table) -> None:
        self.table = table
        self.columns = tuple(column.name for column in table.columns)
        self._encoders: dict[str, Callable[[Any], Any]] = {}
        decoders: list[Callable[[Any], Any]] = []
        for column in table.columns:
            if isinstance(column.type, sa.JSON):
                self._encoders[column.name] = dump_json
                decoders.append(lambda value: None if value is None else orjson.loads(value))
            elif isinstance(column.type, sa.Boolean):
                decoders.append(lambda value: None if value is None else bool(value))
            else:
                decoders.append(_passthrough)
        self._decoders = tuple(decoders)
        self.select = f"SELECT {', '.join(self.columns)} FROM {table.name}"

    def decode(self, row: Row) -> dict[str, Any]:
        return {
            name: decode(value)
            for name, decode, value in zip(self.columns, self._decoders, row, strict=True)
        }

    def encode(self, name: str, value: Any) -> Any:
        return self._encoders.get(name, _passthrough)(value)

    def insert(self, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
        names = tuple(values)
        return _insert_sql(self.table.name, names), [
            self.encode(name, values[name]) for name in names
        ]


@cache
def _insert_sql(table: str, names: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
