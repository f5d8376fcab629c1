"""Reading a deployment's monitoring points by write sequence, for live charts.

Each write takes the deployment's next ``monitoring_seq`` under the deployment's row lock and
stamps the points it stores (a re-sent point takes the newer number), so per deployment the
numbers follow commit order: a reader that has every point up to ``seq`` S misses nothing by
asking for seq > S next. A page ends on a whole write, so a cursor never splits one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class MonitoringRow:
    seq: int
    name: str
    recorded_at: datetime
    value: float
    threshold_low: float | None
    threshold_high: float | None


HIGH_WATER = text("SELECT monitoring_seq FROM deployments WHERE id = :deployment_id")

# The last write among the first ``limit`` points after ``after`` (up to ``until``): a page
# is the points of the writes up to it, about ``limit`` points, never part of a write.
PAGE_END = text(
    """
    SELECT max(seq) FROM (
        SELECT seq FROM monitoring_metrics
        WHERE deployment_id = :deployment_id AND seq > :after AND seq <= :until
        ORDER BY seq LIMIT :limit
    ) s
    """
)
POINTS_BETWEEN = text(
    """
    SELECT seq, name, recorded_at, value, threshold_low, threshold_high FROM monitoring_metrics
    WHERE deployment_id = :deployment_id AND seq > :after AND seq <= :through
      AND (CAST(:names AS varchar[]) IS NULL OR name = ANY(:names))
    ORDER BY seq, name, recorded_at
    """
)

# The most recent ``last`` points of each name stored up to write ``until`` (at most
# FIRST_POINTS in all, the newest), oldest first.
LATEST = text(
    """
    SELECT seq, name, recorded_at, value, threshold_low, threshold_high FROM (
        SELECT seq, name, recorded_at, value, threshold_low, threshold_high FROM (
            SELECT seq, name, recorded_at, value, threshold_low, threshold_high,
                   row_number() OVER (PARTITION BY name ORDER BY recorded_at DESC) AS age
            FROM monitoring_metrics
            WHERE deployment_id = :deployment_id AND seq <= :until
              AND (CAST(:names AS varchar[]) IS NULL OR name = ANY(:names))
        ) m
        WHERE age <= :last
        ORDER BY recorded_at DESC, name
        LIMIT :cap
    ) newest
    ORDER BY recorded_at, name
    """
)
FIRST_POINTS = 20_000

NO_LIMIT = 2**62


async def high_water(session: AsyncSession, deployment_id: uuid.UUID) -> int:
    """The number of the deployment's last committed monitoring write."""
    return int(await session.scalar(HIGH_WATER, {"deployment_id": deployment_id}) or 0)


async def points_after(
    session: AsyncSession,
    deployment_id: uuid.UUID,
    after: int,
    limit: int,
    *,
    until: int = NO_LIMIT,
    names: Sequence[str] | None = None,
) -> tuple[list[MonitoringRow], int]:
    """Points of whole writes with after < seq <= until (of ``names``), in write order;
    and the write number covered (resume after it; ``after`` when there were none)."""
    bounds = {"deployment_id": deployment_id, "after": after, "until": until, "limit": limit}
    through = await session.scalar(PAGE_END, bounds)
    if through is None:
        return [], after
    rows = await session.execute(
        POINTS_BETWEEN,
        {
            "deployment_id": deployment_id,
            "after": after,
            "through": through,
            "names": list(names) if names else None,
        },
    )
    return [MonitoringRow(*row) for row in rows], int(through)


async def latest_points(
    session: AsyncSession,
    deployment_id: uuid.UUID,
    last: int,
    *,
    until: int,
    names: Sequence[str] | None = None,
) -> list[MonitoringRow]:
    """The ``last`` most recent points of each name, as stored up to write ``until`` (the
    newest FIRST_POINTS of them at most)."""
    rows = await session.execute(
        LATEST,
        {
            "deployment_id": deployment_id,
            "until": until,
            "last": last,
            "cap": FIRST_POINTS,
            "names": list(names) if names else None,
        },
    )
    return [MonitoringRow(*row) for row in rows]
