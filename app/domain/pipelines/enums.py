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
