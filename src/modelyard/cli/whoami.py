"""`modelyard whoami`: the key you are calling with (`GET /v1/me`)."""

from __future__ import annotations

from .connection import connected
from .options import ApiKey, AsJson, ServerUrl
from .output import print_detail, print_json, text, wire


def whoami(api_key: ApiKey, server_url: ServerUrl = None, as_json: AsJson = False) -> None:
    """Show the key you call with: its scope, workspace and organization.

    Example: modelyard whoami --server-url http://127.0.0.1:8000
    """
    with connected(server_url, api_key) as yard:
        me = yard.me()
        server = yard.server_url
    if as_json:
        print_json(wire(me))
        return
    print_detail(
        [
            ("Server", server),
            ("Key", me.id),
            ("Name", text(me.name)),
            ("Scope", me.scope),
            ("Workspace", me.workspace_id),
            ("Organization", me.organization_id),
        ]
    )
