"""The model page's edit form: its text fields, read into a merge patch checked by the wire types.

Labels are edited as text, one `key=value` per line. The patch holds only what the user changed
from the values the page was loaded with (the form carries them), so a Save sends exactly the
edit, under the ETag of the page that was loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from modelyard.types import UpdateFTModelIn
from modelyard.types.record import MAX_LABELS


@dataclass
class Edit:
    """The fields as the user sent them, and what they mean."""

    name: str
    description: str
    labels: str
    errors: dict[str, list[str]] = field(default_factory=dict)
    patch: UpdateFTModelIn | None = None

    @property
    def changed(self) -> bool:
        return self.patch is not None and bool(self.patch.model_fields_set)


def labels_text(labels: dict[str, str]) -> str:
    return "".join(f"{key}={value}\n" for key, value in sorted(labels.items()))


def parse_labels(text: str) -> tuple[dict[str, str], list[str]]:
    """`key=value` lines (blank lines ignored) and the errors of the lines that are not."""
    labels: dict[str, str] = {}
    errors = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep:
            errors.append(f"Line {number}: write key=value.")
        elif key in labels:
            errors.append(f"Line {number}: the label '{key}' is given twice.")
        else:
            labels[key] = value
    return labels, errors


def read_edit(form: dict[str, str]) -> Edit:
    """The edit form, checked; `patch` is set when it is valid."""
    edit = Edit(form.get("name", ""), form.get("description", ""), form.get("labels", ""))
    new_labels, label_errors = parse_labels(lines(edit.labels))
    old_labels, _ = parse_labels(lines(form.get("seen_labels", "")))
    if label_errors:
        edit.errors["labels"] = label_errors
    if len(new_labels) > MAX_LABELS:
        edit.errors.setdefault("labels", []).append(f"At most {MAX_LABELS} labels.")
    patch: dict[str, Any] = {}
    for name in ("name", "description"):
        value = lines(form.get(name, ""))
        if value != lines(form.get(f"seen_{name}", "")):
            patch[name] = value or None  # an emptied field clears the value
    labels_patch: dict[str, str | None] = {
        key: value for key, value in new_labels.items() if old_labels.get(key) != value
    }
    labels_patch.update({key: None for key in old_labels if key not in new_labels})
    if labels_patch:
        patch["labels"] = labels_patch
    try:
        checked = UpdateFTModelIn.model_validate(patch)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            where = str(item["loc"][0])
            edit.errors.setdefault(where, []).append(_sentence(item))
    else:
        if not edit.errors:
            edit.patch = checked
    return edit


def _sentence(item: Any) -> str:
    """pydantic's message for a person; for a label, which one and what a key may hold."""
    loc, message = item["loc"], str(item["msg"])
    if loc[0] == "labels" and len(loc) > 1:
        if loc[-1] == "[key]":
            message = (
                "a key is 1-63 of a-z 0-9 . _ / -, beginning and ending with a letter or digit"
            )
        elif item["type"] == "string_pattern_mismatch":
            message = "a value holds no control characters"
        return f"'{loc[1]}': {message}."
    return message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")


def lines(text: str) -> str:
    """Browsers send textarea lines with CRLF: compare and store them as LF."""
    return text.replace("\r\n", "\n")
