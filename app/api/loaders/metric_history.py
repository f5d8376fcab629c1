"""Downsampled metric history; runs asking with the same plan share one statement."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from app.api.loaders.base import SharedLoader
from app.db.engine import SessionFactory
from app.db.statements import StatementPool
from app.domain.experiments.history import (
    EMPTY,
    Fetch,
    HistoryColumns,
    HistoryPlan,
    read_history,
    session_fetch,
)


@dataclass(frozen=True)
class HistoryKey:
    run_id: uuid.UUID
    keys: tuple[str, ...]
    plan: HistoryPlan


class MetricHistoryLoader(SharedLoader):
    """key: HistoryKey -> {metric key: buckets}. Through ``statements`` (asyncpg, no
    session: a chart read is one statement) where given, else a session of the factory
    (the read replica's)."""

    def __init__(
        self,
        session_factory: SessionFactory,
        org_ids: list[uuid.UUID],
        statements: StatementPool | None = None,
    ) -> None:
        super().__init__()
        self.session_factory = session_factory
        self.org_ids = org_ids
        self.statements = statements

    async def batch_load_fn(self, keys: list[HistoryKey]) -> list[dict[str, HistoryColumns]]:
        groups: dict[tuple[tuple[str, ...], HistoryPlan], list[uuid.UUID]] = defaultdict(list)
        for key in keys:
            groups[(key.keys, key.plan)].append(key.run_id)
        found: dict[tuple[uuid.UUID, str], HistoryColumns] = {}

        async def read(fetch: Fetch) -> None:
            for (metric_keys, plan), run_ids in groups.items():
                found.update(await read_history(fetch, plan, run_ids, metric_keys, self.org_ids))

        if self.statements is not None:
            await read(self.statements.fetch)
        else:
            async with self.session_factory() as session:
                await read(session_fetch(session))
        return [
            {metric: found.get((key.run_id, metric), EMPTY) for metric in key.keys} for key in keys
        ]
