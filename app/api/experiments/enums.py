"""The experiments context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

import enum

import strawberry

from app.api.exposing import expose
from app.api.loaders.list_spec import Order
from app.api.loaders.run_orders import ByMetricLast, ByNumericParam
from app.domain.experiments import enums as experiments

expose(
    experiments.ExperimentStatus,
    experiments.RunStatus,
)

ExperimentStatus = experiments.ExperimentStatus
RunStatus = experiments.RunStatus


@strawberry.enum(
    description="Orders of runs. METRIC_* and PARAM_* need orderKey (the metric "
    "key, or a numeric param's name); runs without it come last. METRIC_ASC/DESC sort by "
    "the last value, METRIC_MIN_* and METRIC_MAX_* by the run's smallest or largest."
)
class RunOrder(enum.Enum):
    CREATED_ASC = Order(("id",))
    CREATED_DESC = Order(("id",), descending=True)
    NAME_ASC = Order(("name", "id"))
    NAME_DESC = Order(("name", "id"), descending=True)
    STARTED_DESC = Order(("started_at", "id"), descending=True)
    METRIC_ASC = ByMetricLast()
    METRIC_DESC = ByMetricLast(value_descending=True)
    METRIC_MIN_ASC = ByMetricLast(stat="min")
    METRIC_MIN_DESC = ByMetricLast(value_descending=True, stat="min")
    METRIC_MAX_ASC = ByMetricLast(stat="max")
    METRIC_MAX_DESC = ByMetricLast(value_descending=True, stat="max")
    PARAM_ASC = ByNumericParam()
    PARAM_DESC = ByNumericParam(value_descending=True)


@strawberry.enum(description="Orders of raw metric points.")
class StepOrder(enum.Enum):
    STEP_ASC = "STEP_ASC"
    STEP_DESC = "STEP_DESC"
