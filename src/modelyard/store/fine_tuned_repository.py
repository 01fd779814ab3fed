"""SQL for fine-tuned models. Every read filters on the workspace: visibility lives in the query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
_LIVE = (_ft.c.workspace_id == sa.bindparam("workspace_id"), _ft.c.deleted_at.is_(None))

_VISIBLE = sa.select(_ft).where(_ft.c.id == sa.bindparam("model_id"), *_LIVE)

# The model an alias of the workspace names.
_ALIAS_TARGET = (
    sa.select(aliases.c.model_id)
    .where(
        aliases.c.workspace_id == sa.bindparam("workspace_id"),
        aliases.c.name == sa.bindparam("name"),
    )
    .scalar_subquery()
)

_NAMED = sa.select(_ft).where(_ft.c.id == _ALIAS_TARGET, *_LIVE)

_REACHABLE = sa.select(_ft).where(
    sa.or_(_ft.c.id == sa.bindparam("name"), _ft.c.id == _ALIAS_TARGET), *_LIVE
)


_BY_IDS = sa.select(_ft).where(_ft.c.id.in_(sa.bindparam("model_ids", expanding=True)))


class FineTunedRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        # Models read ahead for a batch of changes (`read_ahead`), kept as this transaction
        # changes them; None for an id with no model.
        self._ahead: dict[str, records.FineTunedModel | None] = {}

    def visible(self, workspace_id: str, model_id: str) -> records.FineTunedModel | None:
        """The live model with this id in this workspace, or None."""
        if model_id in self._ahead:
            model = self._ahead[model_id]
            if model is None or model.workspace_id != workspace_id or model.deleted_at is not None:
                return None
            return model
        rows = self._rows(_VISIBLE, {"model_id": model_id, "workspace_id": workspace_id})
        return _record(rows[0]) if rows else None

    def read_ahead(self, model_ids: Iterable[str]) -> None:
        """Read these models in one statement, for a batch of changes that will each read one:
        `visible` then answers from them, as this transaction's own changes leave them, without
        a statement (a round trip on PostgreSQL) per change. Valid while this transaction holds
        the store's write lock; `forget` drops them (a change rolled back to its savepoint)."""
        wanted = sorted(set(model_ids) - self._ahead.keys())
        if not wanted:
            return
        found = {
            model.id: model for model in map(_record, self._rows(_BY_IDS, {"model_ids": wanted}))
        }
        self._ahead.update({model_id: found.get(model_id) for model_id in wanted})

    def forget(self) -> None:
        self._ahead.clear()

    def named(self, workspace_id: str, alias: str) -> records.FineTunedModel | None:
        """The live model a workspace alias of this name points to, or None: one statement."""
        rows = self._rows(_NAMED, {"name": alias, "workspace_id": workspace_id})
        return _record(rows[0]) if rows else None

    def reachable(self, workspace_id: str, name: str) -> list[records.FineTunedModel]:
        """The live models of the workspace this name reaches, in one statement: the one with
        this id and the one an alias of this name names (no alias is ever a model's id, so at
        most one of them, unless both are the same model)."""
        rows = self._rows(_REACHABLE, {"name": name, "workspace_id": workspace_id})
        return list(map(_record, rows))

    def _rows(self, query: sa.Select[Any], values: dict[str, Any]) -> Sequence[Sequence[Any]]:
        """A read's rows: the table's columns in order, then any column the query adds. Each
        dialect runs the statement on its driver where it can (sqlite.py, postgresql.py)."""
        return self.conn.execute(query, values).all()

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
        match = match or FineTunedMatch()
        rows = self._rows(_query(match.shape, False, False, False), match.values(workspace_id))
        return list(map(_record, rows))

    def page_visible(
        self, workspace_id: str, match: FineTunedMatch, *, after: str | None, limit: int
    ) -> list[records.FineTunedModel]:
        """Up to `limit` live models that match, in id order, after the `after` id (keyset)."""
        values = {**match.values(workspace_id), "after": after, "limit": limit}
        rows = self._rows(_query(match.shape, False, True, after is not None), values)
        return list(map(_record, rows))

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
        values = {**match.values(workspace_id), "after": after, "limit": limit}
        query = _query(match.shape, True, limit is not None, after is not None)
        return [(str(row[-1]), _record(row[:-1])) for row in self._rows(query, values)]

    def add(self, model: records.FineTunedModel) -> None:
        values = model._asdict()
        self.conn.execute(sa.insert(_ft).values(**values))
        self.set_labels(model.id, model.workspace_id, model.labels)
        if model.id in self._ahead:
            self._ahead[model.id] = model

    def change(self, model: records.FineTunedModel, **values: Any) -> records.FineTunedModel:
        """Set fields and bump the version (the ETag's source); returns the changed record."""
        changed = model._replace(**values, version=model.version + 1)
        self._update(model, values, changed.version)
        if model.id in self._ahead:
            self._ahead[model.id] = changed
        if "labels" in values:
            self.set_labels(model.id, model.workspace_id, changed.labels)
        return changed

    def _update(self, model: records.FineTunedModel, values: dict[str, Any], version: int) -> None:
        """The row's UPDATE: these columns and the version, if the version is still the
        model's (a dialect may run it on its driver)."""
        self.conn.execute(
            _change_statement(frozenset(values)),
            {**values, "b_id": model.id, "b_version": model.version, "version": version},
        )

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

    @property
    def shape(self) -> Shape:
        """Which filters are set: the statement is built once per shape (see `_query`)."""
        return (
            self.archived is not None,
            self.text is not None,
            self.roots is not None,
            self.model is not None,
            tuple(value is not None for _, value in self.labels),
        )

    def values(self, workspace_id: str) -> dict[str, Any]:
        """The statement's parameters."""
        values: dict[str, Any] = {
            "workspace_id": workspace_id,
            "archived": self.archived,
            "needle": _like_escaped(self.text.lower()) if self.text is not None else None,
            "roots": sorted(self.roots or ()),
            "model": self.model,
        }
        for index, (key, value) in enumerate(self.labels):
            values[f"label_key_{index}"] = key
            values[f"label_value_{index}"] = value
        return values


