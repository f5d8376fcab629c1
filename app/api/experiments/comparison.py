"""``Experiment.comparison``: the runs a filter picks, grouped by params, compared per
metric key and step bucket on the server (app/domain/experiments/comparison.py), as
chart-ready columns."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass

import strawberry
from sqlalchemy import ColumnElement, and_
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.errors import ClientError
from app.api.experiments.run_filter import RunFilterInput
from app.api.scalars import IntColumn, MetricColumn
from app.domain.errors import DomainError
from app.domain.experiments.comparison import Comparison, compare_runs, live_update
from app.domain.experiments.models import Run
from app.domain.tenancy.access import Actor
from app.events import streams

MIN_REFRESH_SECONDS = 0.25


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
    step_to: int = strawberry.field(
        description="The buckets were planned up to this step (stepTo, else the highest step "
        "logged; in a live comparison twice that): an x axis can end here."
    )
    groups: list[RunGroup]


@strawberry.type(
    description="A live comparison's update: the whole comparison (reset), or the groups "
    "that changed with only their changed buckets."
)
class RunComparisonUpdate:
    reset: bool = strawberry.field(
        description="True: the whole comparison — the first message, or the runs outgrew the "
        "planned steps (or a group or bucket went away): replace the chart. False: replace "
        "the buckets sent (same group params, key and stepStart); a group not sent is "
        "unchanged."
    )
    comparison: RunComparison


@dataclass(frozen=True)
class ComparisonArgs:
    """What a comparison was asked for, checked and ready for the domain."""

    keys: list[str]
    group_by: list[str]
    condition: ColumnElement[bool] | None
    max_points: int
    step_from: int | None
    step_to: int | None

    @classmethod
    def of(
        cls,
        keys: list[str],
        group_by: list[str],
        run_filter: RunFilterInput | None,
        max_points: int,
        step_from: int | None,
        step_to: int | None,
    ) -> ComparisonArgs:
        conditions = run_filter.to_filter().conditions(Run) if run_filter is not None else []
        return cls(
            keys=list(dict.fromkeys(keys)),
            group_by=group_by,
            condition=and_(*conditions) if conditions else None,
            max_points=max_points,
            step_from=step_from,
            step_to=step_to,
        )

    async def compare(
        self,
        session: AsyncSession,
        actor: Actor,
        experiment_id: uuid.UUID,
        kept_plan: int | None = None,
        live: bool = False,
    ) -> Comparison:
        try:
            return await compare_runs(
                session,
                actor,
                experiment_id=experiment_id,
                condition=self.condition,
                group_by=self.group_by,
                keys=self.keys,
                max_points=self.max_points,
                step_from=self.step_from,
                step_to=self.step_to,
                plan_ahead=live,
                kept_plan=kept_plan,
            )
        except DomainError as error:
            raise ClientError(error.message) from error


async def run_comparison(
    info: Info, experiment_id: uuid.UUID, args: ComparisonArgs
) -> RunComparison:
    context = info.context
    async with context.lagging_reads() as session:
        return comparison_type(await args.compare(session, context.actor, experiment_id))


async def live_comparison(
    info: Info, experiment_id: uuid.UUID, args: ComparisonArgs
) -> AsyncGenerator[RunComparisonUpdate, None]:
    """The comparison, then after each commit of points to the experiment's runs what
    changed in it (read again, at most every MIN_REFRESH_SECONDS however fast runs log)."""
    context = info.context
    shown: Comparison | None = None
    read_at = -MIN_REFRESH_SECONDS
    async for _ in streams.experiment_metric_commits(context.broker, experiment_id):
        wait = read_at + MIN_REFRESH_SECONDS - time.monotonic()
        if wait > 0:  # bound the reads per subscriber; commits meanwhile are read together
            await asyncio.sleep(wait)
        read_at = time.monotonic()
        async with context.session_factory() as session:
            kept_plan = shown.step_to if shown is not None else None
            now = await args.compare(
                session, context.actor, experiment_id, kept_plan=kept_plan, live=True
            )
        update, shown = live_update(shown, now), now
        if update is not None:
            reset, part = update
            yield RunComparisonUpdate(reset=reset, comparison=comparison_type(part))


def comparison_type(found: Comparison) -> RunComparison:
    return RunComparison(
        bucket_size=found.bucket_size,
        step_to=found.step_to,
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
