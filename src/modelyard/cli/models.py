"""`modelyard models`: list, inspect, rename, describe, archive, delete and register models.

Every command is one SDK call; `--json` prints the API's JSON for it.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from modelyard import RawResponse

from .classifiers import (
    classifier_targets,
    parse_target,
    read_targets,
    read_text,
    with_defaults,
)
from .connection import connected
from .model_views import card_json, details, print_cards
from .options import ApiKey, AsJson, ServerUrl
from .output import fail, print_detail, print_json, say

app = typer.Typer(
    no_args_is_help=True,
    help="Base and fine-tuned models (through the API, with your key).",
)

ModelId = Annotated[str, typer.Argument(help="A model id or alias.", show_default=False)]


class ModelType(StrEnum):
    base = "base"
    fine_tuned = "fine-tuned"


@app.command("list")
def list_(
    api_key: ApiKey,
    type_: Annotated[
        ModelType | None, typer.Option("--type", help="Only base or only fine-tuned models.")
    ] = None,
    archived: Annotated[
        bool | None,
        typer.Option(
            "--archived/--active",
            help="Only archived, or only active models \\[default: both].",
            show_default=False,
        ),
    ] = None,
    query: Annotated[
        str | None,
        typer.Option("--query", "-q", help="Case-insensitive text in the id, name or description."),
    ] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", help="Only models of this provider.")
    ] = None,
    label: Annotated[
        list[str] | None,
        typer.Option(
            "--label",
            "-l",
            help="key=value (the label has this value) or key (the model has the label); "
            "repeat it to require several.",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=1,
            max=1000,
            help="One page of this many entries, in id order (with --all: the page size).",
        ),
    ] = None,
    after: Annotated[
        str | None,
        typer.Option(
            "--after", help="Start after this id (with --limit or --all).", show_default=False
        ),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every page, in id order (as many requests as needed).")
    ] = False,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """List the models your key can see: base models, then your workspace's fine-tuned ones.

    With --limit, one page in id order, and how to ask for the next; with --all, every page.

    Example: modelyard models list --type fine-tuned --active --label stage=prod
    """
    if after is not None and limit is None and not every:
        raise typer.BadParameter("--after needs --limit or --all", param_hint="'--after'")
    filters: dict[str, Any] = {
        "type": type_.value if type_ else None,
        "archived": archived,
        "q": query,
        "provider": provider,
        "label": label or None,
    }
    with connected(server_url, api_key) as yard:
        if every:
            cards = list(yard.models.iter(**filters, limit=limit or PAGE_SIZE, after=after))
        else:
            raw = yard.models.with_raw_response.list(**filters, limit=limit, after=after)
    if every:
        if as_json:
            print_json({"object": "list", "data": [card_json(card) for card in cards]})
        else:
            print_cards(cards)
        return
    if as_json:
        print_json(api_json(raw))
        return
    result = raw.parse()
    print_cards(result.data)
    if limit is not None and result.has_more and result.last_id is not None:
        # On stderr: the table alone goes down a pipe.
        flags = _filter_flags(type_, archived, query, provider, label or [])
        again = ["modelyard", "models", "list", *flags]
        again += ["--limit", str(limit), "--after", result.last_id]
        typer.echo(f"More: {shlex.join(again)}", err=True)


PAGE_SIZE = 1000  # the API's largest page: --all takes few requests


def _filter_flags(
    type_: ModelType | None,
    archived: bool | None,
    query: str | None,
    provider: str | None,
    labels: list[str],
) -> list[str]:
    flags = ["--type", type_.value] if type_ else []
    if archived is not None:
        flags.append("--archived" if archived else "--active")
    flags += ["--query", query] if query is not None else []
    flags += ["--provider", provider] if provider is not None else []
    for each in labels:
        flags += ["--label", each]
    return flags


@app.command()
def get(
    model_id: ModelId,
    api_key: ApiKey,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Show one model.

    Example: modelyard models get mistral-small-latest
    """
    with connected(server_url, api_key) as yard:
        raw = yard.models.with_raw_response.retrieve(model_id=model_id)
        if as_json:
            print_json(api_json(raw))
            return
        card = raw.parse()
        targets = classifier_targets(yard, card, raw.http_response.json())
    print_detail(details(card, targets))


