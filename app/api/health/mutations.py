"""Health mutations: a project's training-health rules, and judging the clock rules now."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import UNSET
from strawberry.types import Info

from app.api.errors import UserError, run_mutation
from app.api.graph.payloads import mutate
from app.api.health.types import HealthRule
from app.api.ids import input_id
from app.api.inputs import provided
from app.api.monitoring.enums import AlertSeverity
from app.api.monitoring.types import Alert
from app.domain.alert_kinds import AlertSeverity as SeverityEnum
from app.domain.health import clock, services
from app.domain.health.enums import HealthRuleKind
from app.domain.health.rules import Condition
from app.domain.monitoring.models import Alert as AlertRow


@strawberry.input(description="A NaN or ±Infinity among a batch's values.")
class NonFiniteConditionInput:
    metric_key: str | None = strawberry.field(default=None, description="Null: every key.")


@strawberry.input(
    description="A value farther than zScore standard deviations from the mean of the "
    "finite values in the steps steps before it (at least 5 of them)."
)
class SpikeConditionInput:
    metric_key: str
    steps: int = strawberry.field(default=100, description="1 to 10,000.")
    z_score: float = 6.0


@strawberry.input(
    description="A value more than rise above the lowest finite value of the steps steps "
    "before it (a loss climbing away from its low)."
)
class DivergenceConditionInput:
    metric_key: str
    steps: int = strawberry.field(description="1 to 10,000.")
    rise: float


@strawberry.input(
    description="A RUNNING run with no new point (or, while its training job runs, no "
    "heartbeat from the job's worker) for this many seconds. Judged on a clock."
)
class StallConditionInput:
    seconds: int = strawberry.field(description="1 to 604,800.")


@strawberry.input(
    description="The key's last batch ran at fewer steps per second (from the points' own "
    "timestamps) than fraction × the median of its previous 100 batches (5 at least). "
    "Judged on a clock."
)
class ThroughputDropConditionInput:
    metric_key: str
    fraction: float = 0.5


@strawberry.input(
    description="Every GPU's utilisation (system/gpu.<i>.utilization_percent, as the Python "
    "client samples it) below percent during the run's last seconds (by the samples' own "
    "timestamps), the run RUNNING at least that long. Judged on a clock."
)
class IdleGpuConditionInput:
    percent: float = 10.0
    seconds: int = strawberry.field(default=600, description="1 to 604,800.")


@strawberry.input(one_of=True, description="What the rule watches for: exactly one.")
class HealthConditionInput:
    non_finite: NonFiniteConditionInput | None = UNSET
    spike: SpikeConditionInput | None = UNSET
    divergence: DivergenceConditionInput | None = UNSET
    stall: StallConditionInput | None = UNSET
    throughput_drop: ThroughputDropConditionInput | None = UNSET
    idle_gpu: IdleGpuConditionInput | None = UNSET


def condition_of(given: HealthConditionInput) -> Condition:
    """The one condition given, as the domain's (its parameters checked there)."""
    if given.non_finite:
        return Condition(HealthRuleKind.NON_FINITE, given.non_finite.metric_key)
    if given.spike:
        spike = given.spike
        return Condition(HealthRuleKind.SPIKE, spike.metric_key, spike.steps, spike.z_score)
    if given.divergence:
        d = given.divergence
        return Condition(HealthRuleKind.DIVERGENCE, d.metric_key, steps=d.steps, rise=d.rise)
    if given.stall:
        return Condition(HealthRuleKind.STALL, seconds=given.stall.seconds)
    if given.idle_gpu:
        idle = given.idle_gpu
        return Condition(HealthRuleKind.IDLE_GPU, seconds=idle.seconds, percent=idle.percent)
    drop: Any = given.throughput_drop  # oneOf: the one left
    return Condition(HealthRuleKind.THROUGHPUT_DROP, drop.metric_key, fraction=drop.fraction)


