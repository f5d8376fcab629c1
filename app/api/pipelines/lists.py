"""The pipelines context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

from app.api.loaders.list_spec import ListSpec, orders_of
from app.api.orders import CreatedOrder, NamedOrder
from app.domain.pipelines.models import Pipeline, PipelineRun

PIPELINES_OF_PROJECT = ListSpec(
    "pipelines_of_project", Pipeline, "project_id", orders_of(NamedOrder)
)


RUNS_OF_PIPELINE = ListSpec(
    "runs_of_pipeline",
    PipelineRun,
    "pipeline_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)
