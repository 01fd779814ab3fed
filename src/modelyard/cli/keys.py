"""`modelyard keys`: create, list and revoke API keys."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from .options import AdminApiKey, AdminServerUrl, AsJson, DatabaseUrl
from .output import print_json, print_table, say, text, when, wire
from .tenancy import tenancy

app = typer.Typer(
    no_args_is_help=True,
    help="API keys (on the store, or the admin API with --server-url).",
)


class Scope(StrEnum):
    read = "read"
    write = "write"
    admin = "admin"


@app.command()
def create(
    workspace: Annotated[
        str, typer.Option("--workspace", "-w", help="The key's workspace, by name or id.")
    ],
    scope: Annotated[
        Scope,
        typer.Option(
            "--scope", help="read: list and retrieve; write: also change; admin: also tenancy."
        ),
    ],
    name: Annotated[str | None, typer.Option("--name", help="A label for people.")] = None,
    database_url: DatabaseUrl = None,
    server_url: AdminServerUrl = None,
    api_key: AdminApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Create a key. Its secret is shown this once; only its hash is stored.

    Example: modelyard keys create --workspace team-a --scope write --name ci
    """
    with tenancy(database_url, server_url, api_key) as backend:
        key = backend.create_key(workspace, scope.value, name)
    if as_json:
        print_json(wire(key))
        return
    label = f" {key.name!r}" if key.name else ""
    say(f"Created {key.scope} key {key.id}{label} in workspace {workspace}.")
    say("Its secret, shown only now (store it):")
    say(f"  {key.key}")


@app.command("list")
def list_(
    every: Annotated[
        bool, typer.Option("--all", help="Revoked keys too, with when they were revoked.")
    ] = False,
    database_url: DatabaseUrl = None,
    server_url: AdminServerUrl = None,
    api_key: AdminApiKey = None,
    as_json: AsJson = False,
) -> None:
    """List the organization's keys (never their secrets).

    Example: modelyard keys list --all
    """
    with tenancy(database_url, server_url, api_key) as backend:
        keys = backend.list_keys(revoked=every)
        names = {} if as_json else {each.id: each.name for each in backend.list_workspaces()}
    if as_json:
        print_json({"object": "list", "data": [wire(each) for each in keys]})
        return
    columns: tuple[str, ...] = ("ID", "NAME", "SCOPE", "WORKSPACE", "CREATED", "LAST USED")
    rows: list[tuple[str, ...]] = [
        (
            each.id,
            text(each.name),
            each.scope,
            names.get(each.workspace_id, each.workspace_id),
            when(each.created),
            when(each.last_used_at),
        )
        for each in keys
    ]
    if every:
        columns += ("REVOKED",)
        rows = [(*row, when(each.revoked_at)) for row, each in zip(rows, keys, strict=True)]
    print_table(columns, rows, empty="No keys.")


@app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `keys list`).")],
    database_url: DatabaseUrl = None,
    server_url: AdminServerUrl = None,
    api_key: AdminApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Revoke a key: it is refused from its very next request.

    Example: modelyard keys revoke 3f7c1e0a9b2d4c6e8f0a1b2c3d4e5f60
    """
    with tenancy(database_url, server_url, api_key) as backend:
        revoked = backend.revoke_key(key_id)
    if as_json:
        print_json(wire(revoked))
    else:
        say(f"Revoked key {revoked.id}.")
