"""What training jobs may be aggregated by (app/api/aggregates.py)."""

from __future__ import annotations

import enum

import strawberry

from app.api.loaders.aggregates import Grouping, Measure
from app.domain.training.enums import TrainingJobStatus


@strawberry.enum(description="What to group training jobs by.")
class TrainingJobGroupBy(enum.Enum):
    STATUS = Grouping("status", enum=TrainingJobStatus)
    GPU_TYPE = Grouping("gpu_type")
    ENVIRONMENT = Grouping("environment_id", id_type="Environment")
    EXPERIMENT = Grouping("experiment_id", id_type="Experiment")
    CREATED_BY = Grouping("created_by_id", id_type="User")


@strawberry.enum(description="A number of each training job.")
class TrainingJobNumber(enum.Enum):
    GPUS = Measure("gpus")
    CPU = Measure("cpu")
    MEMORY_MB = Measure("memory_mb")
    DURATION_SECONDS = Measure("ended_at", since="started_at")
