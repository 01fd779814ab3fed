"""Prometheus metrics: requests and latency per operation and status, models per type.

Kept cheap on the hot path: the operation is named from the method and path by a few string
checks (a cached read never reaches FastAPI's router), and one counter and one histogram are
updated per request. With several workers, `modelyard serve` sets PROMETHEUS_MULTIPROC_DIR so
`/metrics` aggregates every worker.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import Scope

from modelyard.registry.models import ModelService

REQUESTS = Counter(
    "modelyard_requests_total", "HTTP requests by operation and status.", ["operation", "status"]
)
LATENCY = Histogram(
    "modelyard_request_duration_seconds",
    "Time to answer, by operation.",
    ["operation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


def operation(method: str, path: str) -> str:
    """The operation a request is for, named after the seed's operations where there is one."""
    if path.startswith("/v1/models"):
        if path == "/v1/models":
            return "list" if method == "GET" else "other"
        return {"GET": "retrieve", "DELETE": "delete"}.get(method, "other")
    if path.startswith("/v1/fine_tuning/models"):
        if path == "/v1/fine_tuning/models":
            return "register" if method == "POST" else "other"
        if path.endswith("/archive"):
            return {"POST": "archive", "DELETE": "unarchive"}.get(method, "other")
        return "update" if method == "PATCH" else "other"
    if path.startswith("/v1/"):
        return path[4:].split("/", 1)[0] or "other"
    return path.strip("/").split("/", 1)[0] or "root"


class Metrics:
    """Counts and times each request per operation (a recorder of `observe.Observe`)."""

    def __init__(self) -> None:
        # Labelled children, looked up once: `labels()` per request costs more than `inc()`.
        self._counters: dict[tuple[str, int], Any] = {}
        self._histograms: dict[str, Any] = {}

    def record(self, scope: Scope, status: int, seconds: float) -> None:
        name = operation(scope["method"], scope["path"])
        counter = self._counters.get((name, status))
        if counter is None:
            counter = self._counters[name, status] = REQUESTS.labels(name, str(status))
        histogram = self._histograms.get(name)
        if histogram is None:
            histogram = self._histograms[name] = LATENCY.labels(name)
        counter.inc()
        histogram.observe(seconds)


class ModelCounts:
    """A collector that counts models per type at scrape time (one query, not per request)."""

    def __init__(self, models: ModelService) -> None:
        self.models = models

    def collect(self) -> Any:
        counts = self.models.counts()
        family = GaugeMetricFamily(
            "modelyard_models", "Models in the registry by type.", labels=["type"]
        )
        for kind, count in counts.items():
            family.add_metric([kind], count)
        yield family


# prometheus-client picks its value store when it is imported: multiprocess mode is whatever the
# environment said then, not later (a process that sets the variable for its workers stays single).
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def exposition(models: ModelService) -> tuple[bytes, str]:
    """The Prometheus text of this process (or of every worker, in multiprocess mode)."""
    registry = CollectorRegistry()
    if MULTIPROCESS:
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    text = generate_latest(registry)
    counts = CollectorRegistry()
    counts.register(ModelCounts(models))
    return text + generate_latest(counts), CONTENT_TYPE_LATEST
