"""The experiments context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement

from app.api.loaders.list_spec import (
    BY_NAME,
    CREATED,
    ListSpec,
    Order,
)
from app.api.loaders.run_orders import ByMetricLast, ByNumericParam
from app.domain.experiments.models import Experiment, Run


@dataclass(frozen=True)
class ExperimentFilter:
    statuses: tuple[str, ...] = ()

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        return [model.status.in_(self.statuses)] if self.statuses else []


@dataclass(frozen=True)
class RunFilter:
    statuses: tuple[str, ...] = ()
    params_json: str | None = None  # runs whose params contain this JSON object
    tags_json: str | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.statuses:
            out.append(model.status.in_(self.statuses))
        # Kept as JSON text so the filter stays hashable (it is part of a loader key).
        if self.params_json is not None:
            out.append(model.params.contains(orjson.loads(self.params_json)))
        if self.tags_json is not None:
            out.append(model.tags.contains(orjson.loads(self.tags_json)))
        return out


EXPERIMENTS_OF_PROJECT = ListSpec(
    "experiments_of_project", Experiment, "project_id", {**CREATED, **BY_NAME}
)


RUNS_OF_EXPERIMENT = ListSpec(
    "runs_of_experiment",
    Run,
    "experiment_id",
    {
        **CREATED,
        **BY_NAME,
        "STARTED_DESC": Order(("started_at", "id"), descending=True),
        "METRIC_ASC": ByMetricLast(),
        "METRIC_DESC": ByMetricLast(value_descending=True),
        "PARAM_ASC": ByNumericParam(),
        "PARAM_DESC": ByNumericParam(value_descending=True),
    },
    default_order="CREATED_DESC",
)
