"""`modelyard db`: the store's schema."""

from __future__ import annotations

import typer

from .options import AsJson, DatabaseUrl
from .output import print_json, say

app = typer.Typer(no_args_is_help=True, help="The store's schema (on the store, no server).")


@app.command()
def upgrade(database_url: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """Migrate the store to the current schema (safe while other starters run).

    Example: modelyard db upgrade --database-url postgresql://modelyard@db/modelyard
    """
    from modelyard.store import migrate
    from modelyard.store.engine import startup_lock

    from .operator_store import opened_store, settings_for, shown_url

    with opened_store(database_url, require_schema=False) as store, startup_lock(store):
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
