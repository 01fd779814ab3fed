"""`modelyard workspaces`: create and list the organization's workspaces."""

from __future__ import annotations

from typing import Annotated

import typer

from .options import AdminApiKey, AdminServerUrl, AsJson, DatabaseUrl
from .output import print_json, print_table, say, when, wire
from .tenancy import tenancy

app = typer.Typer(
    no_args_is_help=True,
    help="Workspaces of the organization (on the store, or the admin API with --server-url).",
)


@app.command()
def create(
    name: Annotated[str, typer.Argument(help="Unique in the organization: letters, digits, . _ -")],
    database_url: DatabaseUrl = None,
    server_url: AdminServerUrl = None,
    api_key: AdminApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Create a workspace.

    Example: modelyard workspaces create team-a
    """
    with tenancy(database_url, server_url, api_key) as backend:
        workspace = backend.create_workspace(name)
    if as_json:
        print_json(wire(workspace))
    else:
        say(f"Created workspace {workspace.name} (id {workspace.id}, tag {workspace.tag}).")


@app.command("list")
def list_(
    database_url: DatabaseUrl = None,
    server_url: AdminServerUrl = None,
    api_key: AdminApiKey = None,
    as_json: AsJson = False,
) -> None:
    """List the workspaces, oldest first.

    Example: modelyard workspaces list --server-url http://127.0.0.1:8000 --api-key $ADMIN_KEY
    """
    with tenancy(database_url, server_url, api_key) as backend:
        workspaces = backend.list_workspaces()
    if as_json:
        print_json({"object": "list", "data": [wire(each) for each in workspaces]})
        return
    print_table(
        ("NAME", "ID", "TAG", "CREATED"),
        ((each.name, each.id, each.tag, when(each.created)) for each in workspaces),
        empty="No workspaces.",
    )
