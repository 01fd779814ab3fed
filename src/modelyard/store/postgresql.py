"""PostgreSQL: the scale-out store, shared by any number of server processes and machines.

What differs from the portable way (dialect.py): a connection pool sized for a server, an
advisory lock for start-up work, the freshness probe (a network round trip, so concurrent
requests share one: `CoalescingProbe`), and the write path: every statement of a change is a
round trip, so the group commit's batch runs in psycopg's pipeline mode (statements are sent
without waiting for their results; only a read waits), and the write path's statements go to
the driver as prepared statements. A change then costs one round trip (its read) instead of
five (savepoint, read, update, audit insert, release).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import orjson
import psycopg
import sqlalchemy as sa
from psycopg import pq
from sqlalchemy.engine import Connection, Engine

from . import records
from .audit_repository import AuditRepository
from .codec import TableCodec, driver_statement
from .dialect import REVISIONS_SQL, Dialect, Probe, Versions
from .errors import StoreBusy, StoreUnavailable
from .fine_tuned_repository import FineTunedRepository
from .tables import audit_events, dump_json, fine_tuned_models, metadata

_STARTUP_LOCK = 74251931  # any constant: the advisory lock's key
_PIPELINE = "modelyard_pipeline"


def _results_now(conn: Connection, *_args: Any) -> None:
    """A statement SQLAlchemy runs inside a pipelined batch: its results are needed at once
    (SQLAlchemy reads the cursor's description right after executing), so the pipeline syncs;
    only the write path's own statements on the driver stay pipelined."""
    pipeline = conn.info.get(_PIPELINE)
    if pipeline is not None:
        pipeline.sync()


def _driver(conn: Connection) -> psycopg.Connection[Any]:
    raw: psycopg.Connection[Any] = conn.connection.driver_connection  # type: ignore[assignment]
    return raw


def _execute(
    conn: Connection, sql: str, params: Sequence[Any] | Mapping[str, Any]
) -> psycopg.Cursor[Any]:
    """A prepared statement on the driver; its errors raised as SQLAlchemy's, as from any path."""
    try:
        return _driver(conn).execute(sql, params, prepare=True)
    except psycopg.Error as error:
        raise sa.exc.DBAPIError.instance(sql, params, error, psycopg.Error) from error


_MODELS = TableCodec(fine_tuned_models, "%s")
_EVENTS = TableCodec(audit_events, "%s")


class PostgresFineTunedRepository(FineTunedRepository):
    """A model's reads and the write path's update, prepared statements on the driver (psycopg
    decodes JSON and booleans itself; JSON is written with the store's serializer)."""

    def _rows(self, query: sa.Select[Any], values: dict[str, Any]) -> Sequence[Sequence[Any]]:
        cursor = _on_driver(self.conn, query, values)
        if cursor is None:
            return super()._rows(query, values)
        return cursor.fetchall()

    def _update(self, model: records.FineTunedModel, values: dict[str, Any], version: int) -> None:
        _execute(self.conn, *_MODELS.versioned_update(model.id, model.version, values, version))


class PostgresAuditRepository(AuditRepository):
    def append(self, **values: Any) -> None:
        _execute(self.conn, *_EVENTS.insert(values))


def _on_driver(
    conn: Connection, statement: sa.Executable, values: dict[str, Any]
) -> psycopg.Cursor[Any] | None:
    """`statement` as a prepared statement on the driver, or None when its text depends on the
    values (codec.driver_statement)."""
    compiled = driver_statement(statement, conn.dialect)
    if compiled is None:
        return None
    return _execute(conn, compiled.sql, compiled.params(values))


class PostgreSQL(Dialect):
    name = "postgresql"
    # A REPEATABLE READ transaction, read only: one state of the whole store.
    snapshot_options: ClassVar[dict[str, Any]] = {
        "isolation_level": "REPEATABLE READ",
        "postgresql_readonly": True,
    }
    snapshot_name = "a REPEATABLE READ snapshot"

    @staticmethod
    def after_copy(conn: Connection) -> None:
        """Each serial column's sequence past the largest copied id (SQLite's INTEGER PRIMARY
        KEY takes the largest id + 1 by itself)."""
        for table in metadata.sorted_tables:
            column = table.autoincrement_column
            if column is None:
                continue
            largest = sa.select(sa.func.max(column)).scalar_subquery()
            sequence = sa.func.pg_get_serial_sequence(table.name, column.name)
            conn.execute(
                sa.select(sa.func.setval(sequence, sa.func.coalesce(largest, 0) + 1, False))
            )

    fine_tuned = PostgresFineTunedRepository
    audit = PostgresAuditRepository
    pipelined = True

    def create_engine(self) -> Engine:
        # A writer waits at most `timeout` for a row lock (another replica's long write, or
        # someone's open transaction), then LockNotAvailable: StoreBusy, a 503.
        options = f"-c lock_timeout={int(self.timeout * 1000)}"
        engine = sa.create_engine(
            self.url,
            pool_size=10,
            max_overflow=20,
            pool_recycle=1800,
            json_serializer=dump_json,
            json_deserializer=orjson.loads,
            connect_args={"options": options},
        )
        sa.event.listen(engine, "after_cursor_execute", _results_now)
        return engine

    def translate(self, error: Exception) -> Exception:
        cause = getattr(error, "orig", error)
        if isinstance(cause, psycopg.errors.LockNotAvailable):  # lock_timeout
            return StoreBusy(f"Another writer held the store past {self.timeout:g} s.")
        if isinstance(cause, psycopg.errors.DiskFull | psycopg.errors.ReadOnlySqlTransaction):
            return StoreUnavailable(f"The store refuses writes: {cause}.")
        if isinstance(cause, psycopg.OperationalError):
            return StoreUnavailable(f"The store is not reachable: {cause}.")
        return error

    def probe(self) -> Probe:
        return CoalescingProbe(self)

    @contextmanager
    def batch(self, conn: Connection) -> Iterator[None]:
        with _driver(conn).pipeline() as pipeline:
            conn.info[_PIPELINE] = pipeline
            try:
                yield
            finally:
                del conn.info[_PIPELINE]

    def execute_plain(self, conn: Connection) -> Callable[[str], Any]:
        raw = _driver(conn)

        def run(sql: str) -> Any:
            done = raw.execute(sql)
            pipeline = conn.info.get(_PIPELINE)
            if pipeline is not None and sql.startswith("ROLLBACK"):
                # A refused change's ROLLBACK TO SAVEPOINT makes psycopg forget its prepared
                # statements and owe the server a DEALLOCATE ALL, which it sends after its next
                # statement. In pipeline mode it learns of the ROLLBACK only when the result
                # arrives, after that statement was queued; the debt would then fall due after
                # the next statement it *prepares*, deallocating it ("prepared statement does
                # not exist" on its next use; psycopg 3.3). So: learn now, pay behind a no-op.
                pipeline.sync()
                raw.execute("SELECT 1", prepare=False)
            return done

        return run

    def is_driver_error(self, error: BaseException) -> bool:
        return isinstance(error, psycopg.Error | sa.exc.DBAPIError)

    async def probe_connection(self) -> ProbeWire:
        """A connection of the probe's own, outside the pool."""
        url = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return await asyncio.to_thread(ProbeWire, url.encode())

    @staticmethod
    @contextmanager
    def startup_lock(engine: Engine) -> Iterator[None]:
        with engine.connect() as conn:
            conn.execute(sa.text(f"SELECT pg_advisory_lock({_STARTUP_LOCK})"))
            conn.commit()
            try:
                yield
            finally:
                conn.execute(sa.text(f"SELECT pg_advisory_unlock({_STARTUP_LOCK})"))
                conn.commit()


class CoalescingProbe:
    """The versions in one round trip shared by concurrent requests.

    Every request needs the store's versions as of some moment after it arrived (a write
    acknowledged before it arrived must be seen). A request joins the probe that will be *sent
    next*, never one already in flight (sent before it arrived), so one round trip serves every
    request that came in meanwhile.
    """

    def __init__(self, source: PostgreSQL) -> None:
        self.source = source
        self._connection: ProbeWire | None = None
        self._in_flight: asyncio.Future[Versions] | None = None
        self._next: asyncio.Future[Versions] | None = None

    async def __call__(self) -> Versions:
        if self._in_flight is None:
            self._in_flight = self._start()
            return await asyncio.shield(self._in_flight)
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        return await asyncio.shield(self._next)

    def _start(self) -> asyncio.Future[Versions]:
        task = asyncio.ensure_future(self._query())
        task.add_done_callback(self._finished)
        return task

    def _finished(self, done: asyncio.Future[Versions]) -> None:
        waiting, self._next = self._next, None
        if waiting is None:
            self._in_flight = None
            return
        self._in_flight = following = self._start()
        following.add_done_callback(lambda probe: _copy(probe, waiting))

    async def _query(self) -> Versions:
        try:
            if self._connection is None:
                self._connection = await self.source.probe_connection()
            return await self._connection.versions()
        except Exception as error:
            connection, self._connection = self._connection, None
            if connection is not None:
                connection.close()
            raise StoreUnavailable(f"The store is not reachable: {error}.") from error

    async def aclose(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class ProbeWire:
    """The probe's own libpq connection: its one prepared query sent and its answer read on the
    event loop straight from libpq, without psycopg's async layer, whose Python cost was most
    of a single-connection retrieve on PostgreSQL (the probe is its only round trip)."""

    _STATEMENT = b"modelyard_versions"

    def __init__(self, conninfo: bytes) -> None:
        self._pg = pq.PGconn.connect(conninfo)  # autocommit: libpq runs each query by itself
        if self._pg.status != pq.ConnStatus.OK:
            message = self._pg.get_error_message()
            self._pg.finish()
            raise psycopg.OperationalError(message)
        prepared = self._pg.prepare(self._STATEMENT, REVISIONS_SQL.encode())
        if prepared.status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.OperationalError(prepared.get_error_message())
        self._pg.nonblocking = 1

    async def versions(self) -> Versions:
        pg, loop = self._pg, asyncio.get_running_loop()
        pg.send_query_prepared(self._STATEMENT, None)
        if pg.flush():  # the query is a few bytes: a full socket buffer means a sick link
            raise psycopg.OperationalError("the probe's query could not be sent")
        answer: asyncio.Future[Versions] = loop.create_future()
        socket = pg.socket

        def readable() -> None:
            try:
                pg.consume_input()
                if pg.is_busy():
                    return
                result = pg.get_result()
                while pg.get_result() is not None:  # the end of the answer
                    pass
                if result is None or result.status != pq.ExecStatus.TUPLES_OK:
                    raise psycopg.OperationalError(pg.get_error_message())
                values = (int(result.get_value(0, 0) or 0), int(result.get_value(1, 0) or 0))
            except Exception as error:
                if not answer.done():
                    answer.set_exception(error)
                return
            if not answer.done():
                answer.set_result(values)

        loop.add_reader(socket, readable)
        try:
            return await answer
        finally:
            loop.remove_reader(socket)

    def close(self) -> None:
        self._pg.finish()


def _copy(source: asyncio.Future[Versions], target: asyncio.Future[Versions]) -> None:
    if target.done():
        return
    if source.cancelled():
        target.cancel()
    elif (error := source.exception()) is not None:
        target.set_exception(error)
    else:
        target.set_result(source.result())