@app.command()
def rename(
    model_id: ModelId,
    name: Annotated[str, typer.Argument(help="The new name (up to 256 characters).")],
    api_key: ApiKey,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Rename a fine-tuned model.

    Example: modelyard models rename ft:mistral-small-2506:587a6b29:20261125:7e773925 support-bot-v2
    """
    with connected(server_url, api_key) as yard:
        raw = yard.models.with_raw_response.update(model_id=model_id, name=name)
    report_change(raw, as_json, lambda model: f"Renamed {model} to {name!r}.")


@app.command()
def describe(
    model_id: ModelId,
    api_key: ApiKey,
    description: Annotated[
        str | None, typer.Argument(help="The new description.", show_default=False)
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Read the description from this file ('-': standard input); trailing newlines "
            "are dropped.",
            show_default=False,
        ),
    ] = None,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Set the description of a fine-tuned model, given as TEXT or read with --file.

    Example: modelyard models describe ft:mistral-small-2506:587a6b29:20261125:7e773925 "FAQ bot"
    """
    if (description is None) == (file is None):
        raise typer.BadParameter("give the description as TEXT or with --file (one of them)")
    if file is not None:
        description = read_text(file).rstrip("\r\n")
    with connected(server_url, api_key) as yard:
        raw = yard.models.with_raw_response.update(model_id=model_id, description=description)
    report_change(raw, as_json, lambda model: f"Set the description of {model}.")


@app.command()
def archive(
    model_id: ModelId,
    api_key: ApiKey,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Archive a fine-tuned model (it stays listed and retrievable, marked archived).

    Example: modelyard models archive ft:mistral-small-2506:587a6b29:20261125:7e773925
    """
    with connected(server_url, api_key) as yard:
        raw = yard.models.with_raw_response.archive(model_id=model_id)
    report_change(raw, as_json, lambda model: f"Archived {model}.")


@app.command()
def unarchive(
    model_id: ModelId,
    api_key: ApiKey,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Bring an archived fine-tuned model back.

    Example: modelyard models unarchive ft:mistral-small-2506:587a6b29:20261125:7e773925
    """
    with connected(server_url, api_key) as yard:
        raw = yard.models.with_raw_response.unarchive(model_id=model_id)
    report_change(raw, as_json, lambda model: f"Unarchived {model}.")


def report_change(raw: Any, as_json: bool, sentence: Callable[[str], str]) -> None:
    """The API's JSON, or one sentence about the model (given its id)."""
    if as_json:
        print_json(api_json(raw))
    else:
        say(sentence(raw.parse().id))


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


@app.command()
def delete(
    model_id: ModelId,
    api_key: ApiKey,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")] = False,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Delete a fine-tuned model for good: its id and job are never used again. Asks first.

    Example: modelyard models delete ft:mistral-small-2506:587a6b29:20261125:7e773925 --yes
    """
    if not yes:
        if not stdin_is_terminal():
            fail(f"not deleting {model_id}: no terminal to confirm on; pass --yes to delete")
        # On stderr, so --json still prints nothing but the result on stdout.
        typer.confirm(f"Delete {model_id}? This cannot be undone.", abort=True, err=True)
    with connected(server_url, api_key) as yard:
        raw = yard.models.with_raw_response.delete(model_id=model_id)
    report_change(raw, as_json, lambda model: f"Deleted {model}.")


@app.command()
def register(
    root: Annotated[str, typer.Option("--root", help="The base model it was tuned from.")],
    api_key: ApiKey,
    job: Annotated[
        str | None,
        typer.Option("--job", help="The fine-tuning job's UUID \\[default: a new one]."),
    ] = None,
    suffix: Annotated[
        str | None, typer.Option("--suffix", help="Up to 18 of a-z, 0-9, '-'; the default name.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="A name for people.")] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="What it is for.")
    ] = None,
    classifier_target: Annotated[
        list[str] | None,
        typer.Option(
            "--classifier-target",
            help="A classifier's target, NAME:LABEL[,LABEL...][:WEIGHT[:LOSS]] (LOSS: "
            "single_class or multi_class); repeat it for each target. Makes the model a "
            "classifier.",
            show_default=False,
        ),
    ] = None,
    targets_file: Annotated[
        Path | None,
        typer.Option(
            "--targets-file",
            help='A JSON list of targets, as the API takes them: [{"name", "labels", "weight"?, '
            '"loss_function"?}]. Makes the model a classifier.',
            show_default=False,
        ),
    ] = None,
    label: Annotated[
        list[str] | None,
        typer.Option(
            "--label", "-l", help="key=value; repeat it for each label.", show_default=False
        ),
    ] = None,
    artifact_uri: Annotated[
        str | None,
        typer.Option(
            "--artifact-uri",
            help="Where its weights are (s3://, hf://, ...); `models artifact` records the rest.",
            show_default=False,
        ),
    ] = None,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Register the fine-tuned model a job produced. Re-running with the same job is safe.

    Example: modelyard models register --root mistral-small-latest --suffix support-bot
    """
    targets = [parse_target(each) for each in classifier_target or []]
    if targets_file is not None:
        targets += read_targets(targets_file)
    labels = parse_labels(label or [])
    with connected(server_url, api_key) as yard:
        raw = yard.models.with_raw_response.register(
            root=root,
            job=job,
            suffix=suffix,
            name=name,
            description=description,
            model_type="classifier" if targets else None,
            classifier_targets=targets or None,
            labels=labels or None,
            artifact={"uri": artifact_uri} if artifact_uri else None,
        )
    if as_json:
        print_json(api_json(raw))
        return
    card = raw.parse()
    # 200 instead of 201: this job was registered before, with the same body.
    say(f"Registered {card.id}." if raw.status_code == 201 else f"Already registered: {card.id}.")
    print_detail(details(card, [with_defaults(each) for each in targets] or None))


def parse_labels(labels: list[str]) -> dict[str, str]:
    """`key=value` options as a labels object."""
    parsed = {}
    for each in labels:
        key, equals, value = each.partition("=")
        if not equals:
            raise typer.BadParameter(f"{each!r}: write key=value", param_hint="'--label'")
        parsed[key] = value
    return parsed


def api_json(raw: RawResponse[Any]) -> Any:
    """The API's JSON for the call, as the server sent it (keys this SDK does not know too)."""
    if raw.status_code < 400:
        return raw.http_response.json()
    # A delete whose earlier attempt was cut off: the SDK reports the success the retry's 404
    # confirms, so print that result, not the 404's body.
    return raw.parse().model_dump(mode="json")
