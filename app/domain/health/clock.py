"""Health rules judged on a clock, for what no batch of points announces: a run whose
points stopped, a job whose worker stopped sending heartbeats (STALL), a run training
slower than it did (THROUGHPUT_DROP), GPUs left idle while a run holds them (IDLE_GPU).
The health worker of every server process runs ``evaluate`` every
``MLGRAPH_HEALTH_POLL_SECONDS``; ``trainingHealthEvaluate`` runs it now for one
organization. Processes judging at once never open two alerts for one rule
and run (app/domain/health/firing.py), and a transaction-scoped advisory lock lets one of
them do the work while the others skip their turn."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.engine import SessionFactory
from app.db.scope import SYSTEM, enter_scope
from app.domain.alert_kinds import AlertSeverity
from app.domain.errors import not_found
from app.domain.health.enums import HealthRuleKind
from app.domain.health.firing import Fired, RuleRef, RunRef, fire
from app.domain.health.rules import THROUGHPUT_HISTORY, Breach, throughput_drop
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit_event
from app.domain.tenancy.enums import OrgRole
from app.process.background import stop_task

log = logging.getLogger("mlgraph.health")

LOCK_KEY = "mlgraph.health.clock"

# Rules and the RUNNING runs they watch (WATCHED, then a LATERAL of the kind's own, then
# WATCHED_WHERE) that have no open alert of theirs.
WATCHED = """
    FROM health_rules h
    JOIN runs r ON r.project_id = h.project_id AND r.organization_id = h.organization_id
               AND r.deleted_at IS NULL AND r.status = 'running'
               AND (h.experiment_id IS NULL OR r.experiment_id = h.experiment_id)
"""
WATCHED_WHERE = """
    WHERE h.kind = :kind AND h.enabled AND h.deleted_at IS NULL
      AND (CAST(:orgs AS uuid[]) IS NULL OR h.organization_id = ANY(CAST(:orgs AS uuid[])))
      AND NOT EXISTS (
          SELECT FROM alerts a
          WHERE a.health_rule_id = h.id AND a.run_id = r.id
            AND a.status IN ('open', 'acknowledged'))
"""
RULE = "h.id, h.name, h.metric_key, h.severity, h.cancel_job"

# A run is stalled when no batch arrived for the rule's seconds (none yet: since it
# started); so is one whose running job's worker sent no heartbeat for that long.
STALLED = text(
    f"""
    SELECT {RULE}, r.id AS run_id, r.organization_id, r.project_id, silent.what, silent.seconds
    {WATCHED}
    CROSS JOIN LATERAL (
        SELECT 'points' AS what,
               extract(epoch FROM now() - coalesce(r.last_logged_at, r.started_at)) AS seconds
        UNION ALL
        SELECT 'heartbeats',
               extract(epoch FROM now() - coalesce(j.heartbeat_at, j.started_at, j.updated_at))
        FROM training_jobs j
        WHERE j.run_id = r.id AND j.status = 'running' AND j.deleted_at IS NULL
    ) silent
    {WATCHED_WHERE} AND silent.seconds > h.seconds
    ORDER BY h.id, r.id, silent.what DESC
    """
)

# Steps per second of each of the key's last batches, newest first (from the points' own
# timestamps: the training loop's pace, not the network's).
RATES = text(
    f"""
    SELECT {RULE}, h.fraction, r.id AS run_id, r.organization_id, r.project_id, rates.rates
    {WATCHED}
    CROSS JOIN LATERAL (
        SELECT array_agg(b.rate ORDER BY b.seq_hi DESC) AS rates
        FROM (
            SELECT c.seq_hi,
                   (c.max_step - c.min_step)
                   / ((c.times[cardinality(c.times)] - c.times[1]) / 1e6) AS rate
            FROM run_metric_chunks c
            WHERE c.run_id = r.id AND c.key = h.metric_key AND cardinality(c.times) >= 2
              AND c.times[cardinality(c.times)] > c.times[1]
            ORDER BY c.seq_hi DESC
            LIMIT {THROUGHPUT_HISTORY + 1}
        ) b
    ) rates
    {WATCHED_WHERE} AND rates.rates IS NOT NULL
    ORDER BY h.id, r.id
    """
)


# The GPUs' utilisation the Python client samples (system/gpu.<i>.utilization_percent,
# one step per sample): over the rule's last seconds before each key's latest point (the
# points' own clock), the highest value of any GPU. A sample comes at most once a second,
# so those points are among each key's last ``seconds`` steps (the chunks' step index).
IDLE = text(
    f"""
    SELECT {RULE}, h.percent, h.seconds, r.id AS run_id, r.organization_id, r.project_id,
           busiest.top
    {WATCHED}
    CROSS JOIN LATERAL (
        SELECT max(u.value) AS top
        FROM run_metric_summaries s
        JOIN run_metric_chunks c
          ON c.run_id = s.run_id AND c.key = s.key AND c.max_step >= s.last_step - h.seconds
        CROSS JOIN LATERAL unnest(c.times, c."values") AS u(t, value)
        WHERE s.run_id = r.id AND s.key LIKE 'system/gpu.%.utilization_percent'
          AND u.t >= extract(epoch FROM s.last_timestamp) * 1e6 - h.seconds * 1e6
    ) busiest
    {WATCHED_WHERE} AND busiest.top < h.percent
      AND r.started_at <= now() - make_interval(secs => h.seconds)
    ORDER BY h.id, r.id
    """
)


def _rule(row: Any, kind: HealthRuleKind) -> RuleRef:
    """The rule's columns of a result row (``RULE``)."""
    return RuleRef(
        row.id, row.name, kind, row.metric_key, AlertSeverity(row.severity), row.cancel_job
    )


