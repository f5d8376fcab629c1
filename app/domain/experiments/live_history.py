"""A live chart: a run's downsampled history kept up to date from the metric stream, so a
subscriber gets the history once and then only the buckets that changed.

The buckets are planned over twice the steps logged so far (at least ``max_points``): new
points fold into existing buckets until the run outgrows that range; then the history is
planned again (twice as wide) and sent whole, marked ``reset``. However long the run, an
update carries the buckets its points touched, and there are at most log2(steps) resets."""

from __future__ import annotations

import math
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
    session_fetch,
)
from app.domain.experiments.reads import MetricRow, high_water

HIGHEST = text(
    "SELECT max(last_step) FROM run_metric_summaries WHERE run_id = :run_id AND key = ANY(:keys)"
)


@dataclass
class Bucket:
    min: float  # of the finite values; NaN while there is none
    max: float
    count: int
    last_step: int
    last: float
    nonfinite: int = 0

    def add(self, step: int, value: float) -> None:
        if math.isfinite(value):
            self.min = value if self.min != self.min else min(self.min, value)
            self.max = value if self.max != self.max else max(self.max, value)
        else:
            self.nonfinite += 1
        self.count += 1
        if step > self.last_step:
            self.last_step, self.last = step, value


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
        self.through = await high_water(session, run_id)
        highest = await session.scalar(HIGHEST, {"run_id": run_id, "keys": list(self.keys)})
        self.plan = self._plan(int(highest or 0))
        found = await read_history(session_fetch(session), self.plan, [run_id], self.keys, org_ids)
        self.buckets = {}
        for key in self.keys:
            columns = found.get((run_id, key), EMPTY)
            self.buckets[key] = {
                self.plan.bucket_of(start): Bucket(
                    math.nan if mn is None else mn, math.nan if mx is None else mx, n, ls, lv, nf
                )
                for start, mn, mx, n, ls, lv, nf in zip(
                    columns.step_start,
                    columns.min,
                    columns.max,
                    columns.count,
                    columns.last_step,
                    columns.last,
                    columns.non_finite,
                    strict=True,
                )
            }

    def apply(self, rows: Sequence[MetricRow], cursor: int) -> dict[str, set[int]] | None:
        """Fold a batch of the metric stream in (up to ``cursor``); returns the buckets it
        changed, per key, or None when a point lies past the planned range (load again).
        Points the buckets already hold (sequence number up to ``through``) are skipped."""
        plan = self.plan
        assert plan is not None
        fresh = [row for row in rows if row.seq > self.through and row.key in self.buckets]
        if any(row.step > plan.step_to for row in fresh):
            return None
        changed: dict[str, set[int]] = {}
        for row in fresh:
            index = plan.bucket_of(row.step)
            bucket = self.buckets[row.key].get(index)
            if bucket is None:
                bucket = self.buckets[row.key][index] = Bucket(math.nan, math.nan, 0, -1, 0.0)
            bucket.add(row.step, row.value)
            changed.setdefault(row.key, set()).add(index)
        self.through = max(self.through, cursor)
        return changed

    def columns(self, key: str, indexes: Iterable[int] | None = None) -> HistoryColumns:
        """Buckets of a key as columns (all, or the given ones), in step order."""
        assert self.plan is not None
        buckets = self.buckets.get(key, {})
        order = sorted(buckets if indexes is None else indexes)
        chosen = [buckets[i] for i in order]
        return self.plan.columns(
            order,
            [b.min for b in chosen],
            [b.max for b in chosen],
            [b.last for b in chosen],
            [b.last_step for b in chosen],
            [b.count for b in chosen],
            [b.nonfinite for b in chosen],
        )
