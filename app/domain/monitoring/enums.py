"""Monitoring enums."""

from __future__ import annotations

import enum


class AlertStatus(enum.Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Comparator(enum.Enum):
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"


class Aggregation(enum.Enum):
    LAST = "last"
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    P95 = "p95"


class PredictionStatus(enum.Enum):
    """PENDING until an asynchronous prediction completes (predictionsComplete); COMPLETED
    or FAILED (the model answered with an error) when it is recorded done."""

    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"