async def evaluate(
    session: AsyncSession, actor: Actor, organization_ids: Sequence[uuid.UUID] | None = None
) -> list[Fired]:
    """Judge every clock rule (of these organizations; None: all) once."""
    if not await session.scalar(
        select(func.pg_try_advisory_xact_lock(func.hashtextextended(LOCK_KEY, 0)))
    ):
        return []  # another process is judging right now
    orgs = None if organization_ids is None else list(organization_ids)
    breaches: list[tuple[Any, HealthRuleKind, Breach]] = []  # (rule and run row, kind, why)
    seen: set[tuple[uuid.UUID, uuid.UUID]] = set()
    stalled = await session.execute(STALLED, {"kind": HealthRuleKind.STALL.value, "orgs": orgs})
    for row in stalled.all():
        if (row.id, row.run_id) in seen:
            continue  # silent both ways: one alert
        seen.add((row.id, row.run_id))
        what = "no new point" if row.what == "points" else "no heartbeat from its worker"
        breach = Breach(None, None, f"{what} for {int(row.seconds)} s")
        breaches.append((row, HealthRuleKind.STALL, breach))
    slow = await session.execute(
        RATES, {"kind": HealthRuleKind.THROUGHPUT_DROP.value, "orgs": orgs}
    )
    for row in slow.all():
        slower = throughput_drop(row.metric_key, [float(x) for x in row.rates], row.fraction)
        if slower is not None:
            breaches.append((row, HealthRuleKind.THROUGHPUT_DROP, slower))
    idle = await session.execute(IDLE, {"kind": HealthRuleKind.IDLE_GPU.value, "orgs": orgs})
    for row in idle.all():
        title = f"GPU utilisation at most {row.top:g}% for {row.seconds} s (below {row.percent:g}%)"
        breaches.append((row, HealthRuleKind.IDLE_GPU, Breach(None, float(row.top), title)))
    fired: list[Fired] = []
    for row, kind, breach in breaches:
        run = RunRef(row.run_id, row.organization_id, row.project_id)
        done = await fire(session, actor, _rule(row, kind), run, breach)
        if done is not None:
            fired.append(done)
    return fired


async def training_health_evaluate(
    session: AsyncSession, actor: Actor, *, organization_id: uuid.UUID | None
) -> list[Fired]:
    """Judge the organization's clock rules now (developers and admins)."""
    field = ["organization_id"]
    if organization_id is None or organization_id not in actor.org_ids:
        raise not_found("organization", field)
    actor.require_write()
    actor.require_org_role(organization_id, OrgRole.DEVELOPER, field=field)
    fired = await evaluate(session, actor, [organization_id])
    record_audit_event(
        session,
        actor,
        "training_health.evaluate",
        organization_id=organization_id,
        target_type="Organization",
        target_id=organization_id,
        details={"alerts": len(fired)},
    )
    return fired


class HealthWorker:
    """Judges the clock rules every ``poll_seconds`` in the server process."""

    def __init__(self, session_factory: SessionFactory, poll_seconds: float) -> None:
        self.session_factory = session_factory
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="mlgraph-health")

    async def stop(self) -> None:
        await stop_task(self._task)

    async def run_once(self) -> int:
        async with self.session_factory() as session, session.begin():
            return len(await evaluate(session, Actor()))

    async def _run(self) -> None:
        enter_scope(SYSTEM)  # the server's own work: every organization's rows
        while True:
            try:
                fired = await self.run_once()
                if fired:
                    log.info("training-health alerts opened: %d", fired)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("training-health evaluation failed")
            await asyncio.sleep(self.poll_seconds)
