"""Per-run metric summaries (count, min, max, last per key), all keys of many runs at once."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from app.api.loaders.base import SharedLoader
from app.db.statements import StatementPool

# The columns of a summary row, read straight through asyncpg.
SUMMARIES = """
    SELECT run_id, key, count, min_value, max_value, nonfinite, last_step, last_value,
           last_timestamp
    FROM run_metric_summaries
    WHERE run_id = ANY($1::uuid[]) AND organization_id = ANY($2::uuid[])
    ORDER BY run_id, key
    """


@dataclass(frozen=True, slots=True)
class Summary:
    """A run_metric_summaries row (what RunMetricSummary.from_row reads)."""

    run_id: uuid.UUID
    key: str
    count: int
    min_value: float | None
    max_value: float | None
    nonfinite: int
    last_step: int
    last_value: float
    last_timestamp: datetime


class MetricSummariesLoader(SharedLoader):
    """key: run id -> its summaries, ordered by key. Straight through asyncpg (no session,
    no ORM objects: a chart reads them first, to plan its buckets)."""

    def __init__(self, statements: StatementPool, org_ids: list[uuid.UUID]) -> None:
        super().__init__()
        self.statements = statements
        self.org_ids = org_ids

    async def batch_load_fn(self, run_ids: list[uuid.UUID]) -> list[list[Summary]]:
        found: dict[uuid.UUID, list[Summary]] = defaultdict(list)
        for row in await self.statements.fetch(SUMMARIES, [run_ids, self.org_ids]):
            found[row[0]].append(Summary(*row))
        return [found.get(run_id, []) for run_id in run_ids]
