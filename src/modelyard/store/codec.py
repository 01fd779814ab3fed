"""A table's columns, and what to do to each value on the way to a driver and back: the dialects'
write paths run their statements on the driver (sqlite.py, postgresql.py) and must store the
bytes SQLAlchemy would.

JSON columns are written with the engines' own serializer (`tables.dump_json`, `None` as JSON
`null`, as SQLAlchemy does); on the way back SQLite gives text (decoded with orjson) and 0/1 for
booleans, while psycopg decodes both itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson
import sqlalchemy as sa

from .tables import dump_json

Row = tuple[Any, ...]


def _passthrough(value: Any) -> Any:
    return value


def _json_or_none(value: Any) -> Any:
    return None if value is None else orjson.loads(value)


def _bool_or_none(value: Any) -> bool | None:
    return None if value is None else bool(value)


class TableCodec:
    """A table's columns in order, with what to do to each value on the way in and out."""

    def __init__(self, table: sa.Table, placeholder: str = "?") -> None:
        self.table = table
        self.placeholder = placeholder
        self._encoders: dict[str, Callable[[Any], Any]] = {}
        decoders: list[Callable[[Any], Any]] = []
        for column in table.columns:
            # A NOT NULL column's decoder is the C function itself: no Python frame per value.
            if isinstance(column.type, sa.JSON):
                self._encoders[column.name] = dump_json
                decoders.append(orjson.loads if not column.nullable else _json_or_none)
            elif isinstance(column.type, sa.Boolean):
                decoders.append(bool if not column.nullable else _bool_or_none)
            else:
                decoders.append(_passthrough)
        # Only the columns whose values change on the way back (a list page decodes 50 rows).
        self._decoding = tuple(
            (index, decode) for index, decode in enumerate(decoders) if decode is not _passthrough
        )

    def decode_row(self, row: Row) -> list[Any]:
        """The table's columns decoded, in order; columns added after them as they are."""
        values = list(row)
        for index, decode in self._decoding:
            values[index] = decode(values[index])
        return values

    def encode(self, name: str, value: Any) -> Any:
        return self._encoders.get(name, _passthrough)(value)

    def insert(self, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
        names = tuple(values)
        sql = _insert_sql(self.table.name, names, self.placeholder)
        return sql, [self.encode(name, values[name]) for name in names]

    def versioned_update(
        self, row_id: Any, version: int, values: Mapping[str, Any], new_version: int
    ) -> tuple[str, list[Any]]:
        """`UPDATE table SET ..., version = ? WHERE id = ? AND version = ?` and its parameters:
        the row changes only if nobody changed it since it was read."""
        names = tuple(sorted(values))
        sql = _update_sql(self.table.name, (*names, "version"), ("id", "version"), self.placeholder)
        params = [self.encode(name, values[name]) for name in names]
        return sql, [*params, new_version, row_id, version]


@cache
def _insert_sql(table: str, names: tuple[str, ...], mark: str) -> str:
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"


@cache
def _update_sql(table: str, names: tuple[str, ...], where: tuple[str, ...], mark: str) -> str:
    assignments = ", ".join(f"{name} = {mark}" for name in names)
    conditions = " AND ".join(f"{name} = {mark}" for name in where)
    return f"UPDATE {table} SET {assignments} WHERE {conditions}"


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A SQLAlchemy statement compiled once for a driver: its text and how to bind it."""

    sql: str
    names: tuple[str, ...]
    positional: bool
    defaults: Mapping[str, Any]

    def params(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        merged = {**self.defaults, **values}
        if self.positional:
            return [merged[name] for name in self.names]
        return {name: merged[name] for name in self.names}


@cache
def driver_statement(query: sa.Executable, dialect: sa.Dialect) -> DriverStatement | None:
    """`query` as its driver runs it, or None when its text depends on the values (an IN list
    whose placeholders follow its length): that statement stays with SQLAlchemy."""
    compiled = query.compile(dialect=dialect)  # type: ignore[attr-defined]
    if any(bind.expanding for bind in compiled.binds.values()):
        return None
    order = compiled.positiontup
    names = tuple(order) if order is not None else tuple(compiled.params)
    return DriverStatement(compiled.string, names, order is not None, compiled.params)
