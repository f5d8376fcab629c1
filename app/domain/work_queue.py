"""A work queue over a table: workers claim the oldest waiting rows, keep them with
heartbeats, and lose them when the lease runs out. Training jobs and artifact builds are
two such queues (app/domain/training/queue.py, app/domain/builds/services.py).

A claim takes rows with ``FOR UPDATE SKIP LOCKED``: two workers claiming at the same time
(in one process or many) lock different rows, so nothing is handed out twice. Claiming
moves a row from ``waiting`` to ``running`` under a lease (``lease_owner``,
``lease_expires_at``) and counts the claim; each heartbeat of its worker extends the lease;
a lease that runs out sends the row back to ``waiting`` (checked at every claim) or, with a
retry limit reached (``max_claims`` column), to ``failed``. Each status change bumps
``status_version`` and is published on the queue's channel (status subscriptions follow
it). Workers act with an API key whose role in the row's organization is developer or
admin."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic

from sqlalchemy import ColumnElement, and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import topics
from app.domain.errors import DomainError, ErrorCode, validation
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit_event
from app.domain.tenancy.enums import OrgRole
from app.domain.tenancy.lookup import RowT, get_visible
from app.domain.tenancy.visibility import visible_conditions

MIN_LEASE_SECONDS = 10
MAX_LEASE_SECONDS = 3600
MAX_WORKER = 200
WORKER_ROLES = (OrgRole.ADMIN, OrgRole.DEVELOPER)


def clean_worker(worker: str) -> str:
    worker = worker.strip()
    if not worker or len(worker) > MAX_WORKER or not worker.isprintable():
        raise validation(f"a worker name is 1-{MAX_WORKER} printable characters", ["worker"])
    return worker


def clean_lease(seconds: int) -> timedelta:
    if not MIN_LEASE_SECONDS <= seconds <= MAX_LEASE_SECONDS:
        raise validation(
            f"a lease is {MIN_LEASE_SECONDS} to {MAX_LEASE_SECONDS} seconds",
            ["lease_seconds"],
        )
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class WorkQueue(Generic[RowT]):
    # A table with status, lease_owner, lease_expires_at, claims, status_version.
    model: type[RowT]
    noun: str  # "training job"
    audit_prefix: str  # "training_job"
    channel: str  # published with {payload_key: id} on every status change
    payload_key: str
    waiting: str
    running: str
    failed: str | None = None  # where a row goes once its claims reach ``max_claims``
    max_claims: str | None = None  # the column holding the retry limit
    heartbeat_column: str | None = None  # set to now() by each claim and heartbeat

    def worker_organizations(self, actor: Actor) -> list[uuid.UUID]:
        """Where the caller may work: organizations it is a developer or admin of."""
        actor.require_write()
        orgs = [
            org
            for org, role in actor.org_roles.items()
            if role in WORKER_ROLES and org not in actor.read_only_orgs  # suspended: no work
        ]
        if actor.org_roles and not orgs:
            raise DomainError(
                ErrorCode.FORBIDDEN, f"working on {self.noun}s needs a developer role"
            )
        return orgs

    async def publish(self, session: AsyncSession, row_id: uuid.UUID) -> None:
        await topics.publish(session, self.channel, **{self.payload_key: row_id})

    async def end(self, session: AsyncSession, row: RowT, status: str) -> None:
        """A row reached a final ``status``: stamped ``finished_at``, its lease gone, its
        status subscribers told (a worker still holding it is refused from now on)."""
        ended: Any = row
        ended.status = status
        ended.finished_at = datetime.now(UTC)
        ended.lease_owner, ended.lease_expires_at = None, None
        ended.status_version += 1
        await session.flush()
        await session.refresh(ended)
        await self.publish(session, ended.id)

    async def expire_leases(
        self, session: AsyncSession, actor: Actor, orgs: Sequence[uuid.UUID]
    ) -> int:
        """Send every row whose lease ran out back to the queue (or, past its retry limit,
        to ``failed``); how many."""
        m: Any = self.model  # its columns (every queue's table has them)
        values: dict[str, Any] = {
            "status": self.waiting,
            "lease_owner": None,
            "lease_expires_at": None,
            "status_version": m.status_version + 1,
        }
        if self.max_claims is not None and self.failed is not None:
            spent = m.claims >= getattr(m, self.max_claims)
            values["status"] = case((spent, self.failed), else_=self.waiting)
            values["error_message"] = case(
                (spent, func.concat("its lease ran out ", m.claims, " times (the retry limit)")),
                else_=m.error_message,
            )
            values["finished_at"] = case((spent, func.now()), else_=None)
        expired = (
            await session.execute(
                update(m)
                .where(
                    m.organization_id.in_(orgs),
                    m.status == self.running,
                    m.lease_expires_at < func.now(),
                    *visible_conditions(m, actor.hidden),  # private projects: members only
                )
                .values(**values)
                .returning(m.id, m.organization_id, m.status)
            )
        ).all()
        for row_id, organization_id, status in expired:
            await self.publish(session, row_id)
            record_audit_event(
                session,
                actor,
                f"{self.audit_prefix}.lease_expired",
                organization_id=organization_id,
                target_type=m.__name__,
                target_id=row_id,
                details={"status": status},
            )
        return len(expired)

    async def claim(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        worker: str,
        limit: int,
        max_limit: int,
        lease_seconds: int,
        orgs: Sequence[uuid.UUID],
        conditions: Sequence[ColumnElement[bool]] = (),
        started_column: str = "started_at",
    ) -> list[RowT]:
        """The oldest waiting rows matching ``conditions`` (at most ``limit``), now running
        under this worker's lease."""
        worker = clean_worker(worker)
        lease = clean_lease(lease_seconds)
        if not 1 <= limit <= max_limit:
            raise validation(f"claim 1 to {max_limit} at a time", ["limit"])
        if not orgs:
            return []
        m: Any = self.model  # its columns (every queue's table has them)
        await self.expire_leases(session, actor, orgs)
        ids = list(
            await session.scalars(
                select(m.id)
                .where(
                    m.organization_id.in_(orgs),
                    m.status == self.waiting,
                    *visible_conditions(m, actor.hidden),  # a worker sees what its key sees
                    *conditions,
                )
                .order_by(m.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        started = getattr(m, started_column)
        await session.execute(
            update(m)
            .where(m.id.in_(ids))
            .values(
                status=self.running,
                lease_owner=worker,
                lease_expires_at=func.now() + lease,
                claims=m.claims + 1,
                status_version=m.status_version + 1,
                **{started_column: func.coalesce(started, func.now())},
                **({self.heartbeat_column: func.now()} if self.heartbeat_column else {}),
            )
            .execution_options(synchronize_session=False)
        )
        rows: list[RowT] = list(
            await session.scalars(
                select(m)
                .where(m.id.in_(ids))
                .order_by(m.id)
                .execution_options(populate_existing=True)
            )
        )
        for claimed in rows:
            row: Any = claimed
            await self.publish(session, row.id)
            record_audit_event(
                session,
                actor,
                f"{self.audit_prefix}.claimed",
                organization_id=row.organization_id,
                target_type=m.__name__,
                target_id=row.id,
                details={"worker": worker},
            )
        return rows

    async def held(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        row_id: uuid.UUID | None,
        worker: str,
        field: Sequence[str],
    ) -> RowT:
        """The row, locked, if this worker holds it under a live lease; else CONFLICT."""
        worker = clean_worker(worker)
        m: Any = self.model  # its columns (every queue's table has them)
        found: RowT = await get_visible(
            session, self.model, row_id, actor, what=self.noun, field=field, for_update=True
        )
        row: Any = found
        actor.require_org_role(row.organization_id, OrgRole.DEVELOPER, self.noun, field)
        held = await session.scalar(
            select(m.id).where(
                and_(
                    m.id == row.id,
                    m.status == self.running,
                    m.lease_owner == worker,
                    m.lease_expires_at >= func.now(),
                )
            )
        )
        if held is None:
            if row.status == "cancelled":  # say why, so the worker can tell its user
                reason = getattr(row, "error_message", None)
                raise DomainError(
                    ErrorCode.CONFLICT,
                    f"the {self.noun} was cancelled{': ' + reason if reason else ''}; stop it",
                    ["worker"],
                )
            raise DomainError(
                ErrorCode.CONFLICT,
                f"this worker does not hold the {self.noun} (its lease ran out, or it moved on)",
                ["worker"],
            )
        return found

    async def heartbeat(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        row_id: uuid.UUID | None,
        worker: str,
        lease_seconds: int,
        field: Sequence[str],
    ) -> RowT:
        """Extend the lease of a row this worker holds."""
        lease = clean_lease(lease_seconds)
        found = await self.held(session, actor, row_id=row_id, worker=worker, field=field)
        row: Any = found
        row.lease_expires_at = func.now() + lease
        if self.heartbeat_column:
            setattr(row, self.heartbeat_column, func.now())
        await session.flush()
        await session.refresh(row)
        return found
