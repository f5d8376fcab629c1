"""A pipeline run followed live: its status and each step's."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from app.api.ids import encode_id
from app.api.pipelines.enums import PipelineRunStatus
from app.api.pipelines.types import PipelineRunStep, run_steps
from app.api.streaming import subscription_slot, visible_for_subscription
from app.domain.pipelines.models import PipelineRun as PipelineRunRow
from app.events import streams


@strawberry.type(description="A pipeline run's state: its status and where each step is.")
class PipelineRunStatusChange:
    pipeline_run_id: strawberry.ID
    status: PipelineRunStatus
    current_stage: str | None = strawberry.field(description="The step that started last.")
    retry_count: int
    max_retries: int
    error_message: str | None
    started_at: datetime | None
    ended_at: datetime | None
    steps: list[PipelineRunStep] = strawberry.field(
        description="Each step's state, in dependency order."
    )
    version: int = strawberry.field(
        description="Grows with every change (the run's status, a step's)."
    )


@strawberry.type
class PipelineSubscriptions:
    @strawberry.subscription(
        description="The pipeline run's state now, then after each change of its status or "
        "of a step's; ends when the run ends (succeeded, cancelled, or failed with no retry "
        "left)."
    )
    async def pipeline_run_status(
        self, info: Info, pipeline_run_id: strawberry.ID
    ) -> AsyncGenerator[PipelineRunStatusChange, None]:
        run = await visible_for_subscription(
            info, pipeline_run_id, "PipelineRun", PipelineRunRow, "pipeline run"
        )
        gid = strawberry.ID(encode_id("PipelineRun", run))
        with subscription_slot(info):
            async for state in streams.pipeline_run_states(info.context.broker, run):
                yield PipelineRunStatusChange(
                    pipeline_run_id=gid,
                    status=PipelineRunStatus(state.status),
                    current_stage=state.current_stage,
                    retry_count=state.retry_count,
                    max_retries=state.max_retries,
                    error_message=state.error_message,
                    started_at=state.started_at,
                    ended_at=state.ended_at,
                    steps=run_steps(state.steps),
                    version=state.version,
                )
