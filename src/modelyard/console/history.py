"""What an audit event changed, field by field (before -> after), for a model's history and
the audit feed. Labels and the artifact are compared key by key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The fields of a card (or an alias) a person cares to see change, in the order shown.
_FIELDS = ("name", "description", "archived", "labels", "artifact", "aliases", "model")
_NESTED = ("labels", "artifact")
MAX_SHOWN = 300  # characters of a value shown in a history row


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    before: str | None  # None: absent
    after: str | None


def changes(
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    fields: tuple[str, ...] = _FIELDS,
) -> list[Change]:
    """The fields that differ. A registration shows what the model started with; a deletion
    shows nothing (the action says it all)."""
    if after is None:
        return []
    old = before or {}
    found = []
    for name in fields:
        if name not in after and name not in old:
            continue
        was, now = old.get(name), after.get(name)
        if name in _NESTED and (isinstance(was, dict) or isinstance(now, dict)):
            was, now = was or {}, now or {}
            for key in sorted({*was, *now}):
                if was.get(key) != now.get(key) and not (before is None and now.get(key) is None):
                    found.append(
                        Change(
                            f"{name}.{key}",
                            _shown(was.get(key), key in was),
                            _shown(now.get(key), key in now),
                        )
                    )
        elif was != now and not (before is None and _empty(now)):
            found.append(Change(name, _shown(was, name in old), _shown(now, name in after)))
    return found


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value is False


def _shown(value: Any, present: bool) -> str | None:
    if not present:
        return None
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        text = ", ".join(str(item) for item in value) or "none"
    else:
        text = str(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"
