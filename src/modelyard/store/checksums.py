"""Rows read the same way on every dialect, and a checksum of each table that SQLite and
PostgreSQL agree on: what `db copy`, `db backup` and `db restore` verify a copy with.

A row is read as SQLAlchemy's column types give it (booleans as `bool`, floats as `float`, JSON
parsed), with one addition: a JSON column tells SQL NULL (`SQL_NULL`) from a JSON `null` (`None`),
which SQLAlchemy reads alike and a copy must keep apart. The checksum hashes each row's canonical
JSON in primary-key order, sorted here in Python, since the two dialects may collate keys apart.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .tables import metadata

Row = dict[str, Any]
BATCH = 1000


class _SqlNull:
    def __repr__(self) -> str:
        return "SQL_NULL"


SQL_NULL: Any = _SqlNull()


@dataclass(frozen=True)
class TableSum:
    """One table's row count and checksum (sha256, hex)."""

    table: str
    rows: int
    sha256: str


def json_columns(table: sa.Table) -> list[sa.Column[Any]]:
    return [column for column in table.columns if isinstance(column.type, sa.JSON)]


def read_rows(conn: Connection, table: sa.Table) -> Iterator[list[Row]]:
    """Every row of `table`, a batch at a time (streamed, never the whole table in memory)."""
    nullable_json = json_columns(table)
    flags = [
        column.is_(None).label(f"sql_null_{index}") for index, column in enumerate(nullable_json)
    ]
    # Streamed (a server-side cursor on PostgreSQL); the option on the statement, since
    # `Connection.execution_options` would change the caller's connection for good.
    query = sa.select(*table.columns, *flags).execution_options(yield_per=BATCH)
    result = conn.execute(query)
    for batch in result.partitions(BATCH):
        rows = []
        for record in batch:
            row: Row = {column.name: record._mapping[column] for column in table.columns}
            for index, column in enumerate(nullable_json):
                if record._mapping[f"sql_null_{index}"]:
                    row[column.name] = SQL_NULL
            rows.append(row)
        yield rows


class TableDigest:
    """Feed it rows (any order); `result()` gives the count and the checksum."""

    def __init__(self, table: sa.Table) -> None:
        self.table = table
        self._keys = [column.name for column in table.primary_key.columns]
        self._rows: list[tuple[str, bytes]] = []

    def add(self, rows: Sequence[Mapping[str, Any]]) -> None:
        columns = self.table.columns
        for row in rows:
            canonical = [_canonical(column, row[column.name]) for column in columns]
            key = _dumps([_canonical(columns[name], row[name]) for name in self._keys])
            self._rows.append((key, hashlib.sha256(_dumps(canonical).encode()).digest()))

    def result(self) -> TableSum:
        digest = hashlib.sha256()
        for _, row_digest in sorted(self._rows):
            digest.update(row_digest)
        return TableSum(self.table.name, len(self._rows), digest.hexdigest())


def table_sums(conn: Connection, tables: Sequence[sa.Table] | None = None) -> list[TableSum]:
    """The sum of each table (every table of the schema, parents first, unless told which)."""
    sums = []
    for table in metadata.sorted_tables if tables is None else tables:
        digest = TableDigest(table)
        for rows in read_rows(conn, table):
            digest.add(rows)
        sums.append(digest.result())
    return sums


def _canonical(column: sa.Column[Any], value: Any) -> Any:
    """A JSON value that is the same for the same stored value on every dialect."""
    if value is SQL_NULL:
        return ["sql-null"]
    if isinstance(column.type, sa.JSON):
        return ["json", value]  # nested keys are sorted by _dumps
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(column.type, sa.Float) and not column.type.asdecimal:
        return float(value)  # SQLite may hand back an int for a whole REAL
    if isinstance(value, int | float):
        return value
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