Shape = tuple[bool, bool, bool, bool, tuple[bool, ...]]


@cache
def _query(shape: Shape, by_alias: bool, paged: bool, after: bool) -> sa.Select[tuple[object, ...]]:
    """The statement of the list for this shape of filters, built once: constructing it cost
    more than running it (cProfile on a label page). Entries are the models themselves, or
    (`by_alias`) the workspace's aliases, each with the model it names: the alias is then the
    entry's id, for `q`, `model`, order and paging."""
    archived, text, roots, model, labels = shape
    param = sa.bindparam
    entry_id = aliases.c.name if by_alias else _ft.c.id
    query = sa.select(_ft).where(
        _ft.c.workspace_id == param("workspace_id"), _ft.c.deleted_at.is_(None)
    )
    if by_alias:
        query = query.join_from(_ft, aliases, aliases.c.model_id == _ft.c.id)
        query = query.add_columns(aliases.c.name)
        query = query.where(aliases.c.workspace_id == param("workspace_id"))
    if archived:
        query = query.where(_ft.c.archived == param("archived"))
    if text:
        searched = (entry_id, _ft.c.name, _ft.c.description)
        query = query.where(
            sa.or_(*(sa.func.lower(c).contains(param("needle"), escape="/") for c in searched))
        )
    if roots:
        query = query.where(_ft.c.root.in_(param("roots", expanding=True)))
    if model:
        query = query.where(
            sa.or_(
                entry_id == param("model"),
                _ft.c.name == param("model"),
                _ft.c.root == param("model"),
            )
        )
    for index, has_value in enumerate(labels):
        # Through the label index (workspace, key, value): never a scan of the workspace.
        carrying = sa.select(_labels.c.model_id).where(
            _labels.c.workspace_id == param("workspace_id"),
            _labels.c.key == param(f"label_key_{index}"),
        )
        if has_value:
            carrying = carrying.where(_labels.c.value == param(f"label_value_{index}"))
        query = query.where(_ft.c.id.in_(carrying))
    if after:
        query = query.where(entry_id > param("after"))
    if paged or by_alias:
        query = query.order_by(entry_id)
    else:
        query = query.order_by(_ft.c.created.desc(), _ft.c.id.desc())
    return query.limit(param("limit", type_=sa.Integer)) if paged else query


def _like_escaped(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


# The table's columns are the record's fields, in the same order (a test checks it).
_record = records.FineTunedModel._make
