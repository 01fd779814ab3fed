"""`GET /metrics`: Prometheus text with requests per operation and status, and models per type."""

from pydantic import SecretStr

from tests.support.app import Harness, harness


def sample(text: str, name: str, missing: float | None = None, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    prefix = f"{name}{{{wanted}}} " if labels else f"{name} "
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.split()[-1])
    if missing is not None:
        return missing
    raise AssertionError(f"no sample {prefix!r}")


def test_metrics_count_requests_per_operation_and_models_per_type(app: Harness):
    before = app.call("GET", "/metrics", key=None).text
    seen = sample(before, "modelyard_requests_total", 0.0, operation="retrieve_model", status="404")
    app.register()
    app.call("GET", "/v1/models/nope")
    text = app.call("GET", "/metrics", key=None).text
    assert (
        sample(text, "modelyard_requests_total", operation="retrieve_model", status="404")
        == seen + 1
    )
    assert sample(text, "modelyard_models", type="base") == 4
    assert sample(text, "modelyard_models", type="fine-tuned") == 1
    assert "modelyard_request_duration_seconds_bucket" in text


def test_a_metrics_token_is_required_when_configured(tmp_path):
    with harness(f"sqlite:///{tmp_path / 'm.db'}", metrics_token=SecretStr("scrape-me")) as app:
        refused = app.call("GET", "/metrics", key=None)
        assert refused.status_code == 401
        assert refused.json()["code"] == "unauthorized"
        assert app.call("GET", "/metrics", key="scrape-me").status_code == 200
