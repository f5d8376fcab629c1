"""The evaluations context's lists: a model version's and a dataset version's evaluations."""

from __future__ import annotations

from app.api.loaders.list_spec import ListSpec, orders_of
from app.api.orders import CreatedOrder
from app.domain.evaluations.models import EvaluationRun

EVALUATIONS_OF_MODEL_VERSION = ListSpec(
    "evaluations_of_model_version",
    EvaluationRun,
    "model_version_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)
EVALUATIONS_OF_DATASET_VERSION = ListSpec(
    "evaluations_of_dataset_version",
    EvaluationRun,
    "dataset_version_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)
EVALUATIONS_OF_PIPELINE_RUN = ListSpec(
    "evaluations_of_pipeline_run",
    EvaluationRun,
    "pipeline_run_id",
    orders_of(CreatedOrder),
    default_order="CREATED_ASC",
    live_only=False,
)
