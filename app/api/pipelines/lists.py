"""The pipelines context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from app.api.graph.declare import ListQuery, created_range, order_of
from app.api.loaders.list_spec import ListSpec, created_between, orders_of
from app.api.orders import CreatedOrder, NamedOrder
from app.domain.pipelines.models import Pipeline, PipelineRun, PipelineSchedule


@dataclass(frozen=True)
class PipelineFilter:
    statuses: tuple[str, ...] = ()
    workflow_types: tuple[str, ...] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out = created_between(model, self.created_from, self.created_to)
        if self.statuses:
            out.append(model.status.in_(self.statuses))
        if self.workflow_types:
            out.append(model.workflow_type.in_(self.workflow_types))
        return out


def pipelines_query(kwargs: Mapping[str, Any]) -> ListQuery:
    since, until = created_range(kwargs.get("created_from"), kwargs.get("created_to"))
    return ListQuery(
        order=order_of(kwargs),
        filter=PipelineFilter(
            statuses=tuple(s.value for s in kwargs.get("status") or ()),
            workflow_types=tuple(t.value for t in kwargs.get("workflow_type") or ()),
            created_from=since,
            created_to=until,
        ),
    )


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


SCHEDULES_OF_PIPELINE = ListSpec(
    "schedules_of_pipeline",
    PipelineSchedule,
    "pipeline_id",
    orders_of(CreatedOrder),
    live_only=False,
)
