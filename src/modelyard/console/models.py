"""The models table and a model's page, with its changes (save, archive, delete, aliases).

The table is the API's list (`ListQuery`, keyset pages in id order), one row per model: the
entries the list gives each alias fold into their model's row. A model's page shows its card,
lineage, aliases and (for admin keys, whose scope reads the audit log) its history; its forms
carry the ETag the page was loaded with, so a change made meanwhile is a 412 that shows what
changed instead of overwriting it.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from modelyard.registry.errors import NotFound, PreconditionFailed, RegistryError, RequestInvalid
from modelyard.registry.listing import ListQuery
from modelyard.server.routes.models import ListParams
from modelyard.store.engine import Tx
from modelyard.types import UpdateFTModelIn
from modelyard.types.record import ALIAS_PATTERN

from . import history
from .app import Console, Ctx, model_path
from .forms import Edit, labels_text, parse_labels, read_edit
from .forms import lines as _lines

Json = dict[str, Any]
PAGE_SIZE = 50
LINEAGE_SIZE = 20
HISTORY_SIZE = 100
_ALIAS = re.compile(ALIAS_PATTERN)

# `?done=...` after a change: fixed sentences, so nothing from the URL reaches the page.
DONE = {
    "saved": "Saved.",
    "archived": "Archived.",
    "unarchived": "Unarchived.",
    "deleted": "Deleted.",
    "alias-moved": "The alias now names this model.",
    "alias-removed": "Alias removed.",
    "unchanged": "Nothing to save: no field changed.",
}


# -- the table --------------------------------------------------------------------------------


def real_id(entry: Json) -> str:
    """The id of the model an entry stands for (an alias entry's model's)."""
    if entry["type"] == "base":
        return str(entry["name"])
    entry_id = str(entry["id"])
    return entry_id if entry_id.startswith("ft:") else str(entry["aliases"][0])


def model_rows(entries: list[Json]) -> list[Json]:
    """One row per model of a page, in the entries' order. The list has an entry per alias
    too (found by its name, placed by its name): one whose model has no row on the page yet
    becomes the model's row, marked `via` the alias."""
    rows: dict[str, Json] = {}
    for entry in entries:
        model_id = real_id(entry)
        if model_id in rows:
            continue
        if entry["id"] != model_id:
            names = [entry["id"], *entry["aliases"]]
            others = [name for name in names if name != model_id]
            entry = {**entry, "id": model_id, "aliases": others, "via": entry["id"]}
        rows[model_id] = entry
    return list(rows.values())


def _filters(ctx: Ctx) -> tuple[Json, dict[str, str]]:
    query = ctx.request.query_params
    filters: Json = {
        name: query.get(name) or None for name in ("q", "type", "archived", "after", "model")
    }
    filters["label"] = tuple(value for value in query.getlist("label") if value)
    errors: dict[str, str] = {}
    try:
        ListParams.model_validate(filters)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            errors[str(item["loc"][0])] = item["msg"]
    return filters, errors


def _models_page(console: Console, ctx: Ctx) -> Response:
    filters, errors = _filters(ctx)
    rows: list[Json] = []
    next_url = None
    if not errors:
        params = ListParams.model_validate({**filters, "limit": PAGE_SIZE})
        query = ListQuery(
            **params.model_dump(exclude={"label"}),
            labels=ListQuery.label_selectors(params.label),
        )
        page = console.read(console.services.models.list, ctx.signed_in.principal, query)
        rows = model_rows(page.data)
        if page.has_more:
            next_url = ctx.url("/", **{**filters, "after": page.data[-1]["id"]})
    first_url = ctx.url("/", **{**filters, "after": None}) if filters["after"] else None
    return console.render(
        ctx,
        "models.html",
        400 if errors else 200,
        filters=filters,
        errors=errors,
        rows=rows,
        next_url=next_url,
        first_url=first_url,
        done=DONE.get(ctx.request.query_params.get("done", "")),
    )


async def models_page(console: Console, ctx: Ctx) -> Response:
    return await run_in_threadpool(_models_page, console, ctx)


# -- a model's page -------------------------------------------------------------------------


