"""The files of model versions archived longer ago than the organization keeps them
(``archived_artifacts_days``): a version made from a run's files (``runs:/<run>/<path>``)
loses those files once it has been ARCHIVED that long, unless a version that is not
archived still names any of them. The files' rows are retired (the run's artifact
listing no longer shows them) and ``purge_dead`` deletes their objects; the version keeps
its row and its URI, and says when its files went (``artifact_purged_at``). Versions whose
artifacts live elsewhere (an ``s3://`` URI they were given) are not mlgraph's to delete."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update

from app.db.engine import SessionFactory
from app.domain.artifacts.models import RunArtifact
from app.domain.registry.enums import ModelStage
from app.domain.registry.models import ModelVersion

RUN_FILES = "runs:/"


def version_path(uri: str) -> str:
    """The run path a ``runs:/<run>/<path>`` URI names."""
    return uri[len(RUN_FILES) :].partition("/")[2]


def same_files(path: str, other: str) -> bool:
    """Two run paths name some of the same files: equal, or one a folder of the other."""
    return path == other or path.startswith(other + "/") or other.startswith(path + "/")


async def purge_archived_artifacts(
    session_factory: SessionFactory, organization_id: uuid.UUID, cutoff: datetime, batch: int
) -> tuple[int, int]:
    """One batch of due versions, in one transaction: (versions looked at, files retired)."""
    async with session_factory() as session, session.begin():
        due = (
            await session.scalars(
                select(ModelVersion)
                .where(
                    ModelVersion.organization_id == organization_id,
                    ModelVersion.stage == ModelStage.ARCHIVED.value,
                    ModelVersion.stage_changed_at < cutoff,
                    ModelVersion.artifact_purged_at.is_(None),
                    ModelVersion.run_id.is_not(None),
                    func.starts_with(ModelVersion.artifact_uri, RUN_FILES),
                )
                .order_by(ModelVersion.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        ).all()
        # The run paths that versions still in use name, of every due version's run: one
        # read for the batch (a due version is archived, so never among them).
        in_use: dict[uuid.UUID, list[str]] = defaultdict(list)
        rows = await session.execute(
            select(ModelVersion.run_id, ModelVersion.artifact_uri).where(
                ModelVersion.run_id.in_({v.run_id for v in due}),
                ModelVersion.deleted_at.is_(None),
                ModelVersion.stage != ModelStage.ARCHIVED.value,
                func.starts_with(ModelVersion.artifact_uri, RUN_FILES),
            )
        )
        for run_id, uri in rows:
            if run_id is not None and uri is not None:  # both, by the condition above
                in_use[run_id].append(version_path(uri))
        retired = 0
        for version in due:
            assert version.run_id is not None and version.artifact_uri is not None
            mine = version_path(version.artifact_uri)
            if any(same_files(mine, used) for used in in_use[version.run_id]):
                continue  # kept while a version in use names them; looked at again later
            result: Any = await session.execute(
                update(RunArtifact)
                .where(
                    RunArtifact.run_id == version.run_id,
                    RunArtifact.deleted_at.is_(None),
                    or_(
                        RunArtifact.path == mine,
                        RunArtifact.path.startswith(mine + "/", autoescape=True),
                    ),
                )
                .values(deleted_at=func.now())
            )
            retired += result.rowcount
            version.artifact_purged_at = func.now()
    return len(due), retired
