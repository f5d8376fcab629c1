"""The training context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

from app.api.loaders.list_spec import ListSpec, orders_of
from app.api.orders import CreatedOrder, NamedOrder
from app.domain.experiments.models import Run
from app.domain.training.models import TrainingJob

TRAINING_JOBS_OF_PROJECT = ListSpec(
    "training_jobs_of_project",
    TrainingJob,
    "project_id",
    orders_of(NamedOrder),
    default_order="CREATED_DESC",
)


TRAINING_JOBS_OF_EXPERIMENT = ListSpec(
    "training_jobs_of_experiment",
    TrainingJob,
    "experiment_id",
    orders_of(NamedOrder),
    default_order="CREATED_DESC",
)


RUNS_OF_TRAINING_JOB = ListSpec(
    "runs_of_training_job", Run, "training_job_id", orders_of(CreatedOrder)
)
