"""Runs compared on the server: the runs a query picks, grouped by params (or all in one
group), each metric key cut into step buckets, and per group, key and bucket the mean and
standard deviation of the runs' values, the smallest and largest value, and how many runs
had one — exact, computed in PostgreSQL from the rollups kept at ingest (or from the raw
points when the runs are short), never from a sample.

A run's value in a bucket is its last value there (at the bucket's highest step), as its
own chart shows it; min and max are over every point of every run in the bucket. NaN and
±Infinity take no part in mean, std, min and max, nor in the count of runs. Buckets are
``bucket_size`` steps wide, aligned to multiples of it from step 0, so a range is widened
to whole buckets; the width is a multiple of the stored rollups' (64, 4,096, 262,144
steps), or of 1 when the runs' points are few enough to read raw."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil, isclose
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    and_,
    cast,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import validation
from app.domain.experiments.models import Run, RunMetricChunk, RunMetricRollup, RunMetricSummary
from app.domain.experiments.run_query import finite
from app.domain.experiments.services import ROLLUP_WIDTHS
from app.domain.tenancy.access import Actor
from app.domain.tenancy.visibility import visible_conditions

MAX_KEYS = 20
MAX_GROUP_BY = 5
MAX_GROUPS = 200
MAX_RUNS = 10_000
MAX_BUCKETS = 5_000
RAW_POINTS_BUDGET = 200_000  # raw points read at most; beyond, the 64-step rollups


@dataclass(frozen=True)
class SeriesColumns:
    key: str
    step_start: list[int]
    mean: list[float | None]
    std: list[float | None]
    min: list[float | None]
    max: list[float | None]
    runs: list[int]


@dataclass(frozen=True)
class RunGroup:
    params: dict[str, str | None]  # the group's value of each groupBy param (None: unset)
    run_count: int
    series: list[SeriesColumns]


@dataclass(frozen=True)
class Comparison:
    bucket_size: int
    step_to: int  # the buckets are planned up to this step
    groups: list[RunGroup]


def _bucket_size(span: int, max_points: int, raw: bool) -> tuple[int, int]:
    """(the stored width read, the output bucket size: a multiple of it)."""
    ideal = max(1, ceil(span / max_points))
    widths = [w for w in ROLLUP_WIDTHS if w <= ideal]
    width = max(widths) if widths else (1 if raw else min(ROLLUP_WIDTHS))
    return width, ceil(ideal / width) * width


async def compare_runs(
    session: AsyncSession,
    actor: Actor,
    *,
    experiment_id: uuid.UUID,
    condition: ColumnElement[bool] | None,
    group_by: Sequence[str],
    keys: Sequence[str],
    max_points: int,
    step_from: int | None = None,
    step_to: int | None = None,
    plan_ahead: bool = False,
    kept_plan: int | None = None,
) -> Comparison:
    """The comparison of the experiment's live runs matching ``condition`` (the caller
    has checked it sees the experiment; runs are read inside its organizations).

    Without ``step_to`` the buckets span the steps logged so far; with ``plan_ahead`` (a
    live chart) twice that, so buckets keep their size while the runs grow, and while the
    runs stay within ``kept_plan`` (an earlier answer's ``step_to``) that plan is kept."""
    if not 1 <= len(keys) <= MAX_KEYS:
        raise validation(f"give 1 to {MAX_KEYS} metric keys", ["keys"])
    if len(group_by) > MAX_GROUP_BY:
        raise validation(f"group by at most {MAX_GROUP_BY} params", ["group_by"])
    if not 1 <= max_points <= MAX_BUCKETS:
        raise validation(f"maxPoints must be between 1 and {MAX_BUCKETS}", ["max_points"])
    if (step_from is not None and step_from < 0) or (
        step_from is not None and step_to is not None and step_to < step_from
    ):
        raise validation("need 0 <= stepFrom <= stepTo", ["step_from"])
    picked = (
        await session.execute(
            select(Run.id, *[Run.params[name].astext for name in group_by])
            .where(
                Run.experiment_id == experiment_id,
                Run.organization_id.in_(actor.org_ids),
                Run.deleted_at.is_(None),
                *visible_conditions(Run, actor.hidden),
                condition if condition is not None else true(),
            )
            .limit(MAX_RUNS + 1)
        )
    ).all()
    if len(picked) > MAX_RUNS:
        raise validation(f"compare at most {MAX_RUNS:,} runs: filter them", ["filter"])
    # The runs as arrays (their ids, each one's group): later statements read them by id
    # (index scans), whatever the filter was, and group by a small integer.
    group_index: dict[tuple[str | None, ...], int] = {}
    ids: list[uuid.UUID] = []
    places: list[int] = []
    counts: list[int] = []
    for run_id, *values in sorted(picked, key=lambda row: tuple((v is None, v) for v in row[1:])):
        place = group_index.setdefault(tuple(values), len(group_index))
        if place == len(counts):
            counts.append(0)
        counts[place] += 1
        ids.append(run_id)
        places.append(place)
    if len(group_index) > MAX_GROUPS:
        raise validation(
            f"the runs fall into {len(group_index)} groups; at most {MAX_GROUPS}: group by "
            "fewer params or filter",
            ["group_by"],
        )
    extent = (
        await session.execute(
            select(
                func.max(RunMetricSummary.last_step),
                func.coalesce(func.sum(RunMetricSummary.count), 0),
            ).where(
                RunMetricSummary.run_id == func.any(literal(ids, ARRAY(UUID(as_uuid=True)))),
                RunMetricSummary.key.in_(list(keys)),
            )
        )
    ).one()
    lowest = step_from or 0
    logged = int(extent[0] or 0)
    if step_to is not None:
        highest = step_to
    elif not plan_ahead:
        highest = logged
    elif kept_plan is not None and logged <= kept_plan:
        highest = kept_plan
    else:
        highest = max(2 * logged + 1, lowest + max_points - 1)
    span = max(1, highest - lowest + 1)
    width, size = _bucket_size(span, max_points, raw=int(extent[1]) <= RAW_POINTS_BUDGET)
    first, last = lowest // size, highest // size
    matched = (
        func.unnest(literal(ids, ARRAY(UUID(as_uuid=True))), literal(places, ARRAY(Integer)))
        .table_valued("id", "g")
        .render_derived("matched")
    )
    per_run = (
        _raw_values(matched, keys, size, first, last)
        if width == 1
        else _rollup_values(matched, keys, width, size, first, last)
    )
    counted = finite(per_run.c.last)
    value = cast(per_run.c.last, Float(precision=53))
    rows: Any = (
        await session.execute(
            select(
                per_run.c.g,
                per_run.c.key,
                per_run.c.b,
                func.avg(value).filter(counted),
                func.stddev_samp(value).filter(counted),
                func.min(per_run.c.mn),
                func.max(per_run.c.mx),
                func.count().filter(counted),
            )
            .group_by(per_run.c.g, per_run.c.key, per_run.c.b)
            .order_by(per_run.c.g, per_run.c.key, per_run.c.b)
        )
        if ids
        else []
    )
    found: dict[int, dict[str, list[list[Any]]]] = {}
    for place, key, bucket, mean, std, low, high, runs in rows:
        columns = found.setdefault(place, {}).setdefault(key, [[], [], [], [], [], []])
        for column, item in zip(
            columns, (int(bucket) * size, mean, std, low, high, int(runs)), strict=True
        ):
            column.append(item)
    return Comparison(
        bucket_size=size,
        step_to=highest,
        groups=[
            RunGroup(
                params=dict(zip(group_by, values, strict=True)),
                run_count=counts[place],
                series=[
                    SeriesColumns(key, *found.get(place, {}).get(key, [[]] * 6)) for key in keys
                ],
            )
            for values, place in group_index.items()
        ],
    )


def _rollup_values(
    matched: Any,
    keys: Sequence[str],
    width: int,
    size: int,
    first: int,
    last: int,
) -> Any:
    """Each run's min, max and last value per output bucket, from its rollups."""
    rollup = RunMetricRollup
    per = size // width
    where = (
        rollup.key.in_(list(keys)),
        rollup.width == width,
        rollup.bucket.between(first * per, last * per + per - 1),
    )
    if per == 1:  # a stored bucket is an output bucket: its row is the run's values there
        return (
            select(
                matched.c.g,
                rollup.key,
                rollup.bucket.label("b"),
                rollup.run_id,
                rollup.min_value.label("mn"),
                rollup.max_value.label("mx"),
                rollup.last_value.label("last"),
            )
            .join(matched, matched.c.id == rollup.run_id)
            .where(*where)
            .subquery("per_run")
        )
    bucket = (rollup.bucket // per).label("b")
    return (
        select(
            matched.c.g,
            rollup.key,
            bucket,
            rollup.run_id,
            func.min(rollup.min_value).label("mn"),
            func.max(rollup.max_value).label("mx"),
            _last(rollup.last_value, rollup.bucket),
        )
        .join(matched, matched.c.id == rollup.run_id)
        .where(*where)
        .group_by(matched.c.g, rollup.key, bucket, rollup.run_id)
        .subquery("per_run")
    )


def _last(value: Any, by: Any) -> Any:
    """The value at the highest ``by`` of the group."""
    ordered = func.array_agg(aggregate_order_by(value, by.desc()), type_=ARRAY(Float(53)))
    return ordered[1].label("last")


def _raw_values(matched: Any, keys: Sequence[str], size: int, first: int, last: int) -> Any:
    """Each run's min, max and last value per output bucket, from its raw points."""
    chunk = RunMetricChunk
    points = (
        func.unnest(chunk.steps, chunk.values).table_valued("step", "value").render_derived("u")
    )
    step = cast(points.c.step, BigInteger)
    value = cast(points.c.value, Float(precision=53))
    bucket = (step // literal(size, BigInteger)).label("b")
    low, high = first * size, last * size + size - 1
    return (
        select(
            matched.c.g,
            chunk.key,
            bucket,
            chunk.run_id,
            func.min(value).filter(finite(value)).label("mn"),
            func.max(value).filter(finite(value)).label("mx"),
            _last(value, step),
        )
        .select_from(chunk)
        .join(matched, matched.c.id == chunk.run_id)
        .join(points, true())
        .where(
            chunk.key.in_(list(keys)),
            and_(chunk.max_step >= low, chunk.min_step <= high),
            step.between(low, high),
        )
        .group_by(matched.c.g, chunk.key, bucket, chunk.run_id)
        .subquery("per_run")
    )


def _rows(series: SeriesColumns) -> dict[int, tuple[Any, ...]]:
    return {
        start: (series.mean[i], series.std[i], series.min[i], series.max[i], series.runs[i])
        for i, start in enumerate(series.step_start)
    }


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Equal, but for the last bits of a mean or deviation summed in another order."""
    return all(
        x == y or (isinstance(x, float) and isinstance(y, float) and isclose(x, y, rel_tol=1e-12))
        for x, y in zip(a, b, strict=True)
    )


def live_update(before: Comparison | None, now: Comparison) -> tuple[bool, Comparison] | None:
    """What a live chart holding ``before`` needs to show ``now``: ``(True, now)`` to draw
    it anew — the first time, the buckets planned again, or a group or a bucket gone;
    ``(False, the groups whose run count or buckets changed, each with only the buckets
    that changed)``; None when nothing did."""
    if before is None:
        return True, now
    try:
        changed = _changed_groups(before, now)
    except _Replan:
        return True, now
    return (False, Comparison(now.bucket_size, now.step_to, changed)) if changed else None


def _changed_groups(before: Comparison, now: Comparison) -> list[RunGroup]:
    if (before.bucket_size, before.step_to) != (now.bucket_size, now.step_to):
        raise _Replan
    old = {tuple(group.params.items()): group for group in before.groups}
    if set(old) - {tuple(group.params.items()) for group in now.groups}:
        raise _Replan
    changed: list[RunGroup] = []
    for group in now.groups:
        previous = old.get(tuple(group.params.items()))
        was = {s.key: _rows(s) for s in previous.series} if previous is not None else {}
        series = []
        for s in group.series:
            rows, had = _rows(s), was.get(s.key, {})
            if set(had) - set(rows):
                raise _Replan
            picked = [
                i
                for i, (start, row) in enumerate(rows.items())
                if start not in had or not _same(row, had[start])
            ]
            if picked:
                series.append(
                    SeriesColumns(
                        s.key,
                        [s.step_start[i] for i in picked],
                        [s.mean[i] for i in picked],
                        [s.std[i] for i in picked],
                        [s.min[i] for i in picked],
                        [s.max[i] for i in picked],
                        [s.runs[i] for i in picked],
                    )
                )
        if series or previous is None or previous.run_count != group.run_count:
            changed.append(RunGroup(group.params, group.run_count, series))
    return changed


class _Replan(Exception):
    """The live chart's buckets cannot be patched: send them all."""
