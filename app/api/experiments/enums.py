"""The experiments context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

import enum

import strawberry

from app.domain.experiments import enums as experiments

_EXPOSED: tuple[tuple[type[enum.Enum], str | None], ...] = (
    (experiments.ExperimentStatus, None),
    (experiments.RunStatus, None),
)
for _domain_enum, _name in _EXPOSED:
    strawberry.enum(_domain_enum, name=_name)

ExperimentStatus = experiments.ExperimentStatus
RunStatus = experiments.RunStatus


@strawberry.enum(
    description="Orders of runs. METRIC_* and PARAM_* need orderKey (the metric "
    "key, or a numeric param's name); runs without it come last."
)
class RunOrder(enum.Enum):
    CREATED_ASC = "CREATED_ASC"
    CREATED_DESC = "CREATED_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    STARTED_DESC = "STARTED_DESC"
    METRIC_ASC = "METRIC_ASC"
    METRIC_DESC = "METRIC_DESC"
    PARAM_ASC = "PARAM_ASC"
    PARAM_DESC = "PARAM_DESC"


@strawberry.enum(description="Orders of raw metric points.")
class StepOrder(enum.Enum):
    STEP_ASC = "STEP_ASC"
    STEP_DESC = "STEP_DESC"
