"""Setting retention policies (organization admins) and applying them.

``apply`` deletes what an organization's policy no longer keeps, in batches of ``batch``
rows, each its own short transaction (never one long delete holding locks), at most
``max_batches`` per kind per call (the background job comes back). What goes:

- ``run_metrics_days``: the raw point chunks and console lines of runs that ended longer
  ago (the rollups and summaries that charts read stay);
- ``rollups_days``: the chart rollups of runs that ended longer ago (at least as long as
  the raw points: charts read rollups while raw points remain); summaries stay;
- ``archived_artifacts_days``: the run files of model versions archived longer ago, unless
  a version in use names them (app/domain/retention/archived_artifacts.py);
- ``monitoring_metrics_days``, ``predictions_days``: points recorded longer ago;
- ``embeddings_days``: non-reference embeddings recorded longer ago (references stay: they
  are the baseline drift is measured from);
- whatever the policy, with the artifact store: the files of retired runs (and the rows
  of replaced files), objects first;
- ``audit_log_days``: entries older than that, each batch first written to the archive
  (a directory or an object store, app/domain/retention/archive.py) as gzip-compressed
  JSON lines, then deleted through the one path the append-only rule allows
  (``purge_audit_logs``, migration 0025)."""

from __future__ import annotations

import asyncio
import gzip
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.engine import SessionFactory
from app.db.scope import SYSTEM, enter_scope
from app.domain.artifacts.services import organizations_with_dead, purge_dead
from app.domain.artifacts.store import ArtifactStore
from app.domain.errors import DomainError, ErrorCode, not_found, validation
from app.domain.retention.archive import ArchiveUnavailable, AuditArchive
from app.domain.retention.archived_artifacts import purge_archived_artifacts
from app.domain.retention.models import KINDS, MAX_DAYS, RetentionPolicy
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit_event
from app.domain.tenancy.enums import OrgRole
from app.process.background import stop_task

log = logging.getLogger("mlgraph.retention")
BATCH = 5000
MAX_BATCHES = 20


async def retention_policy_set(
    session: AsyncSession,
    actor: Actor,
    *,
    organization_id: uuid.UUID | None,
    days: Mapping[str, int | None],
) -> RetentionPolicy:
    """Create or change the organization's policy; only the kinds given change (null:
    keep forever)."""
    if organization_id is None:
        raise not_found("organization", ["organization_id"])
    actor.require_org_role(organization_id, OrgRole.ADMIN, field=["organization_id"])
    for kind, value in days.items():
        if value is not None and not 1 <= value <= MAX_DAYS:
            raise validation(f"must be between 1 and {MAX_DAYS} days, or null", [kind])
    policy = await session.scalar(
        select(RetentionPolicy)
        .where(RetentionPolicy.organization_id == organization_id)
        .with_for_update()
    )
    if policy is None:
        policy = RetentionPolicy(organization_id=organization_id)
        session.add(policy)
    for kind, value in days.items():
        setattr(policy, kind, value)
    if policy.rollups_days is not None and (
        policy.run_metrics_days is None or policy.run_metrics_days > policy.rollups_days
    ):
        raise validation(
            "must be at least runMetricsDays, which must be set: charts read the rollups "
            "while raw points remain",
            ["rollups_days"],
        )
    policy.updated_by_id = actor.user_id
    await session.flush()
    await session.refresh(policy)
    record_audit_event(
        session,
        actor,
        "retention_policy.set",
        organization_id=organization_id,
        target_type="Organization",
        target_id=organization_id,
        details={kind: getattr(policy, kind) for kind in KINDS},
    )
    return policy


@dataclass
class Applied:
    deleted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    archived_files: list[str] = field(default_factory=list)


