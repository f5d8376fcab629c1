"""Gated promotion: a policy per serving endpoint decides its canary's fate from the
monitoring data already stored.

An endpoint has a canary when exactly two of its ACTIVE deployments take traffic: the one
taking less (the newer on a tie) is the canary, the other the stable one, and the canary
started at its last traffic change. Each evaluation, per enabled policy:

- an open (or acknowledged) alert on the canary, opened since it started, of the policy's
  ``max_alert_severity`` or above: roll back at once;
- before ``bake_minutes`` have passed: wait;
- then each metric bound (the metric's average on the canary since it started) must hold,
  and a metric without data fails its bound: roll back; else promote.

Promoting gives the canary 100 % and the stable deployment 0; rolling back the reverse.
Each decision is a deployment event on both (PROMOTE or ROLLBACK on the canary, with its
reason), moves the endpoint (reason PROMOTION), notifies, and is kept on the policy. The
server's background worker evaluates every ``promotion_poll_seconds``; admins can ask for
an evaluation now (``promotionPoliciesEvaluate``)."""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.engine import SessionFactory
from app.db.scope import SYSTEM, enter_scope
from app.domain.alert_kinds import AlertSeverity
from app.domain.errors import not_found, validation
from app.domain.monitoring.models import Alert, MonitoringMetric
from app.domain.serving.endpoints import endpoint_changed, sync_endpoint, writable_endpoint
from app.domain.serving.enums import (
    DeploymentEventType,
    DeploymentStatus,
    EndpointChange,
    PromotionDecision,
)
from app.domain.serving.lifecycle import history_entry, notify_deployment
from app.domain.serving.models import (
    Deployment,
    DeploymentEvent,
    PromotionPolicy,
    ServingEndpoint,
)
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit, record_audit_event
from app.domain.tenancy.enums import OrgRole
from app.process.background import stop_task

log = logging.getLogger("mlgraph.promotion")
SEVERITY_ORDER = [s.value for s in AlertSeverity]
MAX_BOUNDS = 10


@dataclass(frozen=True)
class MetricBound:
    metric: str
    min: float | None
    max: float | None


def clean_bounds(bounds: Sequence[MetricBound]) -> list[dict[str, Any]]:
    if len(bounds) > MAX_BOUNDS:
        raise validation(f"at most {MAX_BOUNDS} metric bounds", ["metric_bounds"])
    out = []
    for index, bound in enumerate(bounds):
        field = ["metric_bounds", str(index)]
        name = bound.metric.strip()
        if not 1 <= len(name) <= 128 or not name.isprintable():
            raise validation("a metric name is 1-128 printable characters", [*field, "metric"])
        if bound.min is None and bound.max is None:
            raise validation("give min, max or both", field)
        for side in ("min", "max"):
            value = getattr(bound, side)
            if value is not None and not math.isfinite(value):
                raise validation("must be a finite number", [*field, side])
        if bound.min is not None and bound.max is not None and bound.min > bound.max:
            raise validation("must be >= min", [*field, "max"])
        out.append({"metric": name, "min": bound.min, "max": bound.max})
    return out


async def promotion_policy_set(
    session: AsyncSession,
    actor: Actor,
    *,
    endpoint_id: uuid.UUID | None,
    enabled: bool,
    bake_minutes: int,
    max_alert_severity: AlertSeverity,
    metric_bounds: Sequence[MetricBound],
) -> PromotionPolicy:
    """Create or replace the endpoint's policy (contributors; admins in a protected
    environment: the policy moves production traffic on its own)."""
    endpoint = await writable_endpoint(session, actor, endpoint_id)
    if not 0 <= bake_minutes <= 10080:
        raise validation("must be between 0 and 10080 (a week)", ["bake_minutes"])
    bounds = clean_bounds(metric_bounds)
    policy = await session.scalar(
        select(PromotionPolicy).where(PromotionPolicy.endpoint_id == endpoint.id).with_for_update()
    )
    if policy is None:
        policy = PromotionPolicy(
            organization_id=endpoint.organization_id,
            endpoint_id=endpoint.id,
            created_by_id=actor.user_id,
        )
        session.add(policy)
    policy.enabled, policy.bake_minutes = enabled, bake_minutes
    policy.max_alert_severity, policy.metric_bounds = max_alert_severity.value, bounds
    await session.flush()
    await session.refresh(policy)
    await endpoint_changed(session, endpoint)
    record_audit(
        session,
        actor,
        "promotion_policy.set",
        endpoint,
        details={"enabled": enabled, "bake_minutes": bake_minutes, "bounds": bounds},
    )
    return policy


