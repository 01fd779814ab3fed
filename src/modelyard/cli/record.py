"""`modelyard models label` and `modelyard models artifact` (main.py adds them to `models`): the
model record's labels and artifact, each a JSON merge patch of the fine-tuned model."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .connection import connected
from .model_views import label_text
from .models import ModelId, report_change
from .options import ApiKey, AsJson, ServerUrl


def parse_label_changes(changes: list[str]) -> dict[str, str | None]:
    """`key=value` sets a label, `key-` removes it (as `kubectl label` does)."""
    patch: dict[str, str | None] = {}
    for change in changes:
        key, equals, value = change.partition("=")
        if equals:
            patch[key] = value
        elif change.endswith("-") and len(change) > 1:
            patch[change[:-1]] = None
        else:
            raise typer.BadParameter(
                f"{change!r}: write key=value to set a label, or key- to remove it",
                param_hint="'CHANGES'",
            )
    return patch


def label(
    model_id: ModelId,
    changes: Annotated[
        list[str],
        typer.Argument(
            help="key=value sets a label, key- removes it; the other labels stay.",
            show_default=False,
        ),
    ],
    api_key: ApiKey,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Set or remove labels of a fine-tuned model.

    Example: modelyard models label $ID stage=prod team-
    """
    patch = parse_label_changes(changes)
    with connected(server_url, api_key) as yard:
        raw = yard.models.with_raw_response.update(model_id=model_id, labels=patch)
    report_change(
        raw, as_json, lambda model: f"Labels of {model}: {label_text(raw.parse().labels)}."
    )


def artifact(
    model_id: ModelId,
    api_key: ApiKey,
    uri: Annotated[
        str | None,
        typer.Option(
            "--uri",
            help="Where the weights are: s3://, gs://, az://, abfs://, hf://, oci://, http(s)://, "
            "file://; never with credentials in it.",
            show_default=False,
        ),
    ] = None,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="safetensors, gguf, pytorch, onnx, mlx or other.",
            show_default=False,
        ),
    ] = None,
    digest: Annotated[
        str | None,
        typer.Option("--digest", help="sha256: and 64 hex digits.", show_default=False),
    ] = None,
    size_bytes: Annotated[
        int | None, typer.Option("--size-bytes", min=0, show_default=False)
    ] = None,
    parameter_count: Annotated[
        int | None, typer.Option("--parameter-count", min=0, show_default=False)
    ] = None,
    quantization: Annotated[
        str | None,
        typer.Option("--quantization", help="e.g. bf16, q4_k_m, awq.", show_default=False),
    ] = None,
    adapter: Annotated[
        bool | None,
        typer.Option(
            "--adapter/--full-weights",
            help="The weights are an adapter applied to the root model (or full weights).",
            show_default=False,
        ),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove the artifact record altogether.")
    ] = False,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Record where a fine-tuned model's weights are and what they are. The options given
    change those fields; the others stay. The first artifact needs --uri.

    Example: modelyard models artifact $ID --uri s3://models/support-bot/v3 --format safetensors
    """
    fields: dict[str, Any] = {
        "uri": uri,
        "format": format_,
        "digest": digest,
        "size_bytes": size_bytes,
        "parameter_count": parameter_count,
        "quantization": quantization,
        "adapter": adapter,
    }
    given = {key: value for key, value in fields.items() if value is not None}
    if clear == bool(given):
        raise typer.BadParameter("give the fields to set (e.g. --uri), or --clear (one of them)")
    with connected(server_url, api_key) as yard:
        raw = yard.models.with_raw_response.update(
            model_id=model_id, artifact=None if clear else given
        )

    def sentence(model: str) -> str:
        recorded = raw.parse().artifact
        return (
            f"Set the artifact of {model}: {recorded.uri}."
            if recorded
            else (f"Removed the artifact of {model}.")
        )

    report_change(raw, as_json, sentence)
