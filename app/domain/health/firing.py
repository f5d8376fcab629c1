"""What a health rule does when a run breaks it: open an alert about the run through the
alert path (the alerts stream, notification rules), at most one open per rule and run
(a unique index: two processes judging the same run at once open one), and, when the rule
says so, cancel the run's unfinished training jobs with the reason."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.ids import uuid7
from app.domain.alert_kinds import AlertSeverity, AlertType
from app.domain.health.enums import HealthRuleKind
from app.domain.health.rules import Breach
from app.domain.monitoring.enums import AlertStatus
from app.domain.monitoring.models import Alert
from app.domain.monitoring.opening import announce_opened
from app.domain.sweeps.trials import trial_finished
from app.domain.tenancy.access import Actor
from app.domain.training.services import training_jobs_cancel_for_run

OPEN_PER_RULE_AND_RUN = text("status IN ('open', 'acknowledged') AND health_rule_id IS NOT NULL")


@dataclass(frozen=True)
class RuleRef:
    """What firing needs of a rule."""

    id: uuid.UUID
    name: str
    kind: HealthRuleKind
    metric_key: str | None
    severity: AlertSeverity
    cancel_job: bool


@dataclass(frozen=True)
class RunRef:
    id: uuid.UUID
    organization_id: uuid.UUID
    project_id: uuid.UUID


@dataclass(frozen=True)
class Fired:
    alert_id: uuid.UUID
    rule_id: uuid.UUID
    run_id: uuid.UUID
    cancelled_jobs: list[uuid.UUID]


async def fire(
    session: AsyncSession, actor: Actor, rule: RuleRef, run: RunRef, breach: Breach
) -> Fired | None:
    """Open the rule's alert on the run (None: one is open already)."""
    now = datetime.now(UTC)
    opened = await session.scalar(
        insert(Alert)
        .values(
            id=uuid7(),
            organization_id=run.organization_id,
            run_id=run.id,
            health_rule_id=rule.id,
            alert_type=AlertType.TRAINING_HEALTH.value,
            severity=rule.severity.value,
            status=AlertStatus.OPEN.value,
            title=f"{rule.name}: {breach.title}"[:200],
            message=breach.title,
            metric_name=rule.metric_key,
            metric_value=breach.value,
            opened_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=["health_rule_id", "run_id"], index_where=OPEN_PER_RULE_AND_RUN
        )
        .returning(Alert.id)
    )
    if opened is None:
        return None
    cancelled = []
    if rule.cancel_job:
        reason = f"health rule '{rule.name}' fired: {breach.title}"
        jobs = await training_jobs_cancel_for_run(
            session, actor, run_id=run.id, reason=reason, finished=trial_finished
        )
        cancelled = [job.id for job in jobs]
    await announce_opened(
        session,
        alert_id=opened,
        organization_id=run.organization_id,
        deployment=None,
        project_id=run.project_id,
        title=f"{rule.name}: {breach.title}"[:200],
        severity=rule.severity.value,
        alert_type=AlertType.TRAINING_HEALTH.value,
        details={
            "run_id": str(run.id),
            "health_rule_id": str(rule.id),
            "kind": rule.kind.value,
            "step": breach.step,
            "cancelled_training_jobs": [str(job) for job in cancelled],
        },
    )
    return Fired(opened, rule.id, run.id, cancelled)
