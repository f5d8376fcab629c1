"""Points ingested through the API, told to whoever counts them (the server's Prometheus
metrics register an observer): the API does not know how they are counted."""

from __future__ import annotations

from collections.abc import Callable

INGEST_OBSERVERS: list[Callable[[str, int], None]] = []


def ingested(kind: str, count: int) -> None:
    """``count`` points of ``kind`` (run_metrics, monitoring_metrics, predictions,
    embeddings) were committed."""
    for observe in INGEST_OBSERVERS:
        observe(kind, count)