def _model_id(ctx: Ctx) -> str:
    return str(ctx.request.path_params["model_id"])


def _view(console: Console, ctx: Ctx, tx: Tx, model_id: str) -> Json:
    """What a model's page shows (NotFound when the key cannot see it)."""
    services, principal = console.services, ctx.signed_in.principal
    found = services.models.retrieve(tx, principal, model_id)
    card = found.body
    view: Json = {"card": card, "etag": found.etag or "", "lineage": [], "lineage_more": False}
    if card["type"] == "base":
        query = ListQuery(type="fine-tuned", model=card["id"], limit=LINEAGE_SIZE)
        page = services.models.list(tx, principal, query)
        lineage = [row for row in model_rows(page.data) if row["root"] == card["id"]]
        view.update(lineage=lineage, lineage_more=page.has_more)
    writable = card["type"] == "fine-tuned" and principal.allows("write")
    view["writable"] = writable
    view["workspace_aliases"] = services.aliases.list(tx, principal) if writable else []
    view["history"], view["history_more"] = [], False
    if principal.allows("admin") and card["type"] == "fine-tuned":
        events = services.audit.history(tx, principal, card["id"], limit=HISTORY_SIZE)
        view["history"] = [
            (event, history.changes(event["before"], event["after"])) for event in events["data"]
        ]
        view["history_more"] = events["has_more"]
    return view


def _render_model(
    console: Console,
    ctx: Ctx,
    model_id: str,
    status: int = 200,
    edit: Edit | None = None,
    **values: Any,
) -> Response:
    try:
        view = console.read(lambda tx: _view(console, ctx, tx, model_id))
    except NotFound:
        return console.error(ctx, 404, "No such model (or not one this key can see).")
    card = view["card"]
    if card["id"] != real_id(card):  # an alias: the page of the model it names
        return console.redirect(ctx, model_path(real_id(card)))
    seen = _form_values(card)
    if edit is None:
        edit = Edit(seen["name"], seen["description"], seen["labels"])
    values.setdefault("done", DONE.get(ctx.request.query_params.get("done", "")))
    return console.render(
        ctx, "model.html", status, **view, edit=edit, seen=seen, **{"conflict": None, **values}
    )


async def model_page(console: Console, ctx: Ctx) -> Response:
    return await run_in_threadpool(_render_model, console, ctx, _model_id(ctx))


# -- its changes ----------------------------------------------------------------------------


async def model_action(console: Console, ctx: Ctx) -> Response:
    action = ctx.form.get("action", "")
    change = _ACTIONS.get(action)
    if change is None:
        return console.error(ctx, 400, "Unknown action.")
    return await change(console, ctx, _model_id(ctx))


async def _save(console: Console, ctx: Ctx, model_id: str) -> Response:
    edit = read_edit(ctx.form)
    if edit.patch is None:
        return await _again(console, ctx, model_id, 422, edit=edit)
    if not edit.changed:
        return console.redirect(ctx, model_path(model_id), done="unchanged")
    patch: UpdateFTModelIn = edit.patch
    try:
        await console.write(
            console.services.models.update, ctx.actor, model_id, patch, ctx.form.get("etag")
        )
    except PreconditionFailed:
        return await _conflict(console, ctx, model_id, edit=edit)
    except RequestInvalid as invalid:
        for item in invalid.items:
            edit.errors.setdefault(str(item["loc"][1]), []).append(f"{item['msg']}.")
        return await _again(console, ctx, model_id, 422, edit=edit)
    except RegistryError as error:
        return await _again(console, ctx, model_id, error.status, edit=edit, failure=error.message)
    return console.redirect(ctx, model_path(model_id), done="saved")


