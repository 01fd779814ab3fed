"""A registration that sends no `job` gets one from the server, and must never be refused for it.

Found by the soak (bench/soak.py): after ~25,000 registrations in one workspace on one day, one
without a `job` was answered 409 `model_exists`. The id keeps only the job's first 8 hex digits,
so a generated job can collide with an earlier model's id (tombstones included); the server must
draw again rather than refuse its own choice. Rare (n / 2**32 per registration), never the
caller's doing.
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.app import Harness


def test_a_registration_without_a_job_is_never_refused_for_the_job_the_server_chose(
    app: Harness, monkeypatch: pytest.MonkeyPatch
):
    app.register(job="abcdef12-0000-4000-8000-000000000001")
    draws = iter([uuid.UUID("abcdef12-0000-4000-8000-000000000002")])
    real_uuid4 = uuid.uuid4
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws, None) or real_uuid4())
    response = app.call("POST", "/v1/fine_tuning/models", json={"root": "mistral-small-2506"})
    assert response.status_code == 201, response.text
