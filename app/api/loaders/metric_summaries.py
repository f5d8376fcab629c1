"""Per-run metric summaries (count, min, max, last per key), all keys of many runs at once."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import select

from app.api.loaders.base import SharedLoader
from app.db.engine import SessionFactory
from app.domain.experiments.models import RunMetricSummary


class MetricSummariesLoader(SharedLoader):
    """key: run id -> its summaries, ordered by key."""

    def __init__(self, session_factory: SessionFactory, org_ids: list[uuid.UUID]) -> None:
        super().__init__()
        self.session_factory = session_factory
        self.org_ids = org_ids

    async def batch_load_fn(self, run_ids: list[uuid.UUID]) -> list[list[RunMetricSummary]]:
        statement = (
            select(RunMetricSummary)
            .where(
                RunMetricSummary.run_id.in_(run_ids),
                RunMetricSummary.organization_id.in_(self.org_ids),
            )
            .order_by(RunMetricSummary.run_id, RunMetricSummary.key)
        )
        found: dict[uuid.UUID, list[RunMetricSummary]] = defaultdict(list)
        async with self.session_factory() as session:
            for row in (await session.execute(statement)).scalars():
                found[row.run_id].append(row)
        return [found.get(run_id, []) for run_id in run_ids]
