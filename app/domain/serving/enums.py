"""Serving enums."""

from __future__ import annotations

import enum


class DeploymentStatus(enum.Enum):
    PENDING = "pending"
    DEPLOYING = "deploying"
    ACTIVE = "active"
    INACTIVE = "inactive"
    FAILED = "failed"
    TERMINATING = "terminating"
    TERMINATED = "terminated"


class DeploymentEventType(enum.Enum):
    DEPLOY = "deploy"
    UPDATE = "update"
    ROLLBACK = "rollback"
    TERMINATE = "terminate"
