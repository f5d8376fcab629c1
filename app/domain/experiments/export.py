"""Runs and their metric points read for a bulk export, a page of runs at a time in id
order (so an export resumes after the last run it delivered, and memory stays one page),
inside the caller's organizations and visible projects."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.arrays import numpy_array
from app.db.engine import SessionFactory
from app.domain.experiments.models import Run, RunMetricSummary
from app.domain.tenancy.access import Actor
from app.domain.tenancy.visibility import visible_conditions

RUNS_PER_PAGE = 500


@dataclass(frozen=True)
class RunRow:
    id: uuid.UUID
    name: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    params: dict[str, Any]
    tags: dict[str, Any]
    summaries: dict[str, tuple[float, float | None, float | None, int]]  # last, min, max, count


@dataclass(frozen=True)
class PointsPage:
    """The points of a page of runs, as columns (times in epoch microseconds)."""

    run_ids: np.ndarray  # one per point: the run's index in ``runs``
    runs: list[uuid.UUID]
    keys: list[str]
    key_index: np.ndarray
    steps: np.ndarray
    values: np.ndarray
    times: np.ndarray


async def _run_page(
    session: AsyncSession,
    actor: Actor,
    experiment_id: uuid.UUID,
    condition: ColumnElement[bool] | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[Run]:
    query = (
        select(Run)
        .where(
            Run.experiment_id == experiment_id,
            Run.organization_id.in_(actor.org_ids),
            Run.deleted_at.is_(None),
            *visible_conditions(Run, actor.hidden),
            condition if condition is not None else true(),
            Run.id > after if after is not None else true(),
        )
        .order_by(Run.id)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def run_pages(
    session_factory: SessionFactory,
    actor: Actor,
    experiment_id: uuid.UUID,
    condition: ColumnElement[bool] | None,
    after: uuid.UUID | None,
    per_page: int = RUNS_PER_PAGE,
) -> AsyncIterator[list[RunRow]]:
    """Pages of runs with their per-key summaries, each page its own short session."""
    while True:
        async with session_factory() as session:
            runs = await _run_page(session, actor, experiment_id, condition, after, per_page)
            if not runs:
                return
            summaries: dict[uuid.UUID, dict[str, tuple[float, float | None, float | None, int]]]
            summaries = {run.id: {} for run in runs}
            rows = await session.execute(
                select(RunMetricSummary).where(RunMetricSummary.run_id.in_(list(summaries)))
            )
            for (summary,) in rows:
                summaries[summary.run_id][summary.key] = (
                    summary.last_value,
                    summary.min_value,
                    summary.max_value,
                    summary.count,
                )
        yield [
            RunRow(
                run.id,
                run.name,
                run.status,
                run.started_at,
                run.ended_at,
                run.params,
                run.tags,
                summaries[run.id],
            )
            for run in runs
        ]
        if len(runs) < per_page:
            return
        after = runs[-1].id


# A page of runs' points: every chunk of the runs (of the keys asked for), its arrays in
# PostgreSQL's binary form (read by numpy at once, not number by number by the driver).
POINTS = text(
    """
    SELECT c.run_id, c.key, cardinality(c.steps) AS n,
           array_send(c.steps) AS steps, array_send(c."values") AS "values",
           array_send(c.times) AS times
    FROM run_metric_chunks c
    WHERE c.run_id = ANY(:runs) AND c.organization_id = ANY(:orgs)
      AND (cardinality(CAST(:keys AS varchar[])) = 0 OR c.key = ANY(CAST(:keys AS varchar[])))
    ORDER BY c.run_id, c.key, c.seq_hi
    """
)


async def points_of(
    session_factory: SessionFactory, actor: Actor, runs: list[uuid.UUID], keys: list[str]
) -> PointsPage:
    """Every point of these runs (the caller has them from run_pages: visible), as columns
    in run, key and ingest order."""
    async with session_factory() as session:
        rows = (
            await session.execute(POINTS, {"runs": runs, "orgs": actor.org_ids, "keys": keys})
        ).all()
    place = {run_id: index for index, run_id in enumerate(runs)}
    key_names: dict[str, int] = {}
    run_parts, key_parts, steps, values, times = [], [], [], [], []
    for row in rows:
        n = int(row.n)
        run_parts.append(np.full(n, place[row.run_id], dtype=np.int32))
        key_parts.append(np.full(n, key_names.setdefault(row.key, len(key_names)), np.int32))
        steps.append(numpy_array(row.steps))
        values.append(numpy_array(row.values))
        times.append(numpy_array(row.times))

    def joined(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

    return PointsPage(
        run_ids=joined(run_parts, np.int32),
        runs=runs,
        keys=list(key_names),
        key_index=joined(key_parts, np.int32),
        steps=joined(steps, np.int64),
        values=joined(values, np.float64),
        times=joined(times, np.int64),
    )


MAX_BUCKET_SIZE = 1_000_000_000


@dataclass(frozen=True)
class BucketsPage:
    """A page of runs' points cut into step buckets, per run and key, as columns: the
    bucket's first step, its min and max over the finite values (NaN: none was), the
    value at its highest step (NaN and ±Infinity as themselves) and that step, and how
    many points and non-finite points it held."""

    run_ids: np.ndarray
    runs: list[uuid.UUID]
    keys: list[str]
    key_index: np.ndarray
    step_start: np.ndarray
    min: np.ndarray
    max: np.ndarray
    last: np.ndarray
    last_step: np.ndarray
    count: np.ndarray
    nonfinite: np.ndarray


def buckets_of(page: PointsPage, size: int) -> BucketsPage:
    """``page``'s points in buckets of ``size`` steps from step 0, exactly (every point
    counted), in run, key and step order."""
    bucket = page.steps // size
    order = np.lexsort((page.steps, bucket, page.key_index, page.run_ids))
    runs, keys = page.run_ids[order], page.key_index[order]
    steps, values, bucket = page.steps[order], page.values[order], bucket[order]
    new_group = (runs[1:] != runs[:-1]) | (keys[1:] != keys[:-1]) | (bucket[1:] != bucket[:-1])
    starts = np.flatnonzero(np.concatenate(([len(order) > 0], new_group)))
    ends = np.append(starts[1:], len(order))[: len(starts)] - 1
    finite = np.isfinite(values)
    if len(starts):
        finite_count = np.add.reduceat(finite.astype(np.int64), starts)
        low = np.minimum.reduceat(np.where(finite, values, np.inf), starts)
        high = np.maximum.reduceat(np.where(finite, values, -np.inf), starts)
    else:
        finite_count = low = high = np.empty(0)
    counts = ends - starts + 1
    none = finite_count == 0
    return BucketsPage(
        run_ids=runs[starts],
        runs=page.runs,
        keys=page.keys,
        key_index=keys[starts],
        step_start=bucket[starts] * size,
        min=np.where(none, np.nan, low),
        max=np.where(none, np.nan, high),
        last=values[ends],
        last_step=steps[ends],
        count=counts.astype(np.int64),
        nonfinite=(counts - finite_count).astype(np.int64),
    )
