"""The vocabulary alerts are told in: how severe, and about what. Monitoring opens alerts
with it, notification rules filter by it, promotion policies block on it; it imports
nothing, so all of them may."""

from __future__ import annotations

import enum


class AlertSeverity(enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AlertType(enum.Enum):
    """What an alert is about: the system opens METRIC_THRESHOLD (alert rules) and
    DATA_DRIFT (drift reports); people open any of them (alertCreate)."""

    METRIC_THRESHOLD = "metric_threshold"
    PERFORMANCE_DEGRADATION = "performance_degradation"
    DATA_DRIFT = "data_drift"
    HIGH_LATENCY = "high_latency"
    ERROR_RATE = "error_rate"
    CUSTOM = "custom"
