"""Load and check a catalog file (format: CONTRACT.md section 6)."""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from modelyard.types import CAPABILITY_FLAGS, ArtifactIn
from modelyard.types.record import Labels

DEFAULT_CATALOG = Path(__file__).with_name("mistral.yaml")


class CatalogError(ValueError):
    """The catalog file cannot be used; the message says where and why."""


class CatalogEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(min_length=1, max_length=512)]
    provider: Annotated[str, Field(min_length=1, max_length=128)]
    version: str | None = None
    description: str | None = None
    created: int
    max_context_length: Annotated[int, Field(ge=1)]
    aliases: tuple[str, ...] = ()
    capabilities: dict[str, bool] = Field(default_factory=dict)
    default_model_temperature: float | None = None
    deprecation: str | None = None
    deprecation_replacement_model: str | None = None
    labels: Labels = Field(default_factory=dict)
    artifact: ArtifactIn | None = None

    @field_validator("created", mode="before")
    @classmethod
    def _unix_seconds(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return calendar.timegm(value.utctimetuple())
        if isinstance(value, dt.date):
            return calendar.timegm(value.timetuple())
        return value

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    @field_validator("deprecation", mode="before")
    @classmethod
    def _rfc3339(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
            return value.strftime("%Y-%m-%dT%H:%M:%SZ")
        if isinstance(value, str):
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value

    @field_validator("capabilities")
    @classmethod
    def _known_flags(cls, value: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(value) - set(CAPABILITY_FLAGS))
        if unknown:
            raise ValueError(f"unknown capability flags: {', '.join(unknown)}")
        return {flag: bool(value.get(flag, False)) for flag in CAPABILITY_FLAGS}

    @property
    def names(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)


def load_catalog(path: Path | None = None) -> list[CatalogEntry]:
    path = path or DEFAULT_CATALOG
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"cannot read catalog {path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("models"), list):
        raise CatalogError(f"catalog {path}: expected a mapping with a 'models' list")
    entries = []
    for index, raw in enumerate(document["models"]):
        try:
            entries.append(CatalogEntry.model_validate(raw))
        except ValidationError as exc:
            raise CatalogError(f"catalog {path}, models[{index}]: {exc}") from exc
    _check_names(path, entries)
    return entries


def _check_names(path: Path, entries: list[CatalogEntry]) -> None:
    owner: dict[str, str] = {}
    for entry in entries:
        for name in entry.names:
            if name in owner:
                raise CatalogError(
                    f"catalog {path}: name {name!r} is used by {owner[name]!r} and {entry.id!r}"
                )
            owner[name] = entry.id
    for entry in entries:
        replacement = entry.deprecation_replacement_model
        if replacement is not None and replacement not in owner:
            raise CatalogError(
                f"catalog {path}: {entry.id!r} names an unknown replacement {replacement!r}"
            )
