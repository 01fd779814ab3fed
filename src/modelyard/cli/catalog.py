"""`modelyard catalog`: the base-model catalog file, and syncing it into the store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .model_views import label_text
from .options import AsJson, DatabaseUrl
from .output import print_json, print_table, say, text, when

if TYPE_CHECKING:
    from modelyard.catalog import CatalogEntry

app = typer.Typer(
    no_args_is_help=True, help="The base-model catalog (a YAML file; on the store, no server)."
)

CatalogPath = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        envvar="MODELYARD_CATALOG",
        help="The catalog YAML \\[default: the packaged Mistral catalog].",
        show_default=False,
    ),
]


def _load(catalog: Path | None) -> tuple[Path, list[CatalogEntry]]:
    from modelyard.catalog import DEFAULT_CATALOG, load_catalog

    from .operator_store import reporting

    with reporting():
        return catalog or DEFAULT_CATALOG, load_catalog(catalog)


@app.command()
def show(catalog: CatalogPath = None, as_json: AsJson = False) -> None:
    """Check a catalog file and show its models (what `catalog sync` would load).

    Example: modelyard catalog show --catalog ./my-catalog.yaml
    """
    path, entries = _load(catalog)
    if as_json:
        models = [entry.model_dump(mode="json") for entry in entries]
        print_json({"catalog": str(path), "models": models})
        return
    say(f"{path}: {len(entries)} models")
    print_table(
        ("ID", "PROVIDER", "VERSION", "CONTEXT", "ALIASES", "LABELS", "CREATED", "DEPRECATED"),
        (
            (
                entry.id,
                entry.provider,
                text(entry.version),
                f"{entry.max_context_length:,}",
                text(entry.aliases),
                label_text(entry.labels),
                when(entry.created, date_only=True),
                text(entry.deprecation),
            )
            for entry in entries
        ),
        empty="The catalog has no models.",
    )


@app.command()
def sync(
    catalog: CatalogPath = None, database_url: DatabaseUrl = None, as_json: AsJson = False
) -> None:
    """Load the catalog file into the store; a running server picks it up on its next request.

    Models missing from the file stop being listed; their fine-tuned models keep their root.

    Example: modelyard catalog sync --catalog ./my-catalog.yaml
    """
    from modelyard.registry.catalog_sync import sync_catalog

    from .operator_store import opened_store

    path, entries = _load(catalog)
    with opened_store(database_url) as store:
        changed = sync_catalog(store, entries)
    if as_json:
        print_json({"catalog": str(path), "models": len(entries), "changed": changed})
    elif changed:
        say(f"Synced {len(entries)} models from {path} into the store.")
    else:
        say(f"The store already matches {path} ({len(entries)} models).")
