"""Build enums."""

from __future__ import annotations

import enum


class BuildStatus(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINAL = frozenset({BuildStatus.SUCCEEDED, BuildStatus.FAILED, BuildStatus.CANCELLED})
# A version whose build ended so may be built again.
REBUILDABLE = frozenset({BuildStatus.FAILED, BuildStatus.CANCELLED})
