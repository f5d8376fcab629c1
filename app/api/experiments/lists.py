"""The experiments context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement

from app.api.errors import ClientError
from app.api.experiments.enums import RunOrder
from app.api.graph.declare import ListQuery, order_of
from app.api.loaders.list_spec import ListSpec, orders_of, tags_and_search
from app.api.loaders.run_orders import ByValue
from app.api.orders import NamedOrder
from app.domain.experiments.models import Experiment, Run
from app.domain.experiments.run_query import RunQuery, condition


@dataclass(frozen=True)
class RunFilter:
    statuses: tuple[str, ...] = ()
    params_json: str | None = None  # runs whose params contain this JSON object
    tags_json: str | None = None
    query: RunQuery | None = None  # the run query language's conditions (run_filter.py)
    creators: tuple[uuid.UUID, ...] = ()

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.creators:
            out.append(model.created_by_id.in_(self.creators))
        if self.query is not None:
            out.append(condition(self.query, model))
        if self.statuses:
            out.append(model.status.in_(self.statuses))
        # Kept as JSON text so the filter stays hashable (it is part of a loader key).
        if self.params_json is not None:
            out.append(model.params.contains(orjson.loads(self.params_json)))
        if self.tags_json is not None:
            out.append(model.tags.contains(orjson.loads(self.tags_json)))
        return out


@dataclass(frozen=True)
class ExperimentFilter:
    statuses: tuple[str, ...] = ()
    creators: tuple[uuid.UUID, ...] = ()
    search: str | None = None  # PostgreSQL full-text search (websearch syntax)

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = tags_and_search(model, (), self.search)
        if self.statuses:
            out.append(model.status.in_(self.statuses))
        if self.creators:
            out.append(model.created_by_id.in_(self.creators))
        return out


EXPERIMENTS_OF_PROJECT = ListSpec(
    "experiments_of_project", Experiment, "project_id", orders_of(NamedOrder)
)


RUNS_OF_EXPERIMENT = ListSpec(
    "runs_of_experiment",
    Run,
    "experiment_id",
    orders_of(RunOrder),
    default_order="CREATED_DESC",
)


RUNS_OF_PROJECT = ListSpec(
    "runs_of_project",
    Run,
    "project_id",
    orders_of(RunOrder),
    default_order="CREATED_DESC",
)


def runs_query(kwargs: Mapping[str, Any]) -> ListQuery:
    value = kwargs.get("filter")
    order_by = kwargs.get("order_by")
    if order_by is not None and isinstance(order_by.value, ByValue) and not kwargs.get("order_key"):
        # Checked here, where both read paths build the list, not only when rows are read:
        # a page of none (first: 0) or a count alone asked for the order too.
        raise ClientError("this order needs a key (the metric key or param name)")
    return ListQuery(
        order=order_of(kwargs),
        filter=value.to_filter() if value else None,
        order_argument=kwargs.get("order_key"),
    )
