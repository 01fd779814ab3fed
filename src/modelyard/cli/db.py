"""`modelyard db`: the store's schema, backups, restores and copies between stores."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .options import AsJson, DatabaseUrl
from .output import fail, print_json, print_table, say

if TYPE_CHECKING:
    from modelyard.store.checksums import TableSum

app = typer.Typer(
    no_args_is_help=True,
    help="The store's schema, backups and copies (on the store, no server).",
)

BackupPath = Annotated[Path, typer.Argument(help="The backup file (SQLite).", show_default=False)]


@app.command()
def upgrade(database_url: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """Migrate the store to the current schema (safe while other starters run).

    Example: modelyard db upgrade --database-url postgresql://modelyard@db/modelyard
    """
    from modelyard.store import migrate
    from modelyard.store.engine import startup_lock

    from .operator_store import opened_store, settings_for, shown_url

    with opened_store(database_url, require_schema=False) as store, startup_lock(store.engine):
        before = migrate.current(store.engine)
        migrate.upgrade(store.engine)
        after = migrate.current(store.engine)
    if as_json:
        print_json({"from": before, "to": after})
    elif before == after:
        say(f"The store is already at schema {after}.")
    else:
        url = shown_url(settings_for(database_url).database_url)
        say(f"Upgraded {url} from schema {before or '(empty)'} to {after}.")


@app.command()
def backup(path: BackupPath, database_url: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """Write a consistent copy of the store to a new SQLite file, safe while the server serves
    and writes (SQLite: its backup API; PostgreSQL: one REPEATABLE READ snapshot).

    Example: modelyard db backup backups/modelyard-$(date +%F).db
    """
    from modelyard.store import transfer

    from .operator_store import opened_store, settings_for, shown_url

    url = shown_url(settings_for(database_url).database_url)
    with opened_store(database_url, any_schema=True) as store, moving():
        method = transfer.backup(store.engine, path)
        sums = transfer.backup_sums(path)
    document = {"backup": str(path.resolve()), "from": url, "method": method}
    if as_json:
        print_json({**document, "tables": _tables(sums or [])})
        return
    say(f"Backed up {url} to {path.resolve()} ({method}: one consistent state).")
    if sums is None:
        say("The store is at an older schema: `db restore` brings it to the current one.")
    else:
        _print_sums(sums)


@app.command()
def restore(path: BackupPath, database_url: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """Restore a backup file into an empty store (created if it does not exist yet, migrated
    to the current schema); every table is verified after the copy.

    Example: modelyard db restore modelyard-2026-12-01.db --database-url sqlite:///./new.db
    """
    from modelyard.store import transfer

    from .operator_store import opened_store, settings_for, shown_url

    url = shown_url(settings_for(database_url).database_url)
    if not path.is_file():  # before opening the target, which would create an empty file
        fail(f"no backup file at {path.resolve()}")
    with opened_store(database_url, require_schema=False) as store, moving():
        sums = transfer.restore(path, store.engine)
    _report(
        sums, as_json, {"backup": str(path.resolve()), "to": url}, f"Restored {path} into {url}"
    )


@app.command()
def copy(
    to: Annotated[
        str,
        typer.Option("--to", help="The target store's URL (an empty store).", show_default=False),
    ],
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Copy the whole store (the one --database-url names) into another, empty one: SQLite to
    PostgreSQL or back. Ids, versions, key hashes and the audit log are kept; every table is
    verified (row count and checksum) after the copy.

    Example: modelyard db copy --to postgresql://modelyard@db/modelyard
    """
    from modelyard.store import transfer
    from modelyard.store.engine import Store

    from .operator_store import opened_store, settings_for, shown_url, usable_url

    source_url = shown_url(settings_for(database_url).database_url)
    target_url = shown_url(usable_url(to))
    with opened_store(database_url) as source, moving():
        target = Store.from_url(to)
        try:
            sums = transfer.copy_store(source.engine, target.engine)
        finally:
            target.dispose()
    _report(
        sums,
        as_json,
        {"from": source_url, "to": target_url},
        f"Copied {source_url} to {target_url}",
    )


@contextmanager
def moving() -> Iterator[None]:
    from modelyard.store.transfer import TransferError

    try:
        yield
    except TransferError as error:
        fail(str(error))


def _report(sums: list[TableSum], as_json: bool, document: dict[str, Any], done: str) -> None:
    if as_json:
        print_json({**document, "tables": _tables(sums)})
        return
    rows = sum(each.rows for each in sums)
    say(f"{done}: {rows:,} rows in {len(sums)} tables, each verified (row count and sha256).")
    _print_sums(sums)


def _tables(sums: list[TableSum]) -> list[dict[str, Any]]:
    return [{"name": each.table, "rows": each.rows, "sha256": each.sha256} for each in sums]


def _print_sums(sums: list[TableSum]) -> None:
    print_table(
        ("TABLE", "ROWS", "SHA256"),
        ((each.table, f"{each.rows:,}", each.sha256[:16]) for each in sums),
    )
