"""A WORKFLOW serve's run followed live: its status as workers claim and end it."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from app.api.ids import encode_id
from app.api.serving.enums import WorkflowRunStatus
from app.api.streaming import subscription_slot, visible_for_subscription
from app.domain.serving.models import WorkflowRun as WorkflowRunRow
from app.events import streams


@strawberry.type(description="A workflow run's status.")
class WorkflowRunStatusChange:
    workflow_run_id: strawberry.ID
    status: WorkflowRunStatus
    error_message: str | None
    lease_owner: str | None = strawberry.field(description="The worker holding it, if any.")
    finished_at: datetime | None


@strawberry.type
class WorkflowSubscriptions:
    @strawberry.subscription(
        description="The workflow run's status now, then each change (claimed, its lease "
        "expired, finished, cancelled); ends when the run does."
    )
    async def workflow_run_status(
        self, info: Info, workflow_run_id: strawberry.ID
    ) -> AsyncGenerator[WorkflowRunStatusChange, None]:
        run = await visible_for_subscription(
            info, workflow_run_id, "WorkflowRun", WorkflowRunRow, "workflow run"
        )
        gid = strawberry.ID(encode_id("WorkflowRun", run))
        with subscription_slot(info):
            async for state in streams.workflow_run_states(info.context.broker, run):
                yield WorkflowRunStatusChange(
                    workflow_run_id=gid,
                    status=WorkflowRunStatus(state.status),
                    error_message=state.error_message,
                    lease_owner=state.lease_owner,
                    finished_at=state.finished_at,
                )
