"""Recording a run's artifacts (their bytes are streamed to the store first), and finding
them. Every artifact is its run's: written by the run's contributors, read by whoever
reads the run, counted against its organization's quota (checked under the organization's
row lock, so two uploads cannot both pass it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.engine import SessionFactory
from app.db.ids import uuid7
from app.domain.artifacts.models import RunArtifact
from app.domain.artifacts.store import ArtifactStore
from app.domain.errors import DomainError, ErrorCode, not_found
from app.domain.experiments.models import Run
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.models import Organization
from app.domain.tenancy.projects import get_contributable


async def writable_run(session: AsyncSession, actor: Actor, run_id: uuid.UUID | None) -> Run:
    return await get_contributable(session, Run, run_id, actor, what="run", field=["run_id"])


async def check_quota(
    session: AsyncSession, organization_id: uuid.UUID, adding: int, quota: int
) -> None:
    """QUOTA_EXCEEDED when ``adding`` more bytes would take the organization's live
    artifacts past ``quota`` (callers lock the organization first when it decides)."""
    used = await session.scalar(
        select(func.coalesce(func.sum(RunArtifact.size_bytes), 0)).where(
            RunArtifact.organization_id == organization_id, RunArtifact.deleted_at.is_(None)
        )
    )
    if int(used or 0) + adding > quota:
        raise DomainError(
            ErrorCode.QUOTA_EXCEEDED,
            f"the organization's artifacts would exceed its {quota:,} bytes "
            f"({int(used or 0):,} used)",
            ["path"],
        )


def storage_key(organization_id: uuid.UUID, run_id: uuid.UUID) -> str:
    return f"artifacts/{organization_id}/{run_id}/{uuid7()}"


@dataclass(frozen=True)
class Recorded:
    artifact: RunArtifact
    replaced_key: str | None  # the object of the file this one replaced (to remove)


async def artifact_record(
    session: AsyncSession,
    actor: Actor,
    *,
    run_id: uuid.UUID,
    path: str,
    size: int,
    sha256: str,
    content_type: str,
    key: str,
    quota: int,
) -> Recorded:
    """The stored object as the run's file at ``path`` (replacing the one there)."""
    run = await writable_run(session, actor, run_id)
    await session.execute(
        select(Organization.id).where(Organization.id == run.organization_id).with_for_update()
    )
    previous = await session.scalar(
        select(RunArtifact)
        .where(
            RunArtifact.run_id == run.id,
            RunArtifact.path == path,
            RunArtifact.deleted_at.is_(None),
        )
        .with_for_update()
    )
    await check_quota(
        session, run.organization_id, size - (previous.size_bytes if previous else 0), quota
    )
    if previous is not None:
        previous.deleted_at = datetime.now(UTC)
        await session.flush()
    artifact = RunArtifact(
        organization_id=run.organization_id,
        run_id=run.id,
        path=path,
        size_bytes=size,
        sha256=sha256,
        content_type=content_type,
        storage_key=key,
        created_by_id=actor.user_id,
    )
    session.add(artifact)
    await session.flush()
    record_audit(
        session,
        actor,
        "run_artifact.upload",
        artifact,
        details={"run_id": str(run.id), "path": path, "size_bytes": size, "sha256": sha256},
    )
    return Recorded(artifact, previous.storage_key if previous else None)


async def find_artifact(
    session: AsyncSession, actor: Actor, run_id: uuid.UUID | None, path: str
) -> RunArtifact:
    """The live file at ``path`` of a run the caller can read (else NOT_FOUND, the same
    for a run it cannot see as for one that does not exist)."""
    run = await get_visible(session, Run, run_id, actor, what="run", field=["run_id"])
    found = await session.scalar(
        select(RunArtifact).where(
            RunArtifact.run_id == run.id,
            RunArtifact.path == path,
            RunArtifact.deleted_at.is_(None),
        )
    )
    if found is None:
        raise not_found("artifact", ["path"])
    return found


async def files_size(session: AsyncSession, run_id: uuid.UUID, path: str) -> int | None:
    """The bytes of a run's live file at ``path``, or of every file under that folder;
    None when there is none (the caller has checked it sees the run)."""
    under = RunArtifact.path.startswith(path + "/", autoescape=True)
    found = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(RunArtifact.size_bytes), 0)).where(
                RunArtifact.run_id == run_id,
                RunArtifact.deleted_at.is_(None),
                (RunArtifact.path == path) | under,
            )
        )
    ).one()
    return int(found[1]) if found[0] else None


DEAD = text(
    "SELECT a.id, a.storage_key FROM run_artifacts a JOIN runs r ON r.id = a.run_id "
    "WHERE a.organization_id = :org AND (a.deleted_at IS NOT NULL OR r.deleted_at IS NOT NULL) "
    "ORDER BY a.id LIMIT :n"
)
ORGANIZATIONS_WITH_DEAD = text(
    "SELECT DISTINCT a.organization_id FROM run_artifacts a JOIN runs r ON r.id = a.run_id "
    "WHERE a.deleted_at IS NOT NULL OR r.deleted_at IS NOT NULL"
)


async def purge_dead(
    session_factory: SessionFactory,
    store: ArtifactStore,
    organization_id: uuid.UUID,
    *,
    batch: int,
    max_batches: int,
) -> int:
    """Remove the files nobody can read any more: those of retired runs, and the rows of
    replaced ones; objects first, then their rows, a batch at a time (a pass cut short
    leaves rows whose objects a later pass deletes again, harmlessly). How many went."""
    purged = 0
    for _ in range(max_batches):
        async with session_factory() as session:
            rows = (await session.execute(DEAD, {"org": organization_id, "n": batch})).all()
        for row in rows:
            await store.delete(row.storage_key)
        if rows:
            async with session_factory() as session, session.begin():
                await session.execute(
                    delete(RunArtifact).where(RunArtifact.id.in_([row.id for row in rows]))
                )
        purged += len(rows)
        if len(rows) < batch:
            break
    return purged


async def organizations_with_dead(session_factory: SessionFactory) -> list[uuid.UUID]:
    async with session_factory() as session:
        return list(await session.scalars(ORGANIZATIONS_WITH_DEAD))


@dataclass(frozen=True)
class FolderEntry:
    name: str  # relative to the folder listed
    is_dir: bool
    size_bytes: int  # a folder's: the sum of its files


FOLDER_ENTRIES = text(
    """
    SELECT split_part(rest, '/', 1) AS name, bool_or(strpos(rest, '/') > 0) AS is_dir,
           sum(size_bytes) AS size_bytes
    FROM (SELECT substr(path, :skip) AS rest, size_bytes FROM run_artifacts
          WHERE run_id = :run_id AND deleted_at IS NULL
            AND (:prefix = '' OR left(path, length(:prefix)) = :prefix)) AS under
    GROUP BY 1 ORDER BY 1
    """
)


async def folder_entries(
    session: AsyncSession, run_id: uuid.UUID, folder: str | None
) -> list[FolderEntry]:
    """The files and folders directly in a run's ``folder`` (None: its root), as a
    directory listing shows them (the caller has checked it sees the run)."""
    prefix = f"{folder}/" if folder else ""
    rows = await session.execute(
        FOLDER_ENTRIES, {"run_id": run_id, "prefix": prefix, "skip": len(prefix) + 1}
    )
    return [FolderEntry(row.name, bool(row.is_dir), int(row.size_bytes)) for row in rows]
