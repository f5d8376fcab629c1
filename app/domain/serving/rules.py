"""Pure serving rules."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from app.domain.errors import ensure_transition, validation
from app.domain.serving.enums import DeploymentStatus

MAX_INSTANCES = 1000


def ensure_instances(min_instances: int, max_instances: int) -> None:
    if min_instances < 0:
        raise validation("must be >= 0", ["min_instances"])
    if max_instances > MAX_INSTANCES:
        raise validation(f"must be <= {MAX_INSTANCES}", ["max_instances"])
    if min_instances > max_instances:
        raise validation("must be >= minInstances", ["max_instances"])


DEPLOYMENT_TRANSITIONS: dict[DeploymentStatus, frozenset[DeploymentStatus]] = {
    DeploymentStatus.PENDING: frozenset(
        {DeploymentStatus.DEPLOYING, DeploymentStatus.FAILED, DeploymentStatus.TERMINATING}
    ),
    DeploymentStatus.DEPLOYING: frozenset({DeploymentStatus.ACTIVE, DeploymentStatus.FAILED}),
    DeploymentStatus.ACTIVE: frozenset(
        {DeploymentStatus.INACTIVE, DeploymentStatus.TERMINATING, DeploymentStatus.DEPLOYING}
    ),
    DeploymentStatus.INACTIVE: frozenset(
        {DeploymentStatus.DEPLOYING, DeploymentStatus.TERMINATING}
    ),
    DeploymentStatus.FAILED: frozenset({DeploymentStatus.DEPLOYING, DeploymentStatus.TERMINATING}),
    DeploymentStatus.TERMINATING: frozenset({DeploymentStatus.TERMINATED}),
    DeploymentStatus.TERMINATED: frozenset(),
}
ENDED = frozenset({DeploymentStatus.TERMINATING, DeploymentStatus.TERMINATED})


def ensure_deployment_transition(current: DeploymentStatus, target: DeploymentStatus) -> None:
    ensure_transition("deployment", current, target, DEPLOYMENT_TRANSITIONS[current])


def rollback_target(events: Sequence[tuple[str, uuid.UUID | None]]) -> uuid.UUID | None:
    """The version to roll back to, from the deployment's events in order.

    Deploys and updates push the version they installed; rollbacks pop. Rolling back from
    A -> B -> C goes to B, then to A: a history, not a toggle."""
    stack: list[uuid.UUID] = []
    for event_type, to_version in events:
        if event_type in ("deploy", "update") and to_version is not None:
            if not stack or stack[-1] != to_version:
                stack.append(to_version)
        elif event_type == "rollback" and len(stack) >= 2:
            stack.pop()
    return stack[-2] if len(stack) >= 2 else None


def ensure_traffic_split(percentages: Sequence[int]) -> None:
    for index, percentage in enumerate(percentages):
        if not 0 <= percentage <= 100:
            raise validation("must be between 0 and 100", ["splits", str(index), "percentage"])
    if sum(percentages) != 100:
        raise validation(
            f"the percentages must sum to 100 (they sum to {sum(percentages)})", ["splits"]
        )
