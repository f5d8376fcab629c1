"""Reading points back out of run_metric_chunks: in ingest-sequence order (the metric
stream) and in step order (raw pages). Each is one statement that reads only the chunks it
needs; points are cut out of the arrays in Python."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.experiments.points import from_micros


@dataclass(frozen=True)
class MetricRow:
    seq: int
    key: str
    step: int
    value: float
    timestamp: datetime


HIGH_WATER = text("SELECT metric_seq FROM runs WHERE id = :run_id")


async def high_water(session: AsyncSession, run_id: uuid.UUID) -> int:
    """The run's committed ingest sequence number: every point up to it is stored."""
    return int(await session.scalar(HIGH_WATER, {"run_id": run_id}) or 0)


# Chunks after a sequence number, at most ``limit`` points' worth: ``before`` counts the
# points after ``after`` in the chunks before this one, so a page holds exactly ``limit``
# points when there are that many (a chunk that starts before the limit is cut in Python).
CHUNKS_AFTER = text(
    """
    SELECT key, seq_lo, steps, "values", times FROM (
        SELECT key, seq_lo, seq_hi, steps, "values", times,
               sum(seq_hi - greatest(seq_lo, :after + 1) + 1) OVER (ORDER BY seq_hi)
                   - (seq_hi - greatest(seq_lo, :after + 1) + 1) AS before
        FROM run_metric_chunks
        WHERE run_id = :run_id AND seq_hi > :after AND seq_lo <= :until
          AND max_step > :after_step AND (CAST(:keys AS varchar[]) IS NULL OR key = ANY(:keys))
        ORDER BY seq_hi
        LIMIT :limit
    ) c
    WHERE before < :limit
    ORDER BY seq_hi
    """
)

NO_LIMIT = 2**62


async def points_after(
    session: AsyncSession,
    run_id: uuid.UUID,
    after: int,
    limit: int,
    *,
    until: int = NO_LIMIT,
    keys: Sequence[str] | None = None,
    after_step: int = -1,
) -> tuple[list[MetricRow], int]:
    """Up to ``limit`` points with after < seq <= until (and step > after_step, key in
    keys), in sequence order; and the sequence number covered (resume after it)."""
    rows = await session.execute(
        CHUNKS_AFTER,
        {
            "run_id": run_id,
            "after": after,
            "until": until,
            "after_step": after_step,
            "keys": list(keys) if keys else None,
            "limit": limit,
        },
    )
    out: list[MetricRow] = []
    covered = after
    for key, seq_lo, steps, values, times in rows:
        first = max(0, after + 1 - seq_lo)
        last = min(len(steps), until - seq_lo + 1)
        for i in range(first, last):
            if len(out) == limit:
                return out, covered
            covered = seq_lo + i
            if steps[i] > after_step:
                out.append(MetricRow(covered, key, steps[i], values[i], from_micros(times[i])))
    return out, covered


def page_statement(
    descending: bool,
    *,
    run_id: str = ":run_id",
    org_ids: str = ":org_ids",
    key: str = ":key",
    bound: str = ":bound",
    want: str = ":want",
) -> str:
    """Chunks of a key holding the ``want`` first steps beyond a bound, then those points.
    Chunks of one key may overlap in steps (out-of-order logging), so a chunk is read only
    if it starts before the point where the chunks before it surely hold ``want`` points.
    The arguments are SQL text (bind parameters here; the compiled reads put a row's id and
    their own parameters in: app/api/graph/metric_pages.py)."""
    if descending:  # the largest steps below the bound
        beyond, sure, point = f"min_step < {bound}", f"max_step < {bound}", f"u.step < {bound}"
        near, far, reach, edge = "max_step", "min_step", "min", "max"
        inside, direction = ">=", "DESC"
    else:  # the smallest steps above the bound
        beyond, sure, point = f"max_step > {bound}", f"min_step > {bound}", f"u.step > {bound}"
        near, far, reach, edge = "min_step", "max_step", "max", "min"
        inside, direction = "<=", "ASC"
    if descending:
        points = f'unnest(c.steps, c."values", c.times) AS u(step, value, t) WHERE {point}'
    else:  # a chunk's steps ascend as written: its first ``want`` beyond the bound suffice,
        # and the scan stops there (not unnesting and sorting the whole chunk)
        points = f"""LATERAL (
        SELECT * FROM unnest(c.steps, c."values", c.times) AS u(step, value, t)
        WHERE {point} LIMIT {want}
    ) u"""
    return f"""
    WITH meta AS (
        SELECT seq_hi, {near} AS near,
               sum(CASE WHEN {sure} THEN seq_hi - seq_lo + 1 ELSE 0 END)
                   OVER w AS sure_count,
               {reach}({far}) OVER w AS reach
        FROM run_metric_chunks
        WHERE run_id = {run_id} AND organization_id = ANY({org_ids}) AND key = {key}
          AND {beyond}
        WINDOW w AS (ORDER BY {near} {direction}, seq_hi)
    ),
    b AS (SELECT {edge}(reach) FILTER (WHERE sure_count >= {want}) AS edge FROM meta),
    picked AS MATERIALIZED (
        SELECT meta.seq_hi FROM meta CROSS JOIN b
        WHERE b.edge IS NULL OR meta.near {inside} b.edge
    )
    SELECT u.step, u.value, u.t
    FROM picked
    JOIN run_metric_chunks c ON c.run_id = {run_id} AND c.seq_hi = picked.seq_hi
    CROSS JOIN {points}
    ORDER BY u.step {direction}
    LIMIT {want}
    """


# The bound of a first page (no step given): below every step, or above it for descending.
NO_BOUND = {False: -1, True: 2**63 - 1}
PAGE_ASC = text(page_statement(descending=False))
PAGE_DESC = text(page_statement(descending=True))


@dataclass(frozen=True)
class RawPoint:
    key: str
    step: int
    value: float
    timestamp: datetime


@dataclass(frozen=True)
class PointColumns:
    """Raw points of one key as columns (times in epoch microseconds)."""

    key: str
    steps: list[int]
    values: list[float]
    times: list[int]

    def __len__(self) -> int:
        return len(self.steps)

    def head(self, n: int) -> PointColumns:
        return PointColumns(self.key, self.steps[:n], self.values[:n], self.times[:n])

    def points(self) -> list[RawPoint]:
        return [
            RawPoint(self.key, step, value, from_micros(t))
            for step, value, t in zip(self.steps, self.values, self.times, strict=True)
        ]


async def points_page(
    session: AsyncSession,
    run_id: uuid.UUID,
    key: str,
    org_ids: Sequence[uuid.UUID],
    *,
    bound: int | None,
    descending: bool,
    want: int,
) -> PointColumns:
    """The ``want`` points of a key nearest beyond ``bound`` (a step, exclusive), by step."""
    if bound is None:
        bound = NO_BOUND[descending]
    rows = (
        await session.execute(
            PAGE_DESC if descending else PAGE_ASC,
            {"run_id": run_id, "org_ids": list(org_ids), "key": key, "bound": bound, "want": want},
        )
    ).all()
    steps, values, times = (
        (list(column) for column in zip(*rows, strict=True)) if rows else ([], [], [])
    )
    return PointColumns(key, steps, values, times)
