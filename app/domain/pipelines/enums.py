"""Pipeline enums."""

from __future__ import annotations

import enum


class Orchestrator(enum.Enum):
    KUBEFLOW = "kubeflow"
    AIRFLOW = "airflow"
    ARGO = "argo"
    N8N = "n8n"
    VERTEX = "vertex"
    CUSTOM = "custom"


class PipelineStatus(enum.Enum):
    """DRAFT while it is written, ACTIVE when its runs may start, ARCHIVED when retired
    from use (kept readable; activating it again is allowed)."""

    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


PIPELINE_TRANSITIONS: dict[PipelineStatus, frozenset[PipelineStatus]] = {
    PipelineStatus.DRAFT: frozenset({PipelineStatus.ACTIVE, PipelineStatus.ARCHIVED}),
    PipelineStatus.ACTIVE: frozenset({PipelineStatus.ARCHIVED}),
    PipelineStatus.ARCHIVED: frozenset({PipelineStatus.ACTIVE}),
}


class WorkflowType(enum.Enum):
    """What a pipeline's workflow is for."""

    TRAINING = "training"
    BATCH_INFERENCE = "batch_inference"
    DATA_PREPARATION = "data_preparation"
    EVALUATION = "evaluation"
    GENERIC = "generic"


class StepKind(enum.Enum):
    TRAINING_JOB = "training_job"
    EVALUATION = "evaluation"
    DATA_PROCESSING = "data_processing"
    DEPLOYMENT = "deployment"


class PipelineRunStatus(enum.Enum):
    CREATED = "created"
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETRYING = "retrying"
    CANCELLED = "cancelled"


class StepStatus(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class MissedRuns(enum.Enum):
    """What a schedule does with fire times that passed while no scheduler ran (downtime):
    RUN_ONCE starts one run for all of them, SKIP starts none (and waits for the next)."""

    RUN_ONCE = "run_once"
    SKIP = "skip"
