"""Sweep and trial types."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.declare import Built
from app.api.graph.fields import PAGING, children, related
from app.api.graph.sql_text import scalar_json
from app.api.node import Node
from app.api.sweeps.enums import (
    EarlyStopping,
    SweepGoal,
    SweepMethod,
    SweepParamKind,
    SweepStatus,
    SweepTrialStatus,
)
from app.api.sweeps.lists import TRIALS_OF_SWEEP, SweepTrialOrder
from app.domain.sweeps.enums import ParamKind
from app.domain.sweeps.models import Sweep as SweepRow
from app.domain.sweeps.models import SweepTrial as SweepTrialRow
from app.domain.sweeps.space import Param


@strawberry.type(description="One dimension of a sweep's search space.")
class SweepParameter:
    name: str
    kind: SweepParamKind
    values: list[JSON] | None = strawberry.field(description="CHOICE: the values tried.")
    low: float | None = strawberry.field(description="A range's lower bound (inclusive).")
    high: float | None = strawberry.field(description="A range's upper bound (inclusive).")
    step: int | None = strawberry.field(description="INTEGER: the step between values.")

    @classmethod
    def of(cls, data: dict[str, Any]) -> SweepParameter:
        param = Param.from_json(data)
        return cls(
            name=param.name,
            kind=param.kind,
            values=cast(list[JSON], list(param.values)) if param.values else None,
            low=param.low,
            high=param.high,
            step=param.step,
        )


def parameters_sql(run: Any, parent: Any, alias: str, nodes: Any) -> str:
    """``Sweep.parameters`` on the compiled path: the space's JSON, item by item, as
    ``SweepParameter.of`` reads it (a range has no values; a choice no bounds)."""

    def value(name: str, gql_type: Any, item: str) -> str | None:
        choice = f"{item} ->> 'kind' = '{ParamKind.CHOICE.value}'"
        if name in ("name", "kind"):
            return scalar_json(gql_type, f"({item} ->> '{name}')")
        if name == "values":
            return (
                f"(CASE WHEN {choice} AND jsonb_array_length({item} -> 'values') > 0 "
                f"THEN mlgraph_json({item} -> 'values') ELSE 'null' END)"
            )
        if name in ("low", "high", "step"):
            cast = "::int" if name == "step" else "::float8"
            return scalar_json(
                gql_type, f"(CASE WHEN {choice} THEN NULL ELSE ({item} ->> '{name}'){cast} END)"
            )
        return None

    return run.json_items(f"{alias}.space", parent, nodes, value)


@from_declaration(
    SweepRow,
    built={"parameters": Built(parameters_sql)},
    columns={"stoppingStartupTrials": "stopping_startup", "job": "job_spec"},
    attributes={"space_": "space"},
)
@strawberry.type(
    description="A search over a space of params within an experiment: each trial is a "
    "training job on the shared queue (its params in config.params) whose run is scored "
    "by the last value of metricKey. Trials may be stopped early as their points arrive."
)
class Sweep(Node, FromRow):
    name: str
    method: SweepMethod
    metric_key: str = strawberry.field(description="The objective: its last value in a run.")
    goal: SweepGoal
    seed: int = strawberry.field(description="RANDOM and TPE draw from seed + trial number.")
    max_trials: int
    max_parallel: int = strawberry.field(description="Trials active (queued or running) at once.")
    early_stopping: EarlyStopping
    stopping_min_step: int = strawberry.field(
        description="MEDIAN: no stop before this step; ASHA: the first rung's step."
    )
    stopping_eta: int | None = strawberry.field(
        description="ASHA: rungs at minStep × eta^k; 1/eta of a rung's trials go on."
    )
    stopping_startup_trials: int | None = strawberry.field(
        description="MEDIAN: completed trials needed before it stops any."
    )
    job: JSON = strawberry.field(
        description="What each trial's job runs and asks for (image, entryPoint, config, "
        "resources)."
    )
    status: SweepStatus
    stop_reason: str | None
    ended_at: datetime | None
    trials_made: int
    trials_active: int
    trials_completed: int
    trials_pruned: int
    trials_failed: int
    trials_cancelled: int
    best_value: float | None = strawberry.field(
        description="The best objective among the completed trials."
    )
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    experiment_id: strawberry.Private[uuid.UUID]
    environment_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID | None]
    space_: strawberry.Private[list[dict[str, Any]]]

    project = related()
    experiment = related()
    environment = related(description="Where its trials' jobs run.")
    created_by = related()
    trials = children(
        TRIALS_OF_SWEEP,
        [*PAGING, ("order_by", SweepTrialOrder, SweepTrialOrder.NUMBER_ASC)],
        description="Its trials, by number.",
    )

    @strawberry.field(description="The search space, in the order it was given.")
    def parameters(self) -> list[SweepParameter]:
        return [SweepParameter.of(data) for data in self.space_]


@from_declaration(SweepTrialRow)
@strawberry.type(
    description="One point of a sweep's space, tried by one training job (its run is the "
    "job's run)."
)
class SweepTrial(Node, FromRow):
    number: int = strawberry.field(description="0, 1, … in the order the sweep made them.")
    params: JSON
    status: SweepTrialStatus
    value: float | None = strawberry.field(
        description="The objective: the last value of the sweep's metric when it completed."
    )
    pruned_step: int | None = strawberry.field(description="The step it was stopped early at.")
    stop_reason: str | None = strawberry.field(
        description="Why it was pruned, failed or cancelled."
    )
    rung_values: list[float] = strawberry.field(
        description="ASHA: its value at each rung it reached."
    )
    created_at: datetime
    ended_at: datetime | None
    db_id: strawberry.Private[uuid.UUID]
    sweep_id: strawberry.Private[uuid.UUID]
    training_job_id: strawberry.Private[uuid.UUID]

    sweep = related()
    training_job = related(description="The job that runs it (its run, its lease).")
