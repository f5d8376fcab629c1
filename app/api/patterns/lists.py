"""The patterns context's lists: a project's and a dataset version's pattern jobs."""

from __future__ import annotations

from app.api.loaders.list_spec import ListSpec, orders_of
from app.api.orders import CreatedOrder
from app.domain.patterns.models import PatternJob

PATTERN_JOBS_OF_PROJECT = ListSpec(
    "pattern_jobs_of_project",
    PatternJob,
    "project_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)
PATTERN_JOBS_OF_DATASET_VERSION = ListSpec(
    "pattern_jobs_of_dataset_version",
    PatternJob,
    "dataset_version_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)
