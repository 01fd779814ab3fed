"""`modelyard alias`: the workspace's names for its fine-tuned models (set, get, list, delete).

An alias works wherever a model id does (`modelyard models get support-bot-prod`, and every
official SDK's `retrieve`); moving it is one request, so a promotion is atomic.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .connection import connected
from .options import ApiKey, AsJson, ServerUrl
from .output import print_json, print_table, say, when, wire

app = typer.Typer(
    no_args_is_help=True,
    help="Aliases: your workspace's names for fine-tuned models (through the API, with your key).",
)

AliasName = Annotated[
    str,
    typer.Argument(
        help="1-64 of a-z, 0-9, '.', '_', '-'; not a base model's name.", show_default=False
    ),
]
IfMatch = Annotated[
    str | None,
    typer.Option(
        "--if-match",
        help="Only if the alias still has this ETag (from `alias get`): two promotions cannot "
        "cross.",
        show_default=False,
    ),
]


@app.command("set")
def set_(
    alias: AliasName,
    model: Annotated[str, typer.Argument(help="The fine-tuned model's id.", show_default=False)],
    api_key: ApiKey,
    if_match: IfMatch = None,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Point an alias at a fine-tuned model: created, or moved from the model it named.

    Example: modelyard alias set support-bot-prod ft:mistral-small-2506:587a6b29:20261125:7e773925
    """
    with connected(server_url, api_key) as yard:
        raw = yard.aliases.with_raw_response.set(alias=alias, model=model, if_match=if_match)
    if as_json:
        print_json(raw.http_response.json())
    else:
        say(f"{alias} -> {raw.parse().model} (ETag {raw.etag}).")


@app.command()
def get(
    alias: AliasName,
    api_key: ApiKey,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Show the model an alias names, and the alias's ETag (for --if-match).

    Example: modelyard alias get support-bot-prod
    """
    with connected(server_url, api_key) as yard:
        raw = yard.aliases.with_raw_response.get(alias=alias)
    if as_json:
        print_json(raw.http_response.json())
        return
    found = raw.parse()
    say(f"{found.id} -> {found.model} (ETag {raw.etag}, set {when(found.updated)}).")


@app.command("list")
def list_(
    api_key: ApiKey,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """List your workspace's aliases.

    Example: modelyard alias list
    """
    with connected(server_url, api_key) as yard:
        aliases = yard.aliases.list()
    if as_json:
        print_json(wire(aliases))
        return
    print_table(
        ("ALIAS", "MODEL", "SET"),
        ((each.id, each.model, when(each.updated)) for each in aliases.data),
        empty="No aliases.",
    )


@app.command()
def delete(
    alias: AliasName,
    api_key: ApiKey,
    if_match: IfMatch = None,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Remove an alias (the model stays).

    Example: modelyard alias delete support-bot-prod
    """
    with connected(server_url, api_key) as yard:
        deleted = yard.aliases.delete(alias=alias, if_match=if_match)
    if as_json:
        print_json(wire(deleted))
    else:
        say(f"Deleted alias {deleted.id}.")
