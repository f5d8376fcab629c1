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
    """What an alert is about: the system opens METRIC_THRESHOLD (alert rules),
    DATA_DRIFT (drift reports) and TRAINING_HEALTH (health rules, on a run); people open
    any of the others (alertCreate)."""

    METRIC_THRESHOLD = "metric_threshold"
    PERFORMANCE_DEGRADATION = "performance_degradation"
    DATA_DRIFT = "data_drift"
    HIGH_LATENCY = "high_latency"
    ERROR_RATE = "error_rate"
    CUSTOM = "custom"
    TRAINING_HEALTH = "training_health"
