"""`modelyard audit`: the organization's change feed, read (or followed) with its cursor."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Annotated, Any

import typer

from modelyard import APIConnectionError, InternalServerError, Modelyard
from modelyard.types import AuditAction, AuditEvent

from .connection import connected
from .options import ApiKey, AsJson, ServerUrl
from .output import print_json, print_table, say, when, wire

PAGE_SIZE = 1000  # the API's largest page: catching up on a long log takes few requests

# Following through a restart: the first wait after a failed poll, doubled up to the last.
RECONNECT_FIRST, RECONNECT_LAST = 0.5, 10.0

# Replaced in tests, so following the feed never waits.
sleep: Callable[[float], None] = time.sleep


class Action(StrEnum):
    model_registered = "model.registered"
    model_updated = "model.updated"
    model_archived = "model.archived"
    model_unarchived = "model.unarchived"
    model_deleted = "model.deleted"
    workspace_created = "workspace.created"
    api_key_created = "api_key.created"
    api_key_revoked = "api_key.revoked"
    alias_set = "alias.set"
    alias_deleted = "alias.deleted"


def audit(
    api_key: ApiKey,
    after: Annotated[
        int | None, typer.Option("--after", min=0, help="Start after this event id.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Stop after this many events.")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Only the events of this model id.")
    ] = None,
    action: Annotated[Action | None, typer.Option("--action", help="Only this action.")] = None,
    follow: Annotated[
        bool,
        typer.Option("--follow", "-f", help="Keep polling for new events until Ctrl-C."),
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds between polls with --follow.")
    ] = 2.0,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Show the audit log, oldest first (needs an admin key).

    With --json: one list document, as the API's; with --follow --json: one event per line.

    Example: modelyard audit --follow --action model.deleted
    """
    with connected(server_url, api_key) as yard:
        chosen: AuditAction | None = action.value if action else None
        # A small --limit needs no 1000-event pages; one more than asked tells if there is more.
        page = min(PAGE_SIZE, limit + 1) if limit else PAGE_SIZE
        feed = _events(yard, after, model, chosen, page, follow, interval)
        if follow:
            _follow(feed, limit, as_json)
        else:
            _show(feed, limit, as_json)


def _events(
    yard: Modelyard,
    after: int | None,
    model_id: str | None,
    action: AuditAction | None,
    page: int,
    follow: bool,
    interval: float,
) -> Iterator[AuditEvent | None]:
    """Every event after the cursor; `None` marks "caught up" (then, following, it polls on).

    Following, a lost server (a restart, a proxy's 502) is waited for with backoff, and the
    feed resumes after the last event it yielded: none is skipped, none comes twice.
    """
    cursor = after
    wait: float | None = None  # set while the server is lost: the next wait
    while True:
        try:
            events = yard.audit.iter(after=cursor, limit=page, model_id=model_id, action=action)
            for event in events:
                cursor = event.id
                yield event
        except (APIConnectionError, InternalServerError) as error:
            if not follow:
                raise
            if wait is None:
                wait = RECONNECT_FIRST
                typer.echo(f"Lost {yard.server_url} ({_reason(error)}); reconnecting...", err=True)
            sleep(wait)
            wait = min(wait * 2, RECONNECT_LAST)
            continue
        wait = None
        yield None
        if not follow:
            return
        sleep(interval)


def _reason(error: APIConnectionError | InternalServerError) -> str:
    if isinstance(error, InternalServerError):
        return f"{error.status_code} {error.message}"
    return type(error.__cause__).__name__ if error.__cause__ else error.message


def _show(feed: Iterator[AuditEvent | None], limit: int | None, as_json: bool) -> None:
    events: list[AuditEvent] = []
    more = False
    for event in feed:
        if event is None:
            break
        if limit is not None and len(events) == limit:
            more = True
            break
        events.append(event)
    if as_json:
        print_json(
            {
                "object": "list",
                "data": [wire(event) for event in events],
                "has_more": more,
                "last_id": events[-1].id if events else None,
            }
        )
        return
    print_table(
        ("ID", "WHEN", "ACTION", "SUBJECT", "BY"),
        (
            (str(event.id), when(event.created), event.action, _subject(event), _actor(event))
            for event in events
        ),
        empty="No events.",
    )


def _follow(feed: Iterator[AuditEvent | None], limit: int | None, as_json: bool) -> None:
    shown = 0
    try:
        for event in feed:
            if event is None:
                continue
            if as_json:
                typer.echo(_compact(wire(event)))  # JSON Lines: one document per event
            else:
                say(_line(event))
            shown += 1
            if limit is not None and shown >= limit:
                return
    except KeyboardInterrupt:
        return  # Ctrl-C is how a follow ends: not an error


def _line(event: AuditEvent) -> str:
    return (
        f"{when(event.created)}  #{event.id:<5} {event.action:<17}  {_subject(event)}"
        f"  by {_actor(event)}"
    )


def _subject(event: AuditEvent) -> str:
    """What changed: the model, else the workspace (of a workspace or key event)."""
    return event.model_id or event.workspace_id or "-"


def _actor(event: AuditEvent) -> str:
    return f"key {event.actor_key_id}" if event.actor_key_id else "the operator"


def _compact(document: dict[str, Any]) -> str:
    import json

    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)
