"""The pipelines context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

from app.api.loaders.list_spec import (
    BY_NAME,
    CREATED,
    ListSpec,
)
from app.domain.pipelines.models import Pipeline, PipelineRun

PIPELINES_OF_PROJECT = ListSpec(
    "pipelines_of_project", Pipeline, "project_id", {**CREATED, **BY_NAME}
)


RUNS_OF_PIPELINE = ListSpec(
    "runs_of_pipeline",
    PipelineRun,
    "pipeline_id",
    CREATED,
    default_order="CREATED_DESC",
    live_only=False,
)