@dataclass(frozen=True)
class Verdict:
    decision: PromotionDecision | None  # None: wait
    reason: str


async def _canary(
    session: AsyncSession, endpoint_id: uuid.UUID
) -> tuple[Deployment, Deployment, datetime] | None:
    """(canary, stable, canary's start) if the endpoint has a canary now."""
    serving = list(
        await session.scalars(
            select(Deployment)
            .where(
                Deployment.endpoint_id == endpoint_id,
                Deployment.deleted_at.is_(None),
                Deployment.status == DeploymentStatus.ACTIVE.value,
                Deployment.traffic_percentage > 0,
            )
            .order_by(Deployment.traffic_percentage, Deployment.id.desc())
            # A deployment a user is changing now is skipped: decide on the next round.
            .with_for_update(skip_locked=True)
        )
    )
    if len(serving) != 2:
        return None
    canary, stable = serving
    started = await session.scalar(
        select(func.max(DeploymentEvent.created_at)).where(
            DeploymentEvent.deployment_id == canary.id,
            DeploymentEvent.details.has_key("traffic_percentage"),
        )
    )
    return canary, stable, started or canary.deployed_at or canary.created_at


async def judge(
    session: AsyncSession,
    policy: PromotionPolicy,
    canary: Deployment,
    started: datetime,
    now: datetime,
) -> Verdict:
    blocking = SEVERITY_ORDER[SEVERITY_ORDER.index(policy.max_alert_severity) :]
    alert = await session.scalar(
        select(Alert)
        .where(
            Alert.deployment_id == canary.id,
            Alert.status.in_(("open", "acknowledged")),
            Alert.severity.in_(blocking),
            Alert.opened_at >= started,
        )
        .order_by(Alert.opened_at)
        .limit(1)
    )
    if alert is not None:
        return Verdict(PromotionDecision.ROLLED_BACK, f"{alert.severity} alert open: {alert.title}")
    if now < started + timedelta(minutes=policy.bake_minutes):
        return Verdict(None, "baking")
    for bound in policy.metric_bounds:
        average = await session.scalar(
            select(func.avg(MonitoringMetric.value)).where(
                MonitoringMetric.deployment_id == canary.id,
                MonitoringMetric.name == bound["metric"],
                MonitoringMetric.recorded_at >= started,
            )
        )
        if average is None:
            return Verdict(PromotionDecision.ROLLED_BACK, f"no data for {bound['metric']}")
        low, high = bound.get("min"), bound.get("max")
        if (low is not None and average < low) or (high is not None and average > high):
            return Verdict(
                PromotionDecision.ROLLED_BACK,
                f"{bound['metric']} averaged {average:.6g}, outside "
                f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]",
            )
    return Verdict(
        PromotionDecision.PROMOTED,
        f"baked {policy.bake_minutes} min with no blocking alert and every bound held",
    )


async def _apply(
    session: AsyncSession,
    policy: PromotionPolicy,
    canary: Deployment,
    stable: Deployment,
    verdict: Verdict,
) -> None:
    decision = verdict.decision
    assert decision is not None  # the caller applies decided verdicts only
    promoted = decision == PromotionDecision.PROMOTED
    shares = {canary.id: 100 if promoted else 0, stable.id: 0 if promoted else 100}
    for deployment in (canary, stable):
        before = deployment.traffic_percentage
        deployment.traffic_percentage = shares[deployment.id]
        event_type = DeploymentEventType.UPDATE
        if deployment is canary:
            event_type = DeploymentEventType.PROMOTE if promoted else DeploymentEventType.ROLLBACK
        session.add(
            history_entry(
                deployment,
                None,
                event_type,
                deployment.model_version_id,
                deployment.model_version_id,
                {
                    "traffic_percentage": [before, shares[deployment.id]],
                    "policy_id": str(policy.id),
                    "decision": decision.value,
                    "reason": verdict.reason,
                },
            )
        )
    await sync_endpoint(session, policy.endpoint_id, None, EndpointChange.PROMOTION)
    policy.last_decision = decision.value
    policy.last_decision_at = func.now()
    policy.last_reason = verdict.reason
    await session.flush()
    action = "promoted" if promoted else "rolled_back"
    await notify_deployment(session, canary, f"canary_{action}", verdict.reason)


