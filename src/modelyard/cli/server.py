"""`modelyard init` and `modelyard serve`: make the store ready, and serve the API."""

from __future__ import annotations

import errno
import json
import os
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from modelyard._version import __version__

from .options import AsJson, DatabaseUrl
from .output import fail, print_json

if TYPE_CHECKING:
    from modelyard.settings import Settings


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


def _settings(database_url: str | None) -> Settings:
    from .operator_store import settings_for

    return settings_for(database_url)


def _prepare(settings: Settings, run_migrations: bool = True) -> str | None:
    """Migrate, sync the catalog, create the first key; the key when it was made and is not
    the operator's own (MODELYARD_ADMIN_KEY), which is never printed."""
    from modelyard.server.startup import prepare

    from .operator_store import reporting

    with reporting():
        key = prepare(settings, run_migrations=run_migrations)
    return key if key and settings.admin_key is None else None


@contextmanager
def interruptible() -> Iterator[None]:
    """Ctrl-C before the server runs (uvicorn handles it after): one line, exit status 130."""
    try:
        yield
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        raise typer.Exit(130) from None


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
    with interruptible():
        shown = _prepare(_settings(database_url))
    if as_json:
        print_json({"admin_key": shown})
    elif shown:
        _announce_key(shown)
    else:
        typer.echo("Store ready.")


def _root_path(value: str | None) -> str | None:
    from modelyard.settings import ROOT_PATH

    if value is not None and not ROOT_PATH.fullmatch(value):
        raise typer.BadParameter("use a path such as /registry (no '?', '#' or spaces)")
    return value


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    database_url: DatabaseUrl = None,
    migrate: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Run migrations before serving.")
    ] = True,
    root_path: Annotated[
        str | None,
        typer.Option(
            "--root-path",
            callback=_root_path,
            help="The path prefix a reverse proxy serves the API under, e.g. /registry "
            "\\[env: MODELYARD_ROOT_PATH].",
            show_default=False,
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help="Proxies trusted for X-Forwarded-For/-Proto: comma-separated IPs or networks, "
            "or '*' \\[env: MODELYARD_FORWARDED_ALLOW_IPS; default: 127.0.0.1].",
            show_default=False,
        ),
    ] = None,
    log_level: Annotated[
        LogLevel | None,
        typer.Option(
            "--log-level",
            help="debug, info, warning or error \\[env: MODELYARD_LOG_LEVEL; default: info].",
            show_default=False,
        ),
    ] = None,
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
    # The workers build their app from the environment (`server.app.app_from_env`): hand the
    # flags down, then read them back as the workers will (one check of every setting).
    handed_down = {
        "MODELYARD_DATABASE_URL": database_url,
        "MODELYARD_LOG_FORMAT": "json" if as_json else None,
        "MODELYARD_ROOT_PATH": root_path,
        "MODELYARD_FORWARDED_ALLOW_IPS": forwarded_allow_ips,
        "MODELYARD_LOG_LEVEL": log_level.value if log_level else None,
    }
    os.environ.update({name: value for name, value in handed_down.items() if value is not None})
    settings = _settings(database_url)
    if settings.log_level in ("warning", "error"):
        # The access log's lines are INFO lines: off too, unless asked for by name.
        os.environ.setdefault("MODELYARD_ACCESS_LOG", "false")
    # Before any start-up work: a busy port must not leave a freshly migrated store behind.
    check_listening(host, port)
    with interruptible():
        if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
            # One /metrics for all workers: prometheus-client's multiprocess mode, in a fresh
            # folder.
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="modelyard-metrics-")
        shown = _prepare(settings, run_migrations=migrate)
        prefix = settings.root_path.rstrip("/")
        url = f"http://{host}:{port}{prefix}"
        if as_json:
            typer.echo(json.dumps({"url": url, "admin_key": shown}))
        else:
            if shown:
                _announce_key(shown)
            typer.echo(f"Modelyard {__version__} on {url} (API under {prefix}/v1)", err=True)
        _run_uvicorn(settings, host, port, workers)


def _run_uvicorn(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    from modelyard.server.http_protocol import uvicorn_options

    uvicorn.run(
        "modelyard.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        access_log=False,  # ours (server/access_log.py) carries the request id
        log_config=None,  # the app factory configures logging (MODELYARD_LOG_FORMAT)
        # X-Forwarded-For/-Proto from these proxies only (the client address in the access log).
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # The bounded httptools protocol on uvloop, which also sets TCP_NODELAY on every
        # connection (docs/architecture.md).
        **uvicorn_options(settings),
    )


_LISTEN_ERRORS: dict[int, Callable[[str, int], str]] = {
    errno.EADDRINUSE: lambda host, port: (
        f"port {port} on {host} is already in use: stop what listens there, or pick another --port"
    ),
    errno.EACCES: lambda host, port: (
        f"no permission to listen on port {port}: ports below 1024 need root; pick another --port"
    ),
    errno.EADDRNOTAVAIL: lambda host, port: (
        f"{host} is not an address of this machine: use --host 127.0.0.1 (this machine only) "
        "or --host 0.0.0.0 (every interface)"
    ),
}


def check_listening(host: str, port: int) -> None:
    """Bind a test socket where uvicorn will listen; one line saying what to do if it cannot."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        fail(
            f"cannot listen on {host!r}: it is neither an address nor a name of this machine; "
            "use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface)"
        )
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn binds: a closed connection's TIME_WAIT does not count as busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            explain = _LISTEN_ERRORS.get(error.errno or 0)
            fail(explain(host, port) if explain else f"cannot listen on {host}:{port}: {error}")
