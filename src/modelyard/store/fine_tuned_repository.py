"""SQL for fine-tuned models. Every read filters on the workspace: visibility lives in the query."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import records
from .tables import aliases, fine_tuned_models, model_labels

_ft = fine_tuned_models
_labels = model_labels

# The write path's statements, built once: constructing a statement costs more than running it
# on SQLite (profiled with cProfile on a PATCH's write).
_VISIBLE = sa.select(_ft).where(
    _ft.c.id == sa.bindparam("model_id"),
    _ft.c.workspace_id == sa.bindparam("workspace_id"),
    _ft.c.deleted_at.is_(None),
)


class FineTunedRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def visible(self, workspace_id: str, model_id: str) -> records.FineTunedModel | None:
        """The live model with this id in this workspace, or None."""
        row = self.conn.execute(
            _VISIBLE, {"model_id": model_id, "workspace_id": workspace_id}
        ).first()
        return _record(row) if row else None

    def by_job(self, workspace_id: str, job: str) -> records.FineTunedModel | None:
        """The model a job produced, deleted or not."""
        row = self.conn.execute(
            sa.select(_ft).where(_ft.c.workspace_id == workspace_id, _ft.c.job == job)
        ).first()
        return _record(row) if row else None

    def id_taken(self, model_id: str) -> bool:
        return self.conn.scalar(sa.select(sa.exists().where(_ft.c.id == model_id))) is True

    def list_visible(
        self, workspace_id: str, match: FineTunedMatch | None = None
    ) -> list[records.FineTunedModel]:
        """The workspace's live models that match, newest first."""
        query = _matching(workspace_id, match or FineTunedMatch())
        rows = self.conn.execute(query.order_by(_ft.c.created.desc(), _ft.c.id.desc()))
        return [_record(row) for row in rows]

    def page_visible(
        self, workspace_id: str, match: FineTunedMatch, *, after: str | None, limit: int
    ) -> list[records.FineTunedModel]:
        """Up to `limit` live models that match, in id order, after the `after` id (keyset)."""
        query = _matching(workspace_id, match)
        if after is not None:
            query = query.where(_ft.c.id > after)
        rows = self.conn.execute(query.order_by(_ft.c.id).limit(limit))
        return [_record(row) for row in rows]

    def count_live(self) -> int:
        """Live fine-tuned models in every workspace (for metrics)."""
        query = sa.select(sa.func.count()).select_from(_ft).where(_ft.c.deleted_at.is_(None))
        return int(self.conn.scalar(query) or 0)

    def alias_entries(
        self,
        workspace_id: str,
        match: FineTunedMatch,
        *,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[tuple[str, records.FineTunedModel]]:
        """The workspace's aliases whose entry matches (the alias is the entry's id), with the
        model each names, in alias order; a page when `limit` is given."""
        query = _matching(workspace_id, match, aliases.c.name).join_from(
            _ft, aliases, aliases.c.model_id == _ft.c.id
        )
        query = query.add_columns(aliases.c.name.label("alias_name"))
        query = query.where(aliases.c.workspace_id == workspace_id)
        if after is not None:
            query = query.where(aliases.c.name > after)
        query = query.order_by(aliases.c.name)
        if limit is not None:
            query = query.limit(limit)
        found = []
        for row in self.conn.execute(query):
            values = dict(row._mapping)
            alias = values.pop("alias_name")
            found.append((alias, records.FineTunedModel(**values)))
        return found

    def add(self, model: records.FineTunedModel) -> None:
        values = {name: getattr(model, name) for name in model.__slots__}
        self.conn.execute(sa.insert(_ft).values(**values))
        self.set_labels(model.id, model.workspace_id, model.labels)

    def change(self, model: records.FineTunedModel, **values: Any) -> records.FineTunedModel:
        """Set fields and bump the version (the ETag's source); returns the changed record."""
        changed = replace(model, **values, version=model.version + 1)
        self.conn.execute(
            _change_statement(frozenset(values)),
            {**values, "b_id": model.id, "b_version": model.version, "version": changed.version},
        )
        if "labels" in values:
            self.set_labels(model.id, model.workspace_id, changed.labels)
        return changed

    def set_labels(self, model_id: str, workspace_id: str, labels: dict[str, str]) -> None:
        """The label index of a model: its rows replaced by these labels."""
        self.conn.execute(sa.delete(_labels).where(_labels.c.model_id == model_id))
        if labels:
            rows = [
                {"model_id": model_id, "workspace_id": workspace_id, "key": key, "value": value}
                for key, value in labels.items()
            ]
            self.conn.execute(sa.insert(_labels), rows)


@cache
def _change_statement(columns: frozenset[str]) -> sa.Update:
    """The UPDATE of these columns (and the version), built once per set of columns."""
    return (
        sa.update(_ft)
        .where(_ft.c.id == sa.bindparam("b_id"), _ft.c.version == sa.bindparam("b_version"))
        .values({name: sa.bindparam(name) for name in (*sorted(columns), "version")})
    )


@dataclass(frozen=True, slots=True)
class FineTunedMatch:
    """Filters of the list, applied inside the query so a page is never short of hidden rows.

    `labels`: (key, value) pairs the model must carry, a value of None meaning "any value".
    """

    archived: bool | None = None
    text: str | None = None
    roots: frozenset[str] | None = None
    model: str | None = None
    labels: tuple[tuple[str, str | None], ...] = ()


def _matching(
    workspace_id: str, match: FineTunedMatch, entry_id: sa.ColumnElement[str] = _ft.c.id
) -> sa.Select[tuple[object, ...]]:
    """The models of the workspace whose entry matches; `entry_id` is the column the entry's id
    comes from (the model's id, or an alias's name)."""
    query = sa.select(_ft).where(_ft.c.workspace_id == workspace_id, _ft.c.deleted_at.is_(None))
    if match.archived is not None:
        query = query.where(_ft.c.archived.is_(match.archived))
    if match.text is not None:
        needle = match.text.lower()
        query = query.where(
            sa.or_(
                *(
                    sa.func.lower(column).contains(needle, autoescape=True)
                    for column in (entry_id, _ft.c.name, _ft.c.description)
                )
            )
        )
    if match.roots is not None:
        query = query.where(_ft.c.root.in_(match.roots))
    if match.model is not None:
        query = query.where(
            sa.or_(entry_id == match.model, _ft.c.name == match.model, _ft.c.root == match.model)
        )
    for key, value in match.labels:
        # Through the label index (workspace, key, value): never a scan of the workspace.
        carrying = sa.select(_labels.c.model_id).where(
            _labels.c.workspace_id == workspace_id, _labels.c.key == key
        )
        if value is not None:
            carrying = carrying.where(_labels.c.value == value)
        query = query.where(_ft.c.id.in_(carrying))
    return query


def _record(row: sa.Row[tuple[object, ...]]) -> records.FineTunedModel:
    return records.FineTunedModel(**row._mapping)
