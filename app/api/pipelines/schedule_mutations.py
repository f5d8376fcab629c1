"""Pipeline schedule mutations (contributors of the pipeline's project)."""

from __future__ import annotations

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from app.api.errors import UserError
from app.api.graph.payloads import mutate
from app.api.ids import input_id
from app.api.inputs import provided
from app.api.pipelines.enums import MissedRuns
from app.api.pipelines.types import PipelineSchedule
from app.domain.pipelines import schedules


@strawberry.input
class PipelineScheduleCreateInput:
    pipeline_id: strawberry.ID
    cron: str = strawberry.field(
        description="5 fields: minute hour day-of-month month day-of-week (0 3 * * 1-5)."
    )
    time_zone: str = strawberry.field(default="UTC", description="An IANA zone (Europe/Paris).")
    missed_runs: MissedRuns = MissedRuns.RUN_ONCE
    max_retries: int = strawberry.field(default=0, description="The runs' retry limit, 0-10.")
    enabled: bool = True


@strawberry.input(description="Only the fields given change.")
class PipelineScheduleUpdateInput:
    pipeline_schedule_id: strawberry.ID
    cron: str | None = UNSET
    time_zone: str | None = UNSET
    missed_runs: MissedRuns | None = UNSET
    max_retries: int | None = UNSET
    enabled: bool | None = UNSET


@strawberry.input
class PipelineScheduleDeleteInput:
    pipeline_schedule_id: strawberry.ID


@strawberry.type
class PipelineSchedulePayload:
    pipeline_schedule: PipelineSchedule | None
    user_errors: list[UserError]


@strawberry.type
class PipelineScheduleMutations:
    @strawberry.mutation(
        description="Schedule a pipeline's runs: a cron expression in a time zone; its "
        "first fire time is the first after now. Only an ACTIVE pipeline's fire times "
        "start runs. Contributors+."
    )
    async def pipeline_schedule_create(
        self, info: Info, input: PipelineScheduleCreateInput
    ) -> PipelineSchedulePayload:
        return await mutate(
            info,
            PipelineSchedulePayload,
            "pipeline_schedule",
            lambda session, actor: schedules.pipeline_schedule_create(
                session,
                actor,
                pipeline_id=input_id(input, "pipeline_id", "Pipeline"),
                cron=input.cron,
                time_zone=input.time_zone,
                missed_runs=input.missed_runs,
                max_retries=input.max_retries,
                enabled=input.enabled,
            ),
        )

    @strawberry.mutation(
        description="Change a schedule; a new expression or zone, or enabling it again, "
        "sets its next fire time anew from now. Contributors+."
    )
    async def pipeline_schedule_update(
        self, info: Info, input: PipelineScheduleUpdateInput
    ) -> PipelineSchedulePayload:
        return await mutate(
            info,
            PipelineSchedulePayload,
            "pipeline_schedule",
            lambda session, actor: schedules.pipeline_schedule_update(
                session,
                actor,
                schedule_id=input_id(input, "pipeline_schedule_id", "PipelineSchedule"),
                changes=provided(
                    input, "cron", "time_zone", "missed_runs", "max_retries", "enabled"
                ),
            ),
        )

    @strawberry.mutation(description="Remove a schedule (its runs stay). Contributors+.")
    async def pipeline_schedule_delete(
        self, info: Info, input: PipelineScheduleDeleteInput
    ) -> PipelineSchedulePayload:
        return await mutate(
            info,
            PipelineSchedulePayload,
            "pipeline_schedule",
            lambda session, actor: schedules.pipeline_schedule_delete(
                session,
                actor,
                schedule_id=input_id(input, "pipeline_schedule_id", "PipelineSchedule"),
            ),
        )
