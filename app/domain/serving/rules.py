"""Pure serving rules."""

from __future__ import annotations

from app.domain.errors import validation

MAX_INSTANCES = 1000


def ensure_instances(min_instances: int, max_instances: int) -> None:
    if min_instances < 0:
        raise validation("must be >= 0", ["input", "minInstances"])
    if max_instances > MAX_INSTANCES:
        raise validation(f"must be <= {MAX_INSTANCES}", ["input", "maxInstances"])
    if min_instances > max_instances:
        raise validation("must be >= minInstances", ["input", "maxInstances"])
