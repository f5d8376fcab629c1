"""``Experiment.comparison``: the runs a filter picks, grouped by params, compared per
metric key and step bucket on the server (app/domain/experiments/comparison.py), as
chart-ready columns."""

from __future__ import annotations

import uuid

import strawberry
from sqlalchemy import and_
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.errors import ClientError
from app.api.experiments.run_filter import RunFilterInput
from app.api.scalars import IntColumn, MetricColumn
from app.domain.errors import DomainError
from app.domain.experiments.comparison import compare_runs
from app.domain.experiments.models import Run


@strawberry.type(description="One metric key of a group: one row per step bucket.")
class GroupSeries:
    key: str
    step_start: IntColumn = strawberry.field(description="The bucket's first step.")
    mean: MetricColumn = strawberry.field(
        description="Of the runs' values in the bucket (each run's last value there)."
    )
    std: MetricColumn = strawberry.field(
        description="Sample standard deviation of those values (null with one run)."
    )
    min: MetricColumn = strawberry.field(description="Of every point of every run in it.")
    max: MetricColumn = strawberry.field(description="Of every point of every run in it.")
    runs: IntColumn = strawberry.field(description="Runs with a finite value in the bucket.")


@strawberry.type(description="Runs sharing the values of the groupBy params.")
class RunGroup:
    params: JSON = strawberry.field(description="Each groupBy param's value (null: unset).")
    run_count: int
    series: list[GroupSeries]


@strawberry.type(description="Runs compared on the server, exactly (never sampled).")
class RunComparison:
    bucket_size: int = strawberry.field(
        description="Steps per bucket: buckets start at multiples of it."
    )
    groups: list[RunGroup]


async def run_comparison(
    info: Info,
    experiment_id: uuid.UUID,
    keys: list[str],
    group_by: list[str],
    run_filter: RunFilterInput | None,
    max_points: int,
    step_from: int | None,
    step_to: int | None,
) -> RunComparison:
    conditions = run_filter.to_filter().conditions(Run) if run_filter is not None else []
    context = info.context
    try:
        async with context.lagging_reads() as session:
            found = await compare_runs(
                session,
                context.actor,
                experiment_id=experiment_id,
                condition=and_(*conditions) if conditions else None,
                group_by=group_by,
                keys=list(dict.fromkeys(keys)),
                max_points=max_points,
                step_from=step_from,
                step_to=step_to,
            )
    except DomainError as error:
        raise ClientError(error.message) from error
    return RunComparison(
        bucket_size=found.bucket_size,
        groups=[
            RunGroup(
                params=JSON(group.params),
                run_count=group.run_count,
                series=[
                    GroupSeries(
                        key=s.key,
                        step_start=IntColumn(s.step_start),
                        mean=MetricColumn(s.mean),
                        std=MetricColumn(s.std),
                        min=MetricColumn(s.min),
                        max=MetricColumn(s.max),
                        runs=IntColumn(s.runs),
                    )
                    for s in group.series
                ],
            )
            for group in found.groups
        ],
    )
