"""Registry enums."""

from __future__ import annotations

import enum


class ServeType(enum.Enum):
    """How a model (a "serve") is served: API behind endpoints (deployments, traffic,
    runtimes), or WORKFLOW, a batch workflow on head and worker nodes configured per
    environment (workflowConfigSet), never an endpoint."""

    API = "api"
    WORKFLOW = "workflow"


class ModelType(enum.Enum):
    CLASSIFICATION = "classification"
    REGRESSION = "regression"
    CLUSTERING = "clustering"
    NLP = "nlp"
    COMPUTER_VISION = "computer_vision"
    RECOMMENDATION = "recommendation"
    TIME_SERIES = "time_series"
    GENERATIVE = "generative"
    OTHER = "other"


class Framework(enum.Enum):
    SKLEARN = "sklearn"
    PYTORCH = "pytorch"
    TENSORFLOW = "tensorflow"
    XGBOOST = "xgboost"
    LIGHTGBM = "lightgbm"
    HUGGINGFACE = "huggingface"
    ONNX = "onnx"
    OTHER = "other"


class TaskType(enum.Enum):
    BINARY_CLASSIFICATION = "binary_classification"
    MULTICLASS_CLASSIFICATION = "multiclass_classification"
    REGRESSION = "regression"
    FORECASTING = "forecasting"
    RANKING = "ranking"
    GENERATION = "generation"
    EMBEDDING = "embedding"
    OTHER = "other"


class ModelStage(enum.Enum):
    DEVELOPMENT = "development"
    STAGING = "staging"
    PRODUCTION = "production"
    ARCHIVED = "archived"


class TrainingStatus(enum.Enum):
    """Where a version stands, fed by its training job and its deployments: TRAINING while
    the job has not ended, READY once it succeeded (or without a job), DEPLOYED while a
    deployment of it is ACTIVE, ARCHIVED in that stage; FAILED when its job failed or was
    cancelled (the seed's four states, and the one a failed job needs)."""

    TRAINING = "training"
    READY = "ready"
    DEPLOYED = "deployed"
    ARCHIVED = "archived"
    FAILED = "failed"
