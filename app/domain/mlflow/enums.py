"""MLflow compatibility enums."""

from __future__ import annotations

import enum


class LoggedModelStatus(enum.Enum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"
