"""`modelyard`: operator commands that work on the store directly (serve, init)."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer

from modelyard._version import __version__

app = typer.Typer(
    name="modelyard",
    no_args_is_help=True,
    help="Modelyard: a self-hosted model registry that speaks Mistral's Models API.",
)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="MODELYARD_DATABASE_URL",
        help="SQLAlchemy URL of the store [default: sqlite:///./modelyard.db].",
        show_default=False,
    ),
]


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


def _prepare(database_url: str | None, run_migrations: bool = True) -> tuple[str | None, bool]:
    from modelyard.server.startup import prepare
    from modelyard.settings import Settings

    if database_url:
        os.environ["MODELYARD_DATABASE_URL"] = database_url
    settings = Settings()
    return prepare(settings, run_migrations=run_migrations), settings.admin_key is not None


def _announce_key(key: str) -> None:
    # Printed once on the console, never through the logger (CONTRACT.md section 5).
    typer.secho("Created the first admin key (shown once, store it now):", fg="yellow", err=True)
    typer.echo(f"  {key}")


@app.command()
def init(
    database_url: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Migrate the store, sync the catalog and create the first admin key, without serving.

    Example: modelyard init --database-url sqlite:///./modelyard.db
    """
    key, supplied = _prepare(database_url)
    shown = key if key and not supplied else None
    if as_json:
        typer.echo(json.dumps({"admin_key": shown}))
    elif shown:
        _announce_key(shown)
    else:
        typer.echo("Store ready.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    database_url: DatabaseUrl = None,
    migrate: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Run migrations before serving.")
    ] = True,
) -> None:
    """Serve the API (migrates, syncs the catalog and creates the first key on an empty store).

    Example: modelyard serve --port 8000 --workers 2
    """
    import uvicorn

    key, supplied = _prepare(database_url, run_migrations=migrate)
    if key and not supplied:
        _announce_key(key)
    typer.echo(f"Modelyard {__version__} on http://{host}:{port} (API under /v1)", err=True)
    uvicorn.run(
        "modelyard.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,  # ours (server/access_log.py) carries the request id
        log_config=None,  # the app factory configures logging (MODELYARD_LOG_FORMAT)
        # httptools/uvloop also set TCP_NODELAY on every connection (ARCHITECTURE.md: Nagle).
        http="httptools",
        loop="uvloop",
    )


def main() -> None:
    app()
