"""A live chart: a run's downsampled history kept up to date from the metric stream, so a
subscriber gets the history once and then only the buckets that changed.

The buckets are planned over twice the steps logged so far (at least ``max_points``): new
points fold into existing buckets until the run outgrows that range; then the history is
planned again (twice as wide) and sent whole, marked ``reset``. However long the run, an
update carries the buckets its points touched, and there are at most log2(steps) resets."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.experiments.history import (
    EMPTY,
    HistoryColumns,
    HistoryPlan,
    plan_history,
    read_history,
)
from app.domain.experiments.reads import MetricRow

SNAPSHOT = text("SELECT metric_seq FROM runs WHERE id = :run_id")
HIGHEST = text(
    "SELECT max(last_step) FROM run_metric_summaries WHERE run_id = :run_id AND key = ANY(:keys)"
)


@dataclass
class Bucket:
    min: float
    max: float
    count: int
    last_step: int
    last: float


@dataclass
class LiveHistory:
    keys: tuple[str, ...]
    max_points: int
    widths: Sequence[int]
    plan: HistoryPlan | None = None
    through: int = 0  # ingest sequence the buckets include (stream points up to it are in)
    buckets: dict[str, dict[int, Bucket]] = field(default_factory=dict)

    def _plan(self, highest: int) -> HistoryPlan:
        return plan_history(
            0, max(2 * highest + 1, self.max_points - 1), self.max_points, self.widths
        )

    async def load(
        self, session: AsyncSession, run_id: uuid.UUID, org_ids: Sequence[uuid.UUID]
    ) -> None:
        """Read the whole history at one snapshot (call in a REPEATABLE READ transaction):
        the buckets and the sequence number they include agree."""
        self.through = int(await session.scalar(SNAPSHOT, {"run_id": run_id}) or 0)
        highest = await session.scalar(HIGHEST, {"run_id": run_id, "keys": list(self.keys)})
        self.plan = self._plan(int(highest or 0))
        found = await read_history(session, self.plan, [run_id], self.keys, org_ids)
        self.buckets = {}
        for key in self.keys:
            columns = found.get((run_id, key), EMPTY)
            self.buckets[key] = {
                self._index(start): Bucket(mn, mx, n, ls, lv)
                for start, mn, mx, n, ls, lv in zip(
                    columns.step_start,
                    columns.min,
                    columns.max,
                    columns.count,
                    columns.last_step,
                    columns.last,
                    strict=True,
                )
            }

    def _index(self, step: int) -> int:
        assert self.plan is not None
        return (step - self.plan.origin) // self.plan.bucket_size

    def fits(self, rows: Iterable[MetricRow]) -> bool:
        assert self.plan is not None
        return all(row.step <= self.plan.step_to for row in rows)

    def fold(self, rows: Iterable[MetricRow]) -> dict[str, set[int]]:
        """Fold new points in; returns the buckets changed, per key. Points the snapshot
        already holds (sequence number up to ``through``) are skipped."""
        changed: dict[str, set[int]] = {}
        for row in rows:
            if row.seq <= self.through or row.key not in self.buckets:
                continue
            index = self._index(row.step)
            bucket = self.buckets[row.key].get(index)
            if bucket is None:
                self.buckets[row.key][index] = Bucket(row.value, row.value, 1, row.step, row.value)
            else:
                bucket.min = min(bucket.min, row.value)
                bucket.max = max(bucket.max, row.value)
                bucket.count += 1
                if row.step > bucket.last_step:
                    bucket.last_step, bucket.last = row.step, row.value
            changed.setdefault(row.key, set()).add(index)
        return changed

    def columns(self, key: str, indexes: Iterable[int] | None = None) -> HistoryColumns:
        """Buckets of a key as columns (all, or the given ones), in step order."""
        assert self.plan is not None
        plan, buckets = self.plan, self.buckets.get(key, {})
        chosen = sorted(buckets if indexes is None else indexes)
        starts = [plan.origin + i * plan.bucket_size for i in chosen]
        return HistoryColumns(
            step_start=[max(s, plan.step_from) for s in starts],
            step_end=[min(s + plan.bucket_size - 1, plan.step_to) for s in starts],
            min=[buckets[i].min for i in chosen],
            max=[buckets[i].max for i in chosen],
            last=[buckets[i].last for i in chosen],
            last_step=[buckets[i].last_step for i in chosen],
            count=[buckets[i].count for i in chosen],
        )
