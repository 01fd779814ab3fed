"""`modelyard init` and `modelyard serve`: make the store ready, and serve the API."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Annotated

import typer

from modelyard._version import __version__

from .options import AsJson, DatabaseUrl
from .output import print_json


def _prepare(database_url: str | None, run_migrations: bool = True) -> tuple[str | None, bool]:
    """Migrate, sync the catalog, create the first key; the key when it was made and is not
    the operator's own (MODELYARD_ADMIN_KEY), which is never printed."""
    from modelyard.server.startup import prepare

    from .operator_store import reporting, settings_for

    settings = settings_for(database_url)
    with reporting():
        key = prepare(settings, run_migrations=run_migrations)
    return key, settings.admin_key is not None


def _announce_key(key: str) -> None:
    # Printed once on the console, never through the logger (CONTRACT.md section 5).
    typer.secho("Created the first admin key (shown once, store it now):", fg="yellow", err=True)
    typer.echo(f"  {key}")


def init(database_url: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """Migrate the store, sync the catalog and create the first admin key, without serving.

    The key is printed once, only when this run created it (never when MODELYARD_ADMIN_KEY
    supplied it).

    Example: modelyard init --database-url sqlite:///./modelyard.db
    """
    key, supplied = _prepare(database_url)
    shown = key if key and not supplied else None
    if as_json:
        print_json({"admin_key": shown})
    elif shown:
        _announce_key(shown)
    else:
        typer.echo("Store ready.")


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    database_url: DatabaseUrl = None,
    migrate: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Run migrations before serving.")
    ] = True,
    root_path: Annotated[
        str,
        typer.Option(
            envvar="MODELYARD_ROOT_PATH",
            help="The path prefix a reverse proxy serves Modelyard under (e.g. /registry); "
            "links and redirects are built from it.",
        ),
    ] = "",
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help='Print {"url", "admin_key"} as one JSON document on stdout; logs (on stderr) '
            "in JSON.",
        ),
    ] = False,
) -> None:
    """Serve the API (migrates, syncs the catalog and creates the first key on an empty store).

    Example: modelyard serve --port 8000 --workers 2
    """
    import uvicorn

    # The workers build their app from the environment (`app_from_env`): hand the flags down.
    if database_url:
        os.environ["MODELYARD_DATABASE_URL"] = database_url
    if as_json:
        os.environ["MODELYARD_LOG_FORMAT"] = "json"
    if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # One /metrics for all workers: prometheus-client's multiprocess mode, in a fresh folder.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="modelyard-metrics-")
    key, supplied = _prepare(database_url, run_migrations=migrate)
    shown = key if key and not supplied else None
    url = f"http://{host}:{port}"
    if as_json:
        typer.echo(json.dumps({"url": url, "admin_key": shown}))
    else:
        if shown:
            _announce_key(shown)
        typer.echo(f"Modelyard {__version__} on {url} (API under /v1)", err=True)
    uvicorn.run(
        "modelyard.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        root_path=root_path.rstrip("/"),
        access_log=False,  # ours (server/access_log.py) carries the request id
        log_config=None,  # the app factory configures logging (MODELYARD_LOG_FORMAT)
        # httptools/uvloop also set TCP_NODELAY on every connection (ARCHITECTURE.md: Nagle).
        http="httptools",
        loop="uvloop",
    )
