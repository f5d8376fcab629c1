"""Downsampled metric history for charts: at most ``max_points`` buckets per key, each with
min, max and last, so spikes survive. Reads the coarsest rollup that still resolves every
bucket, plus raw points only at the edges of the range; exact for any range."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, cast

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.arrays import numpy_array
from app.domain.errors import validation
from app.domain.experiments.points import runs_of

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

    def bucket_of(self, steps: Any) -> Any:
        """The output bucket holding a step (an int, or a numpy array of steps)."""
        return (steps - self.origin) // self.bucket_size

    def columns(
        self,
        buckets: Sequence[int] | np.ndarray,
        mins: Sequence[float] | np.ndarray,
        maxs: Sequence[float] | np.ndarray,
        lasts: Sequence[float] | np.ndarray,
        last_steps: Sequence[int] | np.ndarray,
        counts: Sequence[int] | np.ndarray,
        nonfinite: Sequence[int] | np.ndarray,
    ) -> HistoryColumns:
        """Output buckets as columns, each bucket's steps clipped to [step_from, step_to].
        ``mins``/``maxs`` hold NaN for a bucket without a finite value: None in the
        columns."""
        first = self.origin + np.asarray(buckets, dtype=np.int64) * self.bucket_size
        return HistoryColumns(
            step_start=np.maximum(first, self.step_from).tolist(),
            step_end=np.minimum(first + self.bucket_size - 1, self.step_to).tolist(),
            min=_none_for_nan(np.asarray(mins, dtype=np.float64)),
            max=_none_for_nan(np.asarray(maxs, dtype=np.float64)),
            last=np.asarray(lasts, dtype=np.float64).tolist(),
            last_step=np.asarray(last_steps, dtype=np.int64).tolist(),
            count=np.asarray(counts, dtype=np.int64).tolist(),
            non_finite=np.asarray(nonfinite, dtype=np.int64).tolist(),
        )


def _none_for_nan(values: np.ndarray) -> list[float | None]:
    """NaN (no finite value) as None; a column without any stays one C-level conversion."""
    if not np.isnan(values).any():
        return cast(list[float | None], values.tolist())
    return [None if v != v else v for v in values.tolist()]


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
    min: list[float | None]  # of the finite values; None: the bucket has none
    max: list[float | None]
    last: list[float]  # may be NaN or ±Infinity
    last_step: list[int]
    count: list[int]
    non_finite: list[int]  # NaN and ±Infinity values among count


EMPTY = HistoryColumns([], [], [], [], [], [], [], [])


# The parts of a history, as arrays: per (run, key) one row of the rollup buckets that lie
# inside the range, and the raw chunks that overlap its edges (whole; cut by numpy). No
# per-point work in PostgreSQL: numpy buckets and folds them (``_fold``). Arrays travel in
# their binary form (array_send) and become numpy arrays without a Python object per
# element (app/db/arrays.py). Positional parameters: sent through asyncpg as they are (the
# chart path's own pool) or through a session's connection (``session_fetch``).
HISTORY = """
    SELECT run_id, key, 'r' AS kind, array_send(array_agg(bucket ORDER BY bucket)) AS a,
           array_send(array_agg(coalesce(min_value, 'NaN') ORDER BY bucket)) AS mn,
           array_send(array_agg(coalesce(max_value, 'NaN') ORDER BY bucket)) AS mx,
           array_send(array_agg(count ORDER BY bucket)) AS n,
           array_send(array_agg(nonfinite ORDER BY bucket)) AS nf,
           array_send(array_agg(last_step ORDER BY bucket)) AS ls,
           array_send(array_agg(last_value ORDER BY bucket)) AS lv
    FROM run_metric_rollups
    WHERE run_id = ANY($1::uuid[]) AND organization_id = ANY($2::uuid[])
      AND key = ANY($3::varchar[]) AND width = $4::int4 AND bucket BETWEEN $5::int8 AND $6::int8
    GROUP BY run_id, key
    UNION ALL
    SELECT run_id, key, 'c', array_send(steps), array_send("values"), NULL, NULL, NULL, NULL,
           NULL
    FROM run_metric_chunks
    WHERE run_id = ANY($1::uuid[]) AND organization_id = ANY($2::uuid[])
      AND key = ANY($3::varchar[])
      AND ((max_step >= $7::int8 AND min_step <= $8::int8)
           OR (max_step >= $9::int8 AND min_step <= $10::int8))
    """

# Runs a statement with positional parameters and returns its rows.
Fetch = Callable[[str, Sequence[Any]], Awaitable[Sequence[Sequence[Any]]]]


def session_fetch(session: AsyncSession) -> Fetch:
    """``Fetch`` on the session's connection (inside its transaction, if it has one)."""

    async def fetch(sql: str, params: Sequence[Any]) -> Sequence[Sequence[Any]]:
        connection = await session.connection()
        return (await connection.exec_driver_sql(sql, tuple(params))).all()

    return fetch


