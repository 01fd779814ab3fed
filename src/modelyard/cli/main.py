"""`modelyard`: the root command, assembled from one sub-app per noun.

Operator commands (init, serve, db, workspaces, keys, catalog) work on the store and import the
server's dependencies only when they run; user commands (whoami, models, alias, audit, webhooks)
go through the SDK and never load them (`modelyard models list --json` starts as fast as httpx
and pydantic allow).
"""

from __future__ import annotations

from typing import Annotated

import typer

from modelyard._version import __version__

from . import aliases, catalog, db, keys, models, record, webhooks, workspaces
from .audit import audit
from .server import init, serve
from .whoami import whoami

OPERATOR = "Operator commands (on the store, no server needed)"
USER = "User commands (through the API, with your key)"

app = typer.Typer(
    name="modelyard",
    no_args_is_help=True,
    help="Modelyard: a self-hosted model registry that speaks Mistral's Models API.",
    # A traceback's locals would include the API key.
    pretty_exceptions_show_locals=False,
)

app.command(rich_help_panel=OPERATOR)(init)
app.command(rich_help_panel=OPERATOR)(serve)
app.add_typer(db.app, name="db", rich_help_panel=OPERATOR)
app.add_typer(workspaces.app, name="workspaces", rich_help_panel=OPERATOR)
app.add_typer(keys.app, name="keys", rich_help_panel=OPERATOR)
app.add_typer(catalog.app, name="catalog", rich_help_panel=OPERATOR)
app.command(rich_help_panel=USER)(whoami)
models.app.command()(record.label)
models.app.command()(record.artifact)
app.add_typer(models.app, name="models", rich_help_panel=USER)
app.add_typer(aliases.app, name="alias", rich_help_panel=USER)
app.command(rich_help_panel=USER)(audit)
app.add_typer(webhooks.app, name="webhooks", rich_help_panel=USER)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"modelyard {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Modelyard: a self-hosted model registry that speaks Mistral's Models API."""


def main() -> None:
    app()
