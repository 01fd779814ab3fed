"""Prometheus metrics: requests and latency per operation and status, models per type.

The operation is the declared operation's name (operations.py); every request that matched none
(the docs, unknown paths) counts as `other`, so no client can add a series by inventing paths.
One counter and one histogram are updated per request. With several workers, `modelyard serve`
sets PROMETHEUS_MULTIPROC_DIR so `/metrics` aggregates every worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable
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

from .operations import RequestState

REQUESTS = Counter(
    "modelyard_requests_total", "HTTP requests by operation and status.", ["operation", "status"]
)
LATENCY = Histogram(
    "modelyard_request_duration_seconds",
    "Time to answer, by operation.",
    ["operation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


class Metrics:
    """Counts and times each request per operation (a recorder of `observe.Observe`)."""

    def __init__(self) -> None:
        # Labelled children, looked up once: `labels()` per request costs more than `inc()`.
        self._counters: dict[tuple[str, int], Any] = {}
        self._histograms: dict[str, Any] = {}

    def record(self, scope: Scope, state: RequestState | None, status: int, seconds: float) -> None:
        name = state.operation.name if state and state.operation else "other"
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

    def __init__(self, counts: Callable[[], dict[str, int]]) -> None:
        self.counts = counts

    def collect(self) -> Any:
        counts = self.counts()
        family = GaugeMetricFamily(
            "modelyard_models", "Models in the registry by type.", labels=["type"]
        )
        for kind, count in counts.items():
            family.add_metric([kind], count)
        yield family


# prometheus-client picks its value store when it is imported: multiprocess mode is whatever the
# environment said then, not later (a process that sets the variable for its workers stays single).
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


CONTENT_TYPE = CONTENT_TYPE_LATEST  # Prometheus text


def exposition(counts: Callable[[], dict[str, int]]) -> bytes:
    """The Prometheus text of this process (or of every worker, in multiprocess mode)."""
    registry = CollectorRegistry()
    if MULTIPROCESS:
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    text = generate_latest(registry)
    models = CollectorRegistry()
    models.register(ModelCounts(counts))
    return text + generate_latest(models)
