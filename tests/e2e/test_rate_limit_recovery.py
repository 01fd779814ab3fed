"""Rate limits end to end: the SDK's default retry policy rides out 429s (honouring Retry-After)."""

from __future__ import annotations

from pathlib import Path

import httpx

from modelyard import Modelyard
from tests.support.server import run_server


def test_rate_limited_sdk_calls_recover_with_the_default_retries(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'limited.db'}"
    with run_server(url, tmp_path, extra_env={"MODELYARD_RATE_LIMIT": "5/second"}) as server:
        statuses = [
            httpx.get(
                f"{server.base_url}/v1/models",
                headers={"Authorization": f"Bearer {server.admin_key}"},
            ).status_code
            for _ in range(8)
        ]
        assert 429 in statuses, "the limit is reached"
        with Modelyard(api_key=server.admin_key, server_url=server.base_url) as yard:
            results = [yard.models.retrieve(model_id="mistral-small-2506") for _ in range(12)]
    assert all(card.id == "mistral-small-2506" for card in results)
