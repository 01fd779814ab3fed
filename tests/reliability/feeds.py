"""Reading a live server back: its fine-tuned models and its audit feed, page by page."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx


def audit_events(base_url: str, admin_key: str, **filters: str) -> list[dict[str, Any]]:
    """Every audit event of the organization (oldest first), through `after` paging."""
    events: list[dict[str, Any]] = []
    after: int | None = None
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {admin_key}"}, timeout=30
    ) as http:
        while True:
            params: dict[str, Any] = {"limit": 1000, **filters}
            if after is not None:
                params["after"] = after
            response = http.get("/v1/audit/events", params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            events.extend(page["data"])
            if not page["has_more"]:
                return events
            after = page["last_id"]


def model_events(base_url: str, admin_key: str, workspace_id: str) -> dict[str, list[dict]]:
    """The workspace's model events, grouped by model id, each group in commit order."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for event in audit_events(base_url, admin_key):
        if event["workspace_id"] == workspace_id and event["action"].startswith("model."):
            grouped[event["model_id"]].append(event)
    return dict(grouped)


def fine_tuned_cards(base_url: str, key: str) -> dict[str, dict[str, Any]]:
    """The key's workspace's fine-tuned models (archived included), by id."""
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
    ) as http:
        response = http.get("/v1/models", params={"type": "fine-tuned"})
    assert response.status_code == 200, response.text
    return {card["id"]: card for card in response.json()["data"]}