# One batch of each kind: the rows to go, by primary key, at most :n (partitioned tables
# are addressed by their key, which includes the partition column).
DELETES = {
    "monitoring_metrics_days": """
        DELETE FROM monitoring_metrics m USING (
            SELECT deployment_id, name, recorded_at FROM monitoring_metrics
            WHERE organization_id = :org AND recorded_at < :cutoff LIMIT :n
        ) old
        WHERE m.deployment_id = old.deployment_id AND m.name = old.name
          AND m.recorded_at = old.recorded_at""",
    "predictions_days": """
        DELETE FROM predictions p USING (
            SELECT deployment_id, id FROM predictions
            WHERE organization_id = :org AND recorded_at < :cutoff LIMIT :n
        ) old
        WHERE p.deployment_id = old.deployment_id AND p.id = old.id""",
    "embeddings_days": """
        DELETE FROM prediction_embeddings e USING (
            SELECT deployment_id, id FROM prediction_embeddings
            WHERE organization_id = :org AND recorded_at < :cutoff AND NOT is_reference
            LIMIT :n
        ) old
        WHERE e.deployment_id = old.deployment_id AND e.id = old.id""",
    "run_metrics_days": """
        DELETE FROM run_metric_chunks c USING (
            SELECT c.run_id, c.seq_hi FROM run_metric_chunks c
            JOIN runs r ON r.id = c.run_id
            WHERE c.organization_id = :org AND r.ended_at < :cutoff LIMIT :n
        ) old
        WHERE c.run_id = old.run_id AND c.seq_hi = old.seq_hi""",
    "rollups_days": """
        DELETE FROM run_metric_rollups u USING (
            SELECT u.run_id, u.key, u.width, u.bucket FROM run_metric_rollups u
            JOIN runs r ON r.id = u.run_id
            WHERE u.organization_id = :org AND r.ended_at < :cutoff LIMIT :n
        ) old
        WHERE u.run_id = old.run_id AND u.key = old.key AND u.width = old.width
          AND u.bucket = old.bucket""",
}
# More raw data of each kind, after the statement above: a run's console lines go with its
# raw points.
MORE_DELETES = {
    "run_metrics_days": """
        DELETE FROM run_log_lines l USING (
            SELECT l.id FROM run_log_lines l JOIN runs r ON r.id = l.run_id
            WHERE l.organization_id = :org AND r.ended_at < :cutoff LIMIT :n
        ) old
        WHERE l.id = old.id""",
}
OLD_AUDIT = text(
    "SELECT id, organization_id, actor_user_id, api_key_id, action, target_type, target_id, "
    "details, created_at, ip_address, user_agent FROM audit_logs "
    "WHERE organization_id = :org AND created_at < :cutoff ORDER BY id LIMIT :n"
)


async def apply_policy(
    session_factory: SessionFactory,
    organization_id: uuid.UUID,
    archive: AuditArchive,
    *,
    artifacts: ArtifactStore | None = None,
    batch: int = BATCH,
    max_batches: int = MAX_BATCHES,
) -> Applied:
    """``artifacts``: the store of run artifacts; the files of retired runs go, whatever
    the policy (nobody can read them)."""
    applied = Applied()
    async with session_factory() as session:
        policy = await session.scalar(
            select(RetentionPolicy).where(RetentionPolicy.organization_id == organization_id)
        )
    now = datetime.now(UTC)
    if policy is not None and policy.archived_artifacts_days is not None:
        cutoff = now - timedelta(days=policy.archived_artifacts_days)
        for _ in range(max_batches):  # the files' rows first: their objects go just below
            looked, retired = await purge_archived_artifacts(
                session_factory, organization_id, cutoff, batch
            )
            applied.deleted["archived_artifacts_days"] += retired
            if looked < batch:
                break
    if artifacts is not None:
        applied.deleted["retired_artifacts"] = await purge_dead(
            session_factory, artifacts, organization_id, batch=batch, max_batches=max_batches
        )
    if policy is None:
        return applied
    for kind, statement in [*DELETES.items(), *MORE_DELETES.items()]:
        days = getattr(policy, kind)
        if days is None:
            continue
        cutoff = now - timedelta(days=days)
        for _ in range(max_batches):
            async with session_factory() as session, session.begin():
                result: Any = await session.execute(
                    text(statement), {"org": organization_id, "cutoff": cutoff, "n": batch}
                )
            applied.deleted[kind] += result.rowcount
            if result.rowcount < batch:
                break
    if policy.audit_log_days is not None:
        cutoff = now - timedelta(days=policy.audit_log_days)
        for _ in range(max_batches):
            moved = await _archive_audit_batch(
                session_factory, organization_id, cutoff, archive, batch, applied
            )
            if moved < batch:
                break
    async with session_factory() as session, session.begin():
        await session.execute(
            text("UPDATE retention_policies SET last_applied_at = now() WHERE id = :id"),
            {"id": policy.id},
        )
    return applied


