"""The options many commands share, declared once (typer reads them from `Annotated`)."""

from __future__ import annotations

from typing import Annotated

import typer

AsJson = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout and nothing else."),
]

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="MODELYARD_DATABASE_URL",
        help="SQLAlchemy URL of the store \\[default: sqlite:///./modelyard.db].",
        show_default=False,
    ),
]

# User commands: the server and the key, from the flags or the environment (as the SDK reads them).
ServerUrl = Annotated[
    str | None,
    typer.Option(
        "--server-url",
        envvar="MODELYARD_SERVER_URL",
        help="The server, without /v1 \\[default: http://localhost:8000].",
        show_default=False,
    ),
]

ApiKey = Annotated[
    str,
    typer.Option(
        "--api-key",
        envvar="MODELYARD_API_KEY",
        help="The API key to call with.",
        show_default=False,
    ),
]

# `workspaces` and `keys` work on the store unless told otherwise: only the flag switches them to
# the admin API, so a MODELYARD_SERVER_URL set for user commands never redirects an operator.
AdminServerUrl = Annotated[
    str | None,
    typer.Option(
        "--server-url",
        help="Go through this server's admin API instead of the store (needs an admin key).",
        show_default=False,
    ),
]

AdminApiKey = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="MODELYARD_API_KEY",
        help="An admin key, used with --server-url.",
        show_default=False,
    ),
]
