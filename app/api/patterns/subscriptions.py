"""A pattern job's status, live."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from app.api.ids import encode_id
from app.api.patterns.enums import PatternJobStatus
from app.api.streaming import subscription_slot, visible_for_subscription
from app.domain.patterns.models import PatternJob as PatternJobRow
from app.events import streams


@strawberry.type(description="A pattern job's status.")
class PatternJobStatusChange:
    pattern_job_id: strawberry.ID
    status: PatternJobStatus
    pattern_count: int | None
    error_message: str | None
    lease_owner: str | None = strawberry.field(description="The worker holding it, if any.")
    finished_at: datetime | None


@strawberry.type
class PatternSubscriptions:
    @strawberry.subscription(
        description="The pattern job's status now, then each change (claimed, its lease "
        "expired, finished, cancelled); ends when the job does."
    )
    async def pattern_job_status(
        self, info: Info, pattern_job_id: strawberry.ID
    ) -> AsyncGenerator[PatternJobStatusChange, None]:
        job = await visible_for_subscription(
            info, pattern_job_id, "PatternJob", PatternJobRow, "pattern job"
        )
        with subscription_slot(info):
            async for state in streams.pattern_job_states(info.context.broker, job):
                yield PatternJobStatusChange(
                    pattern_job_id=strawberry.ID(encode_id("PatternJob", job)),
                    status=PatternJobStatus(state.status),
                    pattern_count=state.pattern_count,
                    error_message=state.error_message,
                    lease_owner=state.lease_owner,
                    finished_at=state.finished_at,
                )
