"""Classifiers on the command line: targets given as flags or a JSON file to `models register`,
and shown by `models get`.

A model card carries no model type nor targets (CONTRACT.md, section 2); a classifier's id starts
with `ft:classifier:` (section 4), and the update's answer holds its targets. An empty update
(`{}`) changes nothing (section 3: no new version, no audit event), so `models get` asks for one
when the card lacks the targets; a read key may not, and is told so.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from modelyard import AnyModelCard, FTModelCard, Modelyard, PermissionDeniedError

from .output import fail

Targets = list[dict[str, Any]] | str | None
"""A classifier's targets, a sentence when they cannot be shown, or None (not a classifier)."""

TARGET_FORM = "NAME:LABEL[,LABEL...][:WEIGHT[:LOSS]], e.g. mood:happy,sad:0.5:single_class"
CLASSIFIER_PREFIX = "ft:classifier:"


def parse_target(spec: str) -> dict[str, Any]:
    """`mood:happy,sad:0.5:multi_class` -> the API's target object (defaults left to it)."""
    parts = spec.split(":")
    if not 2 <= len(parts) <= 4 or not parts[0] or not parts[1]:
        raise typer.BadParameter(f"{spec!r}: use {TARGET_FORM}", param_hint="'--classifier-target'")
    target: dict[str, Any] = {"name": parts[0], "labels": parts[1].split(",")}
    if len(parts) > 2 and parts[2]:
        try:
            target["weight"] = float(parts[2])
        except ValueError:
            raise typer.BadParameter(
                f"{spec!r}: the weight {parts[2]!r} is not a number; use {TARGET_FORM}",
                param_hint="'--classifier-target'",
            ) from None
    if len(parts) > 3:
        target["loss_function"] = parts[3]
    return target


def read_targets(path: Path) -> list[dict[str, Any]]:
    """A JSON list of target objects, as the API takes them."""
    try:
        targets = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        fail(f"{path}: not valid JSON ({error.msg} at line {error.lineno})")
    if not isinstance(targets, list) or not all(isinstance(each, dict) for each in targets):
        fail(f'{path}: expected a JSON list of targets, [{{"name": ..., "labels": [...]}}, ...]')
    return targets


def read_text(path: Path) -> str:
    """A file's text, or standard input's for `-`."""
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text()
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}")


def with_defaults(target: dict[str, Any]) -> dict[str, Any]:
    """A target as the server stores it (its defaults: weight 1, single_class)."""
    return {"weight": 1.0, "loss_function": "single_class", **target}


def classifier_targets(yard: Modelyard, card: AnyModelCard, body: dict[str, Any]) -> Targets:
    """The targets of a fine-tuned classifier (from the card if a server sends them there)."""
    if not isinstance(card, FTModelCard) or not is_classifier(card, body):
        return None
    listed = body.get("classifier_targets")
    if isinstance(listed, list):
        return listed
    try:
        model = yard.models.update(model_id=card.id)  # `{}`: changes nothing
    except PermissionDeniedError:
        return "a write key shows them (the card does not carry them)"
    return [target.model_dump(mode="json") for target in getattr(model, "classifier_targets", [])]


def is_classifier(card: FTModelCard, body: dict[str, Any]) -> bool:
    return body.get("model_type", "") == "classifier" or card.id.startswith(CLASSIFIER_PREFIX)


def target_rows(card: FTModelCard, targets: Targets) -> list[tuple[str, str]]:
    """`Model type` and, for a classifier, one `Targets` line per target."""
    classifier = targets is not None or card.id.startswith(CLASSIFIER_PREFIX)
    rows = [("Model type", "classifier" if classifier else "completion")]
    if isinstance(targets, str):
        return [*rows, ("Targets", targets)]
    for index, target in enumerate(targets or []):
        labels = ", ".join(str(label) for label in target.get("labels", []))
        how = f"weight {float(target.get('weight', 1.0)):g}, {target.get('loss_function', '?')}"
        rows.append(("Targets" if index == 0 else "", f"{target.get('name')}: {labels} ({how})"))
    return rows
