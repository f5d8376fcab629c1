"""Prediction aggregates per deployment over the last N seconds (wall clock)."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import text

from app.api.loaders.base import SharedLoader
from app.db.engine import SessionFactory

StatsKey = tuple[uuid.UUID, int]  # (deployment id, window seconds)

STATS = text(
    """
    SELECT deployment_id, count(*) AS n, avg(latency_ms) AS avg_latency,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95_latency,
           avg(confidence) AS avg_confidence
    FROM predictions
    WHERE deployment_id = ANY(:ids) AND organization_id = ANY(:org_ids)
      AND recorded_at > now() - :seconds * interval '1 second'
    GROUP BY deployment_id
    """
)


class PredictionStatsLoader(SharedLoader):
    def __init__(self, session_factory: SessionFactory, org_ids: list[uuid.UUID]) -> None:
        super().__init__()
        self.session_factory = session_factory
        self.org_ids = org_ids

    async def batch_load_fn(
        self, keys: list[StatsKey]
    ) -> list[tuple[int, float | None, float | None, float | None]]:
        by_window: dict[int, list[uuid.UUID]] = defaultdict(list)
        for deployment_id, seconds in keys:
            by_window[seconds].append(deployment_id)
        found: dict[StatsKey, tuple[int, float | None, float | None, float | None]] = {}
        async with self.session_factory() as session:
            for seconds, ids in by_window.items():
                rows = await session.execute(
                    STATS, {"ids": ids, "org_ids": self.org_ids, "seconds": seconds}
                )
                for row in rows:
                    found[(row.deployment_id, seconds)] = (
                        int(row.n),
                        row.avg_latency,
                        row.p95_latency,
                        row.avg_confidence,
                    )
        return [found.get(key, (0, None, None, None)) for key in keys]
