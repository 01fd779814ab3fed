"""The admin pages (admin keys): workspaces, keys (a new key's secret shown once; revoke), and
the audit feed with its filters."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from modelyard.registry.cards import api_key_body, workspace_body
from modelyard.registry.errors import RegistryError
from modelyard.types import AuditAction

from . import history
from .app import Console, Ctx

Json = dict[str, Any]
AUDIT_PAGE = 50
ACTIONS = get_args(AuditAction)
SCOPES = ("read", "write", "admin")
DONE = {"revoked": "Key revoked.", "created": "Workspace created."}


# -- workspaces -----------------------------------------------------------------------------


def _workspaces(console: Console, ctx: Ctx, status: int = 200, **values: Any) -> Response:
    found = console.read(console.services.tenancy.list_workspaces, ctx.signed_in.principal)
    values.setdefault("done", DONE.get(ctx.request.query_params.get("done", "")))
    return console.render(
        ctx,
        "workspaces.html",
        status,
        workspaces=[workspace_body(each) for each in found],
        **{"error": None, "name": "", **values},
    )


async def workspaces_page(console: Console, ctx: Ctx) -> Response:
    return await run_in_threadpool(_workspaces, console, ctx)


async def create_workspace(console: Console, ctx: Ctx) -> Response:
    name = ctx.form.get("name", "").strip()
    try:
        await console.write(console.services.tenancy.create_workspace, ctx.actor, name)
    except ValidationError:
        error = "1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit."
        return await run_in_threadpool(_workspaces, console, ctx, 422, error=error, name=name)
    except RegistryError as failed:
        return await run_in_threadpool(
            _workspaces, console, ctx, failed.status, error=failed.message, name=name
        )
    return console.redirect(ctx, "/admin/workspaces", done="created")


# -- keys -----------------------------------------------------------------------------------


def _keys(console: Console, ctx: Ctx, status: int = 200, **values: Any) -> Response:
    principal = ctx.signed_in.principal

    def read(tx: Any) -> tuple[list[Any], list[Any]]:
        tenancy = console.services.tenancy
        return tenancy.list_keys(tx, principal), tenancy.list_workspaces(tx, principal)

    keys, workspaces = console.read(read)
    names = {workspace.id: workspace.name for workspace in workspaces}
    values.setdefault("done", DONE.get(ctx.request.query_params.get("done", "")))
    return console.render(
        ctx,
        "keys.html",
        status,
        keys=[{**api_key_body(key), "workspace": names.get(key.workspace_id)} for key in keys],
        workspaces=[workspace_body(each) for each in workspaces],
        scopes=SCOPES,
        **{"created": None, "error": None, **values},
    )


async def keys_page(console: Console, ctx: Ctx) -> Response:
    return await run_in_threadpool(_keys, console, ctx)


async def change_keys(console: Console, ctx: Ctx) -> Response:
    form, tenancy = ctx.form, console.services.tenancy
    if form.get("action") == "revoke":
        try:
            await console.write(tenancy.revoke_key, ctx.actor, form.get("key_id", ""))
        except RegistryError as failed:
            return await run_in_threadpool(_keys, console, ctx, failed.status, error=failed.message)
        return console.redirect(ctx, "/admin/keys", done="revoked")
    scope = form.get("scope", "")
    name = form.get("name", "").strip() or None
    if scope not in SCOPES or (name is not None and len(name) > 256):
        error = "Choose a scope; a name has at most 256 characters."
        return await run_in_threadpool(_keys, console, ctx, 422, error=error)
    try:
        key, secret = await console.write(
            tenancy.create_key, ctx.actor, form.get("workspace", ""), scope, name
        )
    except RegistryError as failed:
        return await run_in_threadpool(_keys, console, ctx, failed.status, error=failed.message)
    # The secret is in this answer only (never stored, never in a URL): no redirect.
    created = {**api_key_body(key), "key": secret}
    return await run_in_threadpool(_keys, console, ctx, 201, created=created)


# -- the audit feed -------------------------------------------------------------------------


def _audit(console: Console, ctx: Ctx) -> Response:
    query = ctx.request.query_params
    action = query.get("action") or None
    model_id = (query.get("model_id") or "").strip() or None
    after_text = query.get("after") or ""
    after = int(after_text) if after_text.isdigit() and len(after_text) < 19 else None
    if action not in (None, *ACTIONS) or (model_id is not None and len(model_id) > 512):
        return console.error(ctx, 400, "Unknown action, or a model id over 512 characters.")
    page = console.read(
        console.services.audit.page,
        ctx.signed_in.principal,
        after=after,
        limit=AUDIT_PAGE,
        model_id=model_id,
        action=action,
    )
    filters = {"action": action, "model_id": model_id}
    events = [(event, history.changes(event["before"], event["after"])) for event in page["data"]]
    return console.render(
        ctx,
        "audit.html",
        events=events,
        filters=filters,
        actions=ACTIONS,
        next_url=ctx.url("/admin/audit", **filters, after=page["last_id"])
        if page["has_more"]
        else None,
        first_url=ctx.url("/admin/audit", **filters) if after is not None else None,
    )


async def audit_page(console: Console, ctx: Ctx) -> Response:
    return await run_in_threadpool(_audit, console, ctx)


ROUTES = (
    ("/admin/workspaces", "GET", workspaces_page, "admin"),
    ("/admin/workspaces", "POST", create_workspace, "admin"),
    ("/admin/keys", "GET", keys_page, "admin"),
    ("/admin/keys", "POST", change_keys, "admin"),
    ("/admin/audit", "GET", audit_page, "admin"),
)