async def _conflict(
    console: Console, ctx: Ctx, model_id: str, edit: Edit | None = None
) -> Response:
    """412: the model changed since the page was loaded. The page shows what changed (from the
    values every form of the page carries, as it was loaded, to today's) and takes today's
    ETag. The user's edits are kept; a field they did not touch takes today's value, so sending
    the form again applies their edits over the change without undoing it. Or they reload."""
    form = ctx.form
    loaded = {
        "name": form.get("seen_name") or None,
        "description": _lines(form.get("seen_description", "")) or None,
        "labels": parse_labels(_lines(form.get("seen_labels", "")))[0],
        "archived": form.get("seen_archived") == "true",
    }

    def today(tx: Tx) -> Json:
        return console.services.models.retrieve(tx, ctx.signed_in.principal, model_id).body

    try:
        card = await run_in_threadpool(console.read, today)
    except NotFound:
        return console.error(ctx, 404, "This model was deleted meanwhile.")
    changed = history.changes(loaded, card, fields=tuple(loaded))
    if edit is not None:
        for name, value in _form_values(card).items():
            if _lines(getattr(edit, name)) == _lines(form.get(f"seen_{name}", "")):
                setattr(edit, name, value)
    return await _again(console, ctx, model_id, 412, conflict=changed, edit=edit)


def _form_values(card: Json) -> dict[str, str]:
    """A card's fields as the edit form shows them."""
    return {
        "name": card.get("name") or "",
        "description": card.get("description") or "",
        "labels": labels_text(card["labels"]),
    }


async def _again(console: Console, ctx: Ctx, model_id: str, status: int, **values: Any) -> Response:
    """The model's page again, with the user's input and what went wrong."""
    return await run_in_threadpool(lambda: _render_model(console, ctx, model_id, status, **values))


async def _set_archived(console: Console, ctx: Ctx, model_id: str, archived: bool) -> Response:
    try:
        await console.write(
            console.services.models.set_archived,
            ctx.actor,
            model_id,
            archived,
            ctx.form.get("etag"),
        )
    except PreconditionFailed:
        return await _conflict(console, ctx, model_id)
    except RegistryError as error:
        return await _again(console, ctx, model_id, error.status, failure=error.message)
    return console.redirect(
        ctx, model_path(model_id), done="archived" if archived else "unarchived"
    )


async def _archive(console: Console, ctx: Ctx, model_id: str) -> Response:
    return await _set_archived(console, ctx, model_id, True)


async def _unarchive(console: Console, ctx: Ctx, model_id: str) -> Response:
    return await _set_archived(console, ctx, model_id, False)


async def _delete(console: Console, ctx: Ctx, model_id: str) -> Response:
    if ctx.form.get("confirm", "").strip() != model_id:
        errors = {"confirm": "Type the model's id exactly to delete it."}
        return await _again(console, ctx, model_id, 422, delete_errors=errors)
    try:
        await console.write(
            console.services.models.delete, ctx.actor, model_id, ctx.form.get("etag")
        )
    except PreconditionFailed:
        return await _conflict(console, ctx, model_id)
    except RegistryError as error:
        return await _again(console, ctx, model_id, error.status, failure=error.message)
    return console.redirect(ctx, "/", done="deleted")


async def _set_alias(console: Console, ctx: Ctx, model_id: str) -> Response:
    name = ctx.form.get("alias", "").strip()
    if not _ALIAS.match(name):
        errors = {"alias": "1-64 of a-z 0-9 . _ -, starting with a letter or digit."}
        return await _again(console, ctx, model_id, 422, alias_errors=errors, alias=name)
    try:
        await console.write(console.services.aliases.set, ctx.actor, name, model_id)
    except RegistryError as error:
        errors = {"alias": error.message}
        return await _again(console, ctx, model_id, error.status, alias_errors=errors, alias=name)
    return console.redirect(ctx, model_path(model_id), done="alias-moved")


async def _remove_alias(console: Console, ctx: Ctx, model_id: str) -> Response:
    try:
        await console.write(console.services.aliases.delete, ctx.actor, ctx.form.get("alias", ""))
    except RegistryError as error:
        return await _again(console, ctx, model_id, error.status, failure=error.message)
    return console.redirect(ctx, model_path(model_id), done="alias-removed")


_ACTIONS = {
    "save": _save,
    "archive": _archive,
    "unarchive": _unarchive,
    "delete": _delete,
    "set-alias": _set_alias,
    "remove-alias": _remove_alias,
}

ROUTES = (
    ("/", "GET", models_page, "read"),
    ("/models/{model_id:path}", "GET", model_page, "read"),
    ("/models/{model_id:path}", "POST", model_action, "write"),
)
