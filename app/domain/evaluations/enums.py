"""Evaluation enums."""

from __future__ import annotations

import enum


class EvaluationStatus(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


E = EvaluationStatus
EVALUATION_TRANSITIONS: dict[EvaluationStatus, frozenset[EvaluationStatus]] = {
    E.PENDING: frozenset({E.RUNNING, E.SUCCEEDED, E.FAILED, E.CANCELLED}),
    E.RUNNING: frozenset({E.SUCCEEDED, E.FAILED, E.CANCELLED}),
    E.SUCCEEDED: frozenset(),
    E.FAILED: frozenset(),
    E.CANCELLED: frozenset(),
}
ENDED = frozenset({E.SUCCEEDED, E.FAILED, E.CANCELLED})