async def evaluate(
    session: AsyncSession, organization_ids: Sequence[uuid.UUID] | None = None
) -> list[tuple[uuid.UUID, Verdict]]:
    """Evaluate every enabled policy (of these organizations; None: all) once, each under
    its endpoint's lock (``SKIP LOCKED``: two workers never decide the same canary)."""
    query = (
        select(PromotionPolicy)
        .join(ServingEndpoint, ServingEndpoint.id == PromotionPolicy.endpoint_id)
        .where(PromotionPolicy.enabled.is_(True))
        .order_by(PromotionPolicy.id)
        .with_for_update(of=ServingEndpoint, skip_locked=True)
    )
    if organization_ids is not None:
        query = query.where(PromotionPolicy.organization_id.in_(organization_ids))
    now: datetime = (await session.execute(select(func.now()))).scalar_one()
    decided: list[tuple[uuid.UUID, Verdict]] = []
    for policy in list(await session.scalars(query)):
        policy.last_evaluated_at = now
        found = await _canary(session, policy.endpoint_id)
        if found is None:
            continue
        canary, stable, started = found
        verdict = await judge(session, policy, canary, started, now)
        if verdict.decision is not None:
            await _apply(session, policy, canary, stable, verdict)
            decided.append((policy.id, verdict))
    await session.flush()
    return decided


async def promotion_policies_evaluate(
    session: AsyncSession, actor: Actor, *, organization_id: uuid.UUID | None
) -> list[tuple[uuid.UUID, Verdict]]:
    """Evaluate the organization's policies now (organization admins)."""
    field = ["organization_id"]
    if organization_id is None or organization_id not in actor.org_ids:
        raise not_found("organization", field)
    actor.require_org_role(organization_id, OrgRole.ADMIN, field=field)
    decided = await evaluate(session, [organization_id])
    record_audit_event(
        session,
        actor,
        "promotion_policies.evaluate",
        organization_id=organization_id,
        target_type="Organization",
        target_id=organization_id,
        details={"decisions": len(decided)},
    )
    return decided


class PromotionWorker:
    """Evaluates every policy every ``poll_seconds`` in the server process."""

    def __init__(self, session_factory: SessionFactory, poll_seconds: float) -> None:
        self.session_factory = session_factory
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="mlgraph-promotion")

    async def stop(self) -> None:
        await stop_task(self._task)

    async def run_once(self) -> int:
        async with self.session_factory() as session, session.begin():
            return len(await evaluate(session))

    async def _run(self) -> None:
        enter_scope(SYSTEM)  # the server's own work: every organization's rows
        while True:
            try:
                decided = await self.run_once()
                if decided:
                    log.info("promotion decisions: %d", decided)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("promotion evaluation failed")
            await asyncio.sleep(self.poll_seconds)


async def promotion_policy_delete(
    session: AsyncSession, actor: Actor, *, endpoint_id: uuid.UUID | None
) -> PromotionPolicy:
    """Remove an endpoint's gate (same rule as setting it); the decisions it took stay in
    the deployments' history."""
    endpoint = await writable_endpoint(session, actor, endpoint_id)
    policy = await session.scalar(
        select(PromotionPolicy).where(PromotionPolicy.endpoint_id == endpoint.id).with_for_update()
    )
    if policy is None:
        raise not_found("promotion policy of this endpoint", ["endpoint_id"])
    await session.delete(policy)
    await endpoint_changed(session, endpoint)
    record_audit(session, actor, "promotion_policy.delete", endpoint)
    await session.flush()
    return policy
