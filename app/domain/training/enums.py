"""Training enums."""

from __future__ import annotations

import enum


class TrainingJobStatus(enum.Enum):
    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Executor(enum.Enum):
    """Where a job runs: the external system whose id it carries."""

    KUBERNETES = "kubernetes"
    VERTEX_AI = "vertex_ai"
    SAGEMAKER = "sagemaker"
    RAY = "ray"
    CUSTOM = "custom"
