"""How commands print: one JSON document for scripts, tables and detail views for people, and
errors as one line on stderr.

rich is imported here only when a table or detail view is drawn, so `--json` never pays for it
(httpx loads part of rich by itself when rich is installed; that much is in every baseline).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from pydantic import BaseModel

# Piped output is not folded: one row per line (a fine-tuned id whole) for grep/awk, however many
# labels and aliases a row carries. rich draws a table no wider than its cells need.
PIPED_WIDTH = 10_000


def print_json(document: Any) -> None:
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def wire(value: BaseModel) -> dict[str, Any]:
    """A wire object as the server sent it: only the keys it had, none added by defaults."""
    return value.model_dump(mode="json", exclude_unset=True)


def fail(message: str, *, code: str | None = None) -> NoReturn:
    """One line on stderr, exit 1."""
    suffix = f" ({code})" if code else ""
    line = " ".join(f"{message}{suffix}".split())
    typer.secho(f"Error: {line}", err=True, fg=typer.colors.RED)
    raise typer.Exit(1)


def say(message: str) -> None:
    """A sentence for people, on stdout (never used with --json)."""
    typer.echo(message)


def _print(renderable: object) -> None:
    from rich.console import Console

    width = None if sys.stdout.isatty() else PIPED_WIDTH
    console = Console(width=width, highlight=False)
    with console.capture() as captured:
        console.print(renderable)
    # rich pads the last column to its width; trailing blanks only get in the way of a pipe.
    typer.echo("\n".join(line.rstrip() for line in captured.get().splitlines()))


def print_table(
    columns: Sequence[str], rows: Iterable[Sequence[str]], *, empty: str = "Nothing to show."
) -> None:
    rows = list(rows)
    if not rows:
        say(empty)
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False, show_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))  # Text: a name like "[x]" is not markup
    _print(table)


def print_detail(pairs: Sequence[tuple[str, str]]) -> None:
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in pairs:
        grid.add_row(label, Text(value))
    _print(grid)


def when(seconds: int | None, *, date_only: bool = False) -> str:
    """Unix seconds as a UTC date (and time), or "-"."""
    if seconds is None:
        return "-"
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return moment.strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M:%SZ")


def text(value: object) -> str:
    """A value for a table cell: "-" for nothing, "yes"/"no" for booleans."""
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)
