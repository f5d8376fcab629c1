"""Build enums."""

from __future__ import annotations

import enum


class BuildStatus(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINAL = frozenset({BuildStatus.SUCCEEDED, BuildStatus.FAILED})