def _fold(plan: HistoryPlan, parts: list[tuple[str, tuple[np.ndarray, ...]]]) -> HistoryColumns:
    """Output buckets from rollup buckets and raw points: sort by (bucket, step), then
    min/max/sum per bucket and the value at each bucket's highest step."""
    obs, mins, maxs, counts, nonfinite, last_steps, last_values = [], [], [], [], [], [], []
    for kind, (a, mn, mx, n, nf, ls, lv) in parts:
        if kind == "r":  # min/max NaN: the rollup bucket holds no finite value
            obs.append(plan.bucket_of(np.asarray(a, dtype=np.int64) * plan.width))
            mins.append(np.asarray(mn, dtype=np.float64))
            maxs.append(np.asarray(mx, dtype=np.float64))
            counts.append(np.asarray(n, dtype=np.int64))
            nonfinite.append(np.asarray(nf, dtype=np.int64))
            last_steps.append(np.asarray(ls, dtype=np.int64))
            last_values.append(np.asarray(lv, dtype=np.float64))
            continue
        steps, values = np.asarray(a, dtype=np.int64), np.asarray(mn, dtype=np.float64)
        keep = ((steps >= plan.step_from) & (steps <= plan.head_end)) | (
            (steps >= plan.tail_start) & (steps <= plan.step_to)
        )
        steps, values = steps[keep], values[keep]
        finite = np.isfinite(values)
        bounded = np.where(finite, values, np.nan)
        obs.append(plan.bucket_of(steps))
        mins.append(bounded)
        maxs.append(bounded)
        counts.append(np.ones(len(steps), dtype=np.int64))
        nonfinite.append((~finite).astype(np.int64))
        last_steps.append(steps)
        last_values.append(values)
    if not obs or not sum(len(o) for o in obs):
        return EMPTY
    ob, ls = np.concatenate(obs), np.concatenate(last_steps)
    order = np.lexsort((ls, ob))
    ob, ls = ob[order], ls[order]
    mn, mx = np.concatenate(mins)[order], np.concatenate(maxs)[order]
    n, lv = np.concatenate(counts)[order], np.concatenate(last_values)[order]
    nf = np.concatenate(nonfinite)[order]
    starts, ends = runs_of(ob)
    return plan.columns(
        ob[starts],
        np.fmin.reduceat(mn, starts),  # NaN (no finite value) passes over
        np.fmax.reduceat(mx, starts),
        lv[ends],
        ls[ends],
        np.add.reduceat(n, starts),
        np.add.reduceat(nf, starts),
    )


async def read_history(
    fetch: Fetch,
    plan: HistoryPlan,
    run_ids: Sequence[uuid.UUID],
    keys: Sequence[str],
    org_ids: Sequence[uuid.UUID],
) -> dict[tuple[uuid.UUID, str], HistoryColumns]:
    """Buckets per (run, key) for runs that share one plan: one statement."""
    rows = await fetch(
        HISTORY,
        [
            list(run_ids),
            list(org_ids),
            list(keys),
            plan.width,
            plan.first_full,
            plan.last_full,
            plan.step_from,
            plan.head_end,
            plan.tail_start,
            plan.step_to,
        ],
    )
    parts: dict[tuple[uuid.UUID, str], list[tuple[str, tuple[np.ndarray, ...]]]] = {}
    for run_id, key, kind, *arrays in rows:
        parts.setdefault((run_id, key), []).append((kind, tuple(map(numpy_array, arrays))))
    return {where: _fold(plan, found) for where, found in parts.items()}
