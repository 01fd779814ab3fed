"""`modelyard webhooks`: endpoints that receive the organization's audit events, signed, and
their delivery log (through the API, with an admin key; docs/webhooks.md)."""

from __future__ import annotations

from typing import Annotated, Any, cast

import typer

from ..types import AuditAction
from .connection import connected
from .options import ApiKey, AsJson, ServerUrl
from .output import print_detail, print_json, print_table, say, text, when, wire

app = typer.Typer(
    no_args_is_help=True,
    help="Webhooks: signed deliveries of the audit events (through the API, with an admin key).",
)

WebhookId = Annotated[
    str, typer.Argument(help="The webhook's id (from `webhooks list`).", show_default=False)
]
Events = Annotated[
    list[str] | None,
    typer.Option(
        "--event",
        "-e",
        help="An audit action to receive (repeat it); default: every model and alias action.",
        show_default=False,
    ),
]
Description = Annotated[
    str | None, typer.Option("--description", help="A note for people.", show_default=False)
]


def _events(values: list[str] | None) -> list[AuditAction] | None:
    # Any text: the server says which actions exist (a 422 naming them).
    return cast(list[AuditAction], list(values)) if values else None


@app.command()
def create(
    url: Annotated[str, typer.Argument(help="The receiver's http(s) URL.", show_default=False)],
    api_key: ApiKey,
    events: Events = None,
    description: Description = None,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Subscribe a URL. Its signing secret is shown this once.

    Example: modelyard webhooks create https://ci.example.com/hooks/modelyard -e model.updated
    """
    with connected(server_url, api_key) as yard:
        created = yard.webhooks.create(url=url, events=_events(events), description=description)
    if as_json:
        print_json(wire(created))
        return
    say(f"Created webhook {created.id} -> {created.url} ({', '.join(created.events)}).")
    say("Its signing secret, shown only now (store it):")
    say(f"  {created.secret}")


@app.command("list")
def list_(api_key: ApiKey, server_url: ServerUrl = None, as_json: AsJson = False) -> None:
    """List the organization's webhooks (never their secrets).

    Example: modelyard webhooks list
    """
    with connected(server_url, api_key) as yard:
        found = yard.webhooks.list()
    if as_json:
        print_json(wire(found))
        return
    print_table(
        ("ID", "URL", "EVENTS", "ENABLED", "CREATED"),
        (
            (
                each.id,
                each.url,
                ", ".join(each.events),
                "yes" if each.enabled else f"no: {text(each.disabled_reason)}",
                when(each.created),
            )
            for each in found.data
        ),
        empty="No webhooks.",
    )


@app.command()
def get(
    webhook_id: WebhookId, api_key: ApiKey, server_url: ServerUrl = None, as_json: AsJson = False
) -> None:
    """Show a webhook, and why it was disabled if its circuit opened.

    Example: modelyard webhooks get wh_5f0c2a9e6b1d4c7a8e3f9b20
    """
    with connected(server_url, api_key) as yard:
        found = yard.webhooks.get(webhook_id=webhook_id)
    if as_json:
        print_json(wire(found))
        return
    print_detail(
        [
            ("id", found.id),
            ("url", found.url),
            ("events", ", ".join(found.events)),
            ("description", text(found.description)),
            ("enabled", "yes" if found.enabled else "no"),
            ("disabled reason", text(found.disabled_reason)),
            ("created", when(found.created)),
        ]
    )


@app.command()
def update(
    webhook_id: WebhookId,
    api_key: ApiKey,
    url: Annotated[
        str | None, typer.Option("--url", help="A new receiver URL.", show_default=False)
    ] = None,
    events: Events = None,
    description: Description = None,
    enabled: Annotated[
        bool | None,
        typer.Option(
            "--enable/--disable",
            help="Turn deliveries on (also after the circuit opened) or off.",
            show_default=False,
        ),
    ] = None,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Change a webhook's URL, events, description, or whether it is enabled.

    Example: modelyard webhooks update wh_5f0c2a9e6b1d4c7a8e3f9b20 --enable
    """
    patch: dict[str, Any] = {}
    if url is not None:
        patch["url"] = url
    if events:
        patch["events"] = _events(events)
    if description is not None:
        patch["description"] = description or None  # "" clears it
    if enabled is not None:
        patch["enabled"] = enabled
    with connected(server_url, api_key) as yard:
        found = yard.webhooks.update(webhook_id=webhook_id, **patch)
    if as_json:
        print_json(wire(found))
    else:
        state = "enabled" if found.enabled else "disabled"
        say(f"Webhook {found.id} -> {found.url} ({state}; {', '.join(found.events)}).")


@app.command()
def delete(
    webhook_id: WebhookId, api_key: ApiKey, server_url: ServerUrl = None, as_json: AsJson = False
) -> None:
    """Remove a webhook and its delivery log.

    Example: modelyard webhooks delete wh_5f0c2a9e6b1d4c7a8e3f9b20
    """
    with connected(server_url, api_key) as yard:
        deleted = yard.webhooks.delete(webhook_id=webhook_id)
    if as_json:
        print_json(wire(deleted))
    else:
        say(f"Deleted webhook {deleted.id}.")


@app.command("rotate-secret")
def rotate_secret(
    webhook_id: WebhookId, api_key: ApiKey, server_url: ServerUrl = None, as_json: AsJson = False
) -> None:
    """Give a webhook a new signing secret (shown this once); the next deliveries use it.

    Example: modelyard webhooks rotate-secret wh_5f0c2a9e6b1d4c7a8e3f9b20
    """
    with connected(server_url, api_key) as yard:
        rotated = yard.webhooks.rotate_secret(webhook_id=webhook_id)
    if as_json:
        print_json(wire(rotated))
        return
    say(f"New signing secret of webhook {rotated.id}, shown only now (store it):")
    say(f"  {rotated.secret}")


@app.command()
def deliveries(
    webhook_id: WebhookId,
    api_key: ApiKey,
    limit: Annotated[int, typer.Option("--limit", help="How many, newest first.")] = 20,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """The delivery log: each event's status, attempts, and the receiver's last answer.

    Example: modelyard webhooks deliveries wh_5f0c2a9e6b1d4c7a8e3f9b20 --limit 50
    """
    with connected(server_url, api_key) as yard:
        found = yard.webhooks.deliveries(webhook_id=webhook_id, limit=limit)
    if as_json:
        print_json(wire(found))
        return
    print_table(
        ("ID", "TYPE", "EVENT", "STATUS", "ATTEMPTS", "ANSWER", "MS", "NEXT", "ERROR"),
        (
            (
                each.id,
                each.type,
                text(each.event_id),
                each.status,
                str(each.attempts),
                text(each.response_status),
                text(each.latency_ms),
                when(each.next_attempt_at),
                text(each.error),
            )
            for each in found.data
        ),
        empty="No deliveries.",
    )


@app.command()
def redeliver(
    webhook_id: WebhookId,
    delivery_id: Annotated[
        str, typer.Argument(help="The delivery's id (msg_..., from `deliveries`).")
    ],
    api_key: ApiKey,
    server_url: ServerUrl = None,
    as_json: AsJson = False,
) -> None:
    """Send a delivery again, now, with the same webhook-id.

    Example: modelyard webhooks redeliver wh_5f0c2a9e6b1d4c7a8e3f9b20 msg_0b5e...
    """
    with connected(server_url, api_key) as yard:
        again = yard.webhooks.redeliver(webhook_id=webhook_id, delivery_id=delivery_id)
    if as_json:
        print_json(wire(again))
    else:
        say(f"Delivery {again.id} ({again.type}) is queued again.")


@app.command()
def ping(
    webhook_id: WebhookId, api_key: ApiKey, server_url: ServerUrl = None, as_json: AsJson = False
) -> None:
    """Send a webhook.ping delivery (see it with `deliveries`).

    Example: modelyard webhooks ping wh_5f0c2a9e6b1d4c7a8e3f9b20
    """
    with connected(server_url, api_key) as yard:
        sent = yard.webhooks.ping(webhook_id=webhook_id)
    if as_json:
        print_json(wire(sent))
    else:
        say(f"Ping {sent.id} queued; see `modelyard webhooks deliveries {webhook_id}`.")
