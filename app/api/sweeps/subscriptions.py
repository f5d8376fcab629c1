"""The sweeps context's subscription: a sweep's progress, live."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from app.api.ids import encode_id
from app.api.streaming import subscription_slot, visible_for_subscription
from app.api.sweeps.enums import SweepStatus
from app.domain.sweeps.models import Sweep as SweepRow
from app.events import streams


@strawberry.type(description="A sweep's state: its status and how its trials stand.")
class SweepStatusChange:
    sweep_id: strawberry.ID
    status: SweepStatus
    trials_made: int
    trials_active: int = strawberry.field(description="Queued or running.")
    trials_completed: int
    trials_pruned: int
    trials_failed: int
    trials_cancelled: int
    best_value: float | None
    version: int = strawberry.field(
        description="Grows with every change (a trial made, claimed, ended; the sweep ended)."
    )


@strawberry.type
class SweepSubscriptions:
    @strawberry.subscription(
        description="The sweep's state now, then after each change (a trial made, claimed, "
        "completed, pruned, failed or cancelled); ends when the sweep finishes or stops."
    )
    async def sweep_status(
        self, info: Info, sweep_id: strawberry.ID
    ) -> AsyncGenerator[SweepStatusChange, None]:
        sweep = await visible_for_subscription(info, sweep_id, "Sweep", SweepRow, "sweep")
        with subscription_slot(info):
            async for state in streams.sweep_states(info.context.broker, sweep):
                yield SweepStatusChange(
                    sweep_id=strawberry.ID(encode_id("Sweep", sweep)),
                    status=SweepStatus(state.status),
                    trials_made=state.trials_made,
                    trials_active=state.trials_active,
                    trials_completed=state.trials_completed,
                    trials_pruned=state.trials_pruned,
                    trials_failed=state.trials_failed,
                    trials_cancelled=state.trials_cancelled,
                    best_value=state.best_value,
                    version=state.version,
                )
