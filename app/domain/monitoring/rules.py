"""Pure rules for recorded monitoring points."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.domain.errors import validation

METRIC_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_CLOCK_SKEW = timedelta(days=1)


@dataclass(frozen=True)
class MetricPoint:
    name: str
    value: float
    recorded_at: datetime
    # The point's own normal range (either end open): outside it, the point is an anomaly.
    threshold_low: float | None = None
    threshold_high: float | None = None


def is_anomaly(value: float, low: float | None, high: float | None) -> bool:
    """Outside the point's thresholds (never, without any)."""
    return (low is not None and value < low) or (high is not None and value > high)


def validate_points(
    points: Sequence[MetricPoint], max_points: int, now: datetime | None = None
) -> None:
    """Reject the whole batch at the first bad point; ``field`` names its index."""
    if not points:
        raise validation("give at least one point", ["points"])
    if len(points) > max_points:
        raise validation(f"at most {max_points} points per call", ["points"])
    now = now or datetime.now(UTC)
    seen: set[tuple[str, datetime]] = set()
    for index, point in enumerate(points):
        field = ["points", str(index)]
        if not METRIC_NAME_RE.fullmatch(point.name):
            raise validation(
                "a metric name is 1-128 letters, digits or '_.:/-', starting with a letter or '_'",
                [*field, "name"],
            )
        if not math.isfinite(point.value):
            raise validation("must be a finite number", [*field, "value"])
        for bound in ("threshold_low", "threshold_high"):
            limit = getattr(point, bound)
            if limit is not None and not math.isfinite(limit):
                raise validation("must be a finite number", [*field, bound])
        low, high = point.threshold_low, point.threshold_high
        if low is not None and high is not None and low > high:
            raise validation("must be >= thresholdLow", [*field, "threshold_high"])
        if point.recorded_at.tzinfo is None:
            raise validation("needs a time zone offset", [*field, "recorded_at"])
        if not EARLIEST <= point.recorded_at <= now + MAX_CLOCK_SKEW:
            raise validation(
                "must be after 2000-01-01 and not more than a day in the future",
                [*field, "recorded_at"],
            )
        key = (point.name, point.recorded_at)
        if key in seen:
            raise validation(
                "repeats an earlier point's name and recordedAt in this batch",
                [*field, "recorded_at"],
            )
        seen.add(key)