async def _archive_audit_batch(
    session_factory: SessionFactory,
    organization_id: uuid.UUID,
    cutoff: datetime,
    archive: AuditArchive,
    batch: int,
    applied: Applied,
) -> int:
    async with session_factory() as session, session.begin():
        rows = (
            await session.execute(OLD_AUDIT, {"org": organization_id, "cutoff": cutoff, "n": batch})
        ).all()
        if not rows:
            return 0
        name = f"{organization_id}/audit-{rows[0].id}-{rows[-1].id}.jsonl.gz"
        lines = b"".join(orjson.dumps(dict(row._mapping), default=str) + b"\n" for row in rows)
        location = await archive.store(name, gzip.compress(lines))  # raises: the rows stay
        # The one path the append-only rule allows (migration 0025): it deletes only rows
        # older than the organization's own audit retention.
        purged = await session.scalar(
            text("SELECT purge_audit_logs(:org, :ids)"),
            {"org": organization_id, "ids": [row.id for row in rows]},
        )
    applied.deleted["audit_log_days"] += purged or 0
    applied.archived_files.append(location)
    return len(rows)


async def organizations_with_policies(session_factory: SessionFactory) -> list[uuid.UUID]:
    async with session_factory() as session:
        return list(await session.scalars(select(RetentionPolicy.organization_id)))


async def retention_apply(
    session_factory: SessionFactory,
    actor: Actor,
    *,
    organization_id: uuid.UUID | None,
    archive: AuditArchive,
    artifacts: ArtifactStore | None = None,
) -> Applied:
    """Apply the organization's policy now (organization admins)."""
    if organization_id is None:
        raise not_found("organization", ["organization_id"])
    actor.require_org_role(organization_id, OrgRole.ADMIN, field=["organization_id"])
    try:
        applied = await apply_policy(session_factory, organization_id, archive, artifacts=artifacts)
    except ArchiveUnavailable as error:
        raise DomainError(
            ErrorCode.UNAVAILABLE,
            "the audit archive could not be written: the audit rows it would hold are kept; "
            "retry later (what went before this batch stays gone)",
            ["organization_id"],
        ) from error
    async with session_factory() as session, session.begin():
        record_audit_event(
            session,
            actor,
            "retention.apply",
            organization_id=organization_id,
            target_type="Organization",
            target_id=organization_id,
            details={"deleted": applied.deleted, "archives": len(applied.archived_files)},
        )
    return applied


class RetentionWorker:
    """Applies every organization's policy every ``poll_seconds`` in the server process
    (concurrent workers in other processes only find less to delete)."""

    def __init__(
        self,
        session_factory: SessionFactory,
        archive: AuditArchive,
        poll_seconds: float,
        artifacts: ArtifactStore | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.archive = archive
        self.artifacts = artifacts
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="mlgraph-retention")

    async def stop(self) -> None:
        await stop_task(self._task)

    async def _run(self) -> None:
        enter_scope(SYSTEM)  # the server's own work: every organization's rows
        while True:
            try:
                organizations = await organizations_with_policies(self.session_factory)
                if self.artifacts is not None:
                    dead = await organizations_with_dead(self.session_factory)
                    organizations += [o for o in dead if o not in organizations]
                for organization_id in organizations:
                    await apply_policy(
                        self.session_factory, organization_id, self.archive,
                        artifacts=self.artifacts,
                    )  # fmt: skip
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("retention run failed")
            await asyncio.sleep(self.poll_seconds)
