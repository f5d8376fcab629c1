"""Pure rules for runs and their metric points."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.errors import DomainError, ErrorCode, validation
from app.domain.experiments.enums import TERMINAL_RUN_STATUSES, RunStatus
from app.domain.integrations import catalog

# MLflow's metric key alphabet: letters, digits, underscores, dashes, periods, spaces, slashes.
MAX_POINT_COLUMNS = 10_000  # raw points in one page of columns (pointColumns' first)
METRIC_KEY_RE = re.compile(r"^[A-Za-z0-9_\-./: ]{1,250}$")


def clean_metric_key(key: str, field: Sequence[str]) -> str:
    """A metric key as ingest takes it (a rule or a sweep that watches one names it so)."""
    if not METRIC_KEY_RE.fullmatch(key) or key != key.strip():
        raise validation(
            "a metric key is 1-250 letters, digits, spaces or '_-./:', not padded", field
        )
    return key


TRACKING_SYSTEMS = frozenset(catalog.TRACKING)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_CLOCK_SKEW = timedelta(days=1)
MAX_STEP = 2**31 - 1  # GraphQL Int


@dataclass(frozen=True)
class RunMetricPoint:
    key: str
    step: int
    value: float
    timestamp: datetime | None = None


def validate_run_points(
    points: Sequence[RunMetricPoint], max_points: int, now: datetime | None = None
) -> list[RunMetricPoint]:
    """Check a batch (rejected whole at the first bad point, ``field`` naming its index);
    returns the points with missing timestamps set to ``now``."""
    if not points:
        raise validation("give at least one point", ["points"])
    if len(points) > max_points:
        raise validation(f"at most {max_points} points per call", ["points"])
    now = now or datetime.now(UTC)
    seen: set[tuple[str, int]] = set()
    out: list[RunMetricPoint] = []
    for index, point in enumerate(points):
        field = ["points", str(index)]
        if not METRIC_KEY_RE.fullmatch(point.key) or point.key != point.key.strip():
            raise validation(
                "a metric key is 1-250 letters, digits, spaces or '_-./:', "
                "without leading or trailing spaces",
                [*field, "key"],
            )
        if not 0 <= point.step <= MAX_STEP:
            raise validation(f"must be between 0 and {MAX_STEP}", [*field, "step"])
        timestamp = point.timestamp or now
        if timestamp.tzinfo is None:
            raise validation("needs a time zone offset", [*field, "timestamp"])
        if not EARLIEST <= timestamp <= now + MAX_CLOCK_SKEW:
            raise validation(
                "must be after 2000-01-01 and not more than a day in the future",
                [*field, "timestamp"],
            )
        if (point.key, point.step) in seen:
            raise validation(
                "repeats an earlier point's key and step in this batch", [*field, "step"]
            )
        seen.add((point.key, point.step))
        out.append(RunMetricPoint(point.key, point.step, point.value, timestamp))
    return out


def ensure_run_finish(current: RunStatus, target: RunStatus) -> None:
    """running -> completed | failed | killed, and nothing else."""
    if target not in TERMINAL_RUN_STATUSES:
        raise DomainError(
            ErrorCode.VALIDATION, "finish a run as COMPLETED, FAILED or KILLED", ["status"]
        )
    if current != RunStatus.RUNNING:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"the run is already {current.value}; only a running run can finish",
            ["status"],
        )


def merge_params(current: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Params are immutable once logged (as in MLflow): re-sending the same value is fine."""
    merged = dict(current)
    for name, value in new.items():
        if name in merged and merged[name] != value:
            raise DomainError(
                ErrorCode.CONFLICT,
                f"param {name!r} is already logged with another value; params are immutable",
                ["params", name],
            )
        merged[name] = value
    return merged


def tracking_link(system: str | None, run_id: str | None) -> tuple[str | None, str | None]:
    if (system is None) != (run_id is None):
        raise validation(
            "give both trackingSystem and trackingRunId, or neither", ["tracking_run_id"]
        )
    if system is None or run_id is None:
        return None, None
    system = system.strip().lower()
    if system not in TRACKING_SYSTEMS:
        allowed = ", ".join(sorted(TRACKING_SYSTEMS))
        raise validation(f"must be one of {allowed}", ["tracking_system"])
    run_id = run_id.strip()
    if not 1 <= len(run_id) <= 200:
        raise validation("must be 1-200 characters", ["tracking_run_id"])
    return system, run_id
