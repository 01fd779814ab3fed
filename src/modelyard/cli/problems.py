"""Validation problems in plain words: the server's 422 items and pydantic's own errors (the
operator commands check what the routes check) become sentences such as
"suffix: use 1-18 lowercase letters, digits or '-'", never a regular expression.

A sentence is picked by the item's field (the last name in its `loc`) and `type`, else by its
`type` alone; an unknown type keeps pydantic's message with any pattern taken out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

UUID_SENTENCE = "must be a UUID, such as 7e773925-2a41-4c34-9d51-0f5e7a0b8c11"

BY_FIELD: dict[tuple[str, str], str] = {
    ("suffix", "string_pattern_mismatch"): "use 1-18 lowercase letters, digits or '-'",
    ("job", "string_pattern_mismatch"): UUID_SENTENCE,
    ("name", "string_pattern_mismatch"): (
        "use 1-64 letters, digits, '.', '_' or '-', beginning with a letter or digit"
    ),
}

BY_TYPE: dict[str, str] = {
    "missing": "is required",
    "extra_forbidden": "is not a field this accepts",
    "string_too_long": "use at most {max_length:,} characters",
    "too_long": "takes at most {max_length:,} items",
    "too_short": "needs at least {min_length:,} item(s)",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "string_type": "must be text",
    "uuid_type": UUID_SENTENCE,
    "uuid_parsing": UUID_SENTENCE,
    "json_invalid": "is not valid JSON",
}

# Where a request item came from: not part of the field's name for a person.
_SOURCES = {"body", "query", "path", "header", "cookie"}
_PATTERN = re.compile(r"\s*pattern\s+'.*'", re.DOTALL)


def plain_problems(items: Iterable[Mapping[str, Any]]) -> str:
    """`field: sentence; field: sentence` for a list of validation items."""
    return "; ".join(_problem(item) for item in items) or "the request is not valid"


def _problem(item: Mapping[str, Any]) -> str:
    field = _field(item.get("loc") or [])
    sentence = _sentence(item, field.rsplit(".", 1)[-1])
    return f"{field}: {sentence}" if field else sentence


def _field(loc: Iterable[Any]) -> str:
    """`["body", "classifier_targets", 0, "name"]` -> `classifier_targets[0].name`."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    field = ""
    for part in parts:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    return field


def _sentence(item: Mapping[str, Any], name: str) -> str:
    kind = str(item.get("type", ""))
    context = item.get("ctx") or {}
    message = str(item.get("msg", ""))
    forbidden = str(context.get("pattern", "")).startswith("^[^")  # a class of characters
    if kind == "string_pattern_mismatch" and forbidden:
        return "must not contain control characters"
    if (name, kind) in BY_FIELD:
        return BY_FIELD[name, kind]
    if kind == "string_pattern_mismatch":
        return "has characters or a form that is not allowed here"
    if kind == "string_too_short":
        shortest = context.get("min_length", 1)
        return "must not be empty" if shortest == 1 else f"use at least {shortest} characters"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    template = BY_TYPE.get(kind)
    if template is not None:
        try:
            return template.format(**context)
        except (KeyError, ValueError):
            pass
    return _PATTERN.sub(" the allowed form", message) or kind
