"""Monitoring enums."""

from __future__ import annotations

import enum


class AlertSeverity(enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


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


class AlertType(enum.Enum):
    """What an alert is about: the system opens METRIC_THRESHOLD (alert rules) and
    DATA_DRIFT (drift reports); people open any of them (alertCreate)."""

    METRIC_THRESHOLD = "metric_threshold"
    PERFORMANCE_DEGRADATION = "performance_degradation"
    DATA_DRIFT = "data_drift"
    HIGH_LATENCY = "high_latency"
    ERROR_RATE = "error_rate"
    CUSTOM = "custom"
