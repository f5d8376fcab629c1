"""Downsampled metric history for charts: at most ``max_points`` buckets per key, each with
min, max and last, so spikes survive. Reads the coarsest rollup that still resolves every
bucket, plus raw points only at the edges of the range; exact for any range."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import validation

MAX_HISTORY_POINTS = 5_000
MAX_HISTORY_KEYS = 20


@dataclass(frozen=True)
class HistoryPlan:
    step_from: int
    step_to: int
    width: int  # rollup width read (1 = raw points only)
    origin: int  # start of the first output bucket, aligned to ``width``
    bucket_size: int  # steps per output bucket, a multiple of ``width``
    first_full: int  # rollup buckets [first_full, last_full] lie inside the range
    last_full: int
    head_end: int  # raw points in [step_from, head_end] and [tail_start, step_to]
    tail_start: int


def plan_history(
    step_from: int, step_to: int, max_points: int, widths: Sequence[int]
) -> HistoryPlan:
    if not 1 <= max_points <= MAX_HISTORY_POINTS:
        raise validation(f"maxPoints must be between 1 and {MAX_HISTORY_POINTS}", ["maxPoints"])
    if step_from < 0 or step_to < step_from:
        raise validation("need 0 <= stepFrom <= stepTo", ["stepFrom"])
    span = step_to - step_from + 1
    ideal = ceil(span / max_points)
    width = max([1, *(w for w in widths if w <= ideal)])
    origin = (step_from // width) * width
    bucket_size = ceil(ceil((step_to + 1 - origin) / max_points) / width) * width
    if width == 1:
        return HistoryPlan(step_from, step_to, 1, origin, bucket_size, 1, 0, step_to, step_to + 1)
    first_full = ceil(step_from / width)
    last_full = (step_to + 1) // width - 1
    if first_full > last_full:  # no whole rollup bucket inside: raw points only
        return HistoryPlan(
            step_from, step_to, width, origin, bucket_size, 1, 0, step_to, step_to + 1
        )
    return HistoryPlan(
        step_from=step_from,
        step_to=step_to,
        width=width,
        origin=origin,
        bucket_size=bucket_size,
        first_full=first_full,
        last_full=last_full,
        head_end=first_full * width - 1,
        tail_start=(last_full + 1) * width,
    )


@dataclass(frozen=True, eq=False)
class HistoryColumns:
    """Buckets of one (run, key) as columns: item i of each list is bucket i."""

    step_start: list[int]
    step_end: list[int]
    min: list[float]
    max: list[float]
    last: list[float]
    last_step: list[int]
    count: list[int]


EMPTY = HistoryColumns([], [], [], [], [], [], [])


HISTORY = text(
    """
    WITH parts AS (
        SELECT run_id, key, (bucket * :width - :origin) / :bucket_size AS ob,
               min_value AS mn, max_value AS mx, count AS n, last_step AS ls, last_value AS lv
        FROM run_metric_rollups
        WHERE run_id = ANY(:run_ids) AND organization_id = ANY(:org_ids)
          AND key = ANY(:keys) AND width = :width AND bucket BETWEEN :first_full AND :last_full
        UNION ALL
        SELECT c.run_id, c.key, (u.step - :origin) / :bucket_size, u.value, u.value, 1, u.step,
               u.value
        FROM run_metric_chunks c CROSS JOIN unnest(c.steps, c."values") AS u(step, value)
        WHERE c.run_id = ANY(:run_ids) AND c.organization_id = ANY(:org_ids)
          AND c.key = ANY(:keys)
          AND ((c.max_step >= :step_from AND c.min_step <= :head_end)
               OR (c.max_step >= :tail_start AND c.min_step <= :step_to))
          AND (u.step BETWEEN :step_from AND :head_end OR u.step BETWEEN :tail_start AND :step_to)
    )
    , buckets AS (
        SELECT run_id, key, ob, min(mn) AS mn, max(mx) AS mx, sum(n) AS n, max(ls) AS ls,
               (array_agg(lv ORDER BY ls DESC))[1] AS lv
        FROM parts GROUP BY run_id, key, ob
    )
    SELECT run_id, key, array_agg(ob ORDER BY ob) AS ob, array_agg(mn ORDER BY ob) AS mn,
           array_agg(mx ORDER BY ob) AS mx, array_agg(n::int8 ORDER BY ob) AS n,
           array_agg(ls ORDER BY ob) AS ls, array_agg(lv ORDER BY ob) AS lv
    FROM buckets GROUP BY run_id, key
    """
)


async def read_history(
    session: AsyncSession,
    plan: HistoryPlan,
    run_ids: Sequence[uuid.UUID],
    keys: Sequence[str],
    org_ids: Sequence[uuid.UUID],
) -> dict[tuple[uuid.UUID, str], HistoryColumns]:
    """Buckets per (run, key) for runs that share one plan: one statement."""
    rows = await session.execute(
        HISTORY,
        {
            "run_ids": list(run_ids),
            "org_ids": list(org_ids),
            "keys": list(keys),
            "width": plan.width,
            "origin": plan.origin,
            "bucket_size": plan.bucket_size,
            "first_full": plan.first_full,
            "last_full": plan.last_full,
            "step_from": plan.step_from,
            "head_end": plan.head_end,
            "tail_start": plan.tail_start,
            "step_to": plan.step_to,
        },
    )
    out: dict[tuple[uuid.UUID, str], HistoryColumns] = {}
    for row in rows:
        start = plan.origin + np.asarray(row.ob, dtype=np.int64) * plan.bucket_size
        out[(row.run_id, row.key)] = HistoryColumns(
            step_start=np.maximum(start, plan.step_from).tolist(),
            step_end=np.minimum(start + plan.bucket_size - 1, plan.step_to).tolist(),
            min=row.mn,
            max=row.mx,
            last=row.lv,
            last_step=row.ls,
            count=row.n,
        )
    return out