@strawberry.input
class HealthRuleCreateInput:
    project_id: strawberry.ID
    experiment_id: strawberry.ID | None = strawberry.field(
        default=None, description="Watch the runs of this experiment only."
    )
    name: str
    condition: HealthConditionInput
    severity: AlertSeverity = SeverityEnum.HIGH
    cancel_job: bool = strawberry.field(
        default=False,
        description="Also cancel the run's unfinished training jobs when it fires: the "
        "worker's next heartbeat is refused with the reason.",
    )


@strawberry.input
class HealthRuleUpdateInput:
    health_rule_id: strawberry.ID
    name: str | None = UNSET
    condition: HealthConditionInput | None = UNSET
    severity: AlertSeverity | None = UNSET
    cancel_job: bool | None = UNSET
    enabled: bool | None = UNSET


@strawberry.input
class HealthRuleDeleteInput:
    health_rule_id: strawberry.ID


@strawberry.type
class HealthRulePayload:
    health_rule: HealthRule | None
    user_errors: list[UserError]


@strawberry.input
class TrainingHealthEvaluateInput:
    organization_id: strawberry.ID


@strawberry.type
class TrainingHealthEvaluatePayload:
    alerts_opened: list[Alert]
    user_errors: list[UserError]


@strawberry.type
class HealthMutations:
    @strawberry.mutation(description="Create a training-health rule. Contributors+.")
    async def health_rule_create(
        self, info: Info, input: HealthRuleCreateInput
    ) -> HealthRulePayload:
        return await mutate(
            info,
            HealthRulePayload,
            "health_rule",
            lambda session, actor: services.health_rule_create(
                session,
                actor,
                project_id=input_id(input, "project_id", "Project"),
                experiment_id=input_id(input, "experiment_id", "Experiment")
                if input.experiment_id
                else None,
                name=input.name,
                condition=condition_of(input.condition),
                severity=input.severity,
                cancel_job=input.cancel_job,
            ),
        )

    @strawberry.mutation(
        description="Change a health rule (a new condition replaces the kind and its "
        "parameters; enabled: false pauses it)."
    )
    async def health_rule_update(
        self, info: Info, input: HealthRuleUpdateInput
    ) -> HealthRulePayload:
        changes = provided(input, "name", "condition", "severity", "cancel_job", "enabled")
        if changes.get("condition") is not None:
            changes["condition"] = condition_of(changes["condition"])
        if changes.get("severity") is not None:
            changes["severity"] = changes["severity"].value
        return await mutate(
            info,
            HealthRulePayload,
            "health_rule",
            lambda session, actor: services.health_rule_update(
                session,
                actor,
                rule_id=input_id(input, "health_rule_id", "HealthRule"),
                changes=changes,
            ),
        )

    @strawberry.mutation(description="Delete a health rule (the alerts it opened stay).")
    async def health_rule_delete(
        self, info: Info, input: HealthRuleDeleteInput
    ) -> HealthRulePayload:
        return await mutate(
            info,
            HealthRulePayload,
            "health_rule",
            lambda session, actor: services.health_rule_delete(
                session, actor, rule_id=input_id(input, "health_rule_id", "HealthRule")
            ),
        )

    @strawberry.mutation(
        description="Judge the organization's clock rules (STALL, THROUGHPUT_DROP) now; the "
        "server's health worker does so every MLGRAPH_HEALTH_POLL_SECONDS. Developers+."
    )
    async def training_health_evaluate(
        self, info: Info, input: TrainingHealthEvaluateInput
    ) -> TrainingHealthEvaluatePayload:
        fired, errors = await run_mutation(
            info,
            lambda session, actor: clock.training_health_evaluate(
                session,
                actor,
                organization_id=input_id(input, "organization_id", "Organization"),
            ),
        )
        opened: list[Alert] = []
        if fired:
            async with info.context.read_session_factory() as session:
                rows = await session.scalars(
                    select(AlertRow)
                    .where(AlertRow.id.in_([f.alert_id for f in fired]))
                    .order_by(AlertRow.id)
                )
                opened = [Alert.from_row(row) for row in rows]
        return TrainingHealthEvaluatePayload(alerts_opened=opened, user_errors=errors)
