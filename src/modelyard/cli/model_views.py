"""How `modelyard models` shows models to people: a table row per card, a detail view of one
(with a classifier's targets), and a card as JSON for `list --all --json`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelyard import AnyModelCard, FTModelCard, UnknownModelCard

from .classifiers import Targets, target_rows
from .output import print_table, text, when


def print_cards(cards: Sequence[AnyModelCard]) -> None:
    print_table(
        ("ID", "TYPE", "NAME", "ROOT", "LABELS", "ALIASES", "STATUS", "CREATED"),
        (_row(card) for card in cards),
        empty="No models match.",
    )


def label_text(labels: Mapping[str, str]) -> str:
    """`stage=prod, team=search`, or "-"."""
    return ", ".join(f"{key}={value}" for key, value in labels.items()) or "-"


def card_json(card: AnyModelCard) -> Any:
    if isinstance(card, UnknownModelCard):
        return card.raw
    return card.model_dump(mode="json", exclude_unset=True)


def _row(card: AnyModelCard) -> tuple[str, ...]:
    if isinstance(card, UnknownModelCard):
        return (str(card.raw.get("id", "?")), card.type, *("-",) * 6)
    if isinstance(card, FTModelCard):
        root, status = card.root, "archived" if card.archived else "active"
    else:
        root, status = "-", "deprecated" if card.deprecation else "active"
    return (
        card.id,
        card.type,
        text(card.name),
        root,
        label_text(card.labels),
        text(card.aliases),
        status,
        when(card.created, date_only=True),
    )


def details(card: AnyModelCard, targets: Targets = None) -> list[tuple[str, str]]:
    if isinstance(card, UnknownModelCard):
        return [(key, text(value)) for key, value in card.raw.items()]
    pairs = [("ID", card.id), ("Type", card.type), ("Name", text(card.name))]
    pairs.append(("Description", text(card.description)))
    if isinstance(card, FTModelCard):
        pairs += [("Root", card.root), ("Job", card.job), ("Archived", text(card.archived))]
        pairs += target_rows(card, targets)
    pairs += [("Aliases", text(card.aliases)), ("Labels", label_text(card.labels))]
    if card.artifact is not None:
        recorded = card.artifact.model_dump(exclude_none=True)
        pairs.append(("Artifact", ", ".join(f"{key} {value}" for key, value in recorded.items())))
    flags = [flag for flag, on in card.capabilities.model_dump().items() if on]
    pairs += [
        ("Owned by", card.owned_by),
        ("Created", when(card.created)),
        ("Context", f"{card.max_context_length:,} tokens"),
        ("Capabilities", text(flags)),
        ("Temperature", text(card.default_model_temperature)),
    ]
    if card.deprecation:
        pairs.append(("Deprecated", card.deprecation))
        pairs.append(("Replaced by", text(card.deprecation_replacement_model)))
    return pairs
