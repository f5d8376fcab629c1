"""Artifact builds: a contributor asks for a model version's serving image (at most one
build per version); builders claim builds from the queue (app/domain/work_queue.py), keep
them with heartbeats and finish them with the image (SUCCEEDED) or an error (FAILED). A
build whose lease runs out goes back to the queue until its retry limit, then FAILED.
Asking again for a FAILED build queues it again."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import topics
from app.domain import validation as v
from app.domain.builds.enums import FINAL, REBUILDABLE, BuildStatus
from app.domain.builds.models import ArtifactBuild
from app.domain.errors import DomainError, ErrorCode, validation
from app.domain.notifications.enums import Trigger
from app.domain.notifications.services import enqueue_notifications
from app.domain.registry.models import Model, ModelVersion
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import get_contributable, require_project_access
from app.domain.work_queue import WorkQueue

MAX_CLAIM = 20
# https://host/path(.git) or git@host:path(.git): what a builder can clone. Host, path and
# ref start with a letter or digit: nothing a git or ssh command line reads as an option.
REPOSITORY_RE = re.compile(
    r"^(https://[A-Za-z0-9][A-Za-z0-9.-]*(:\d{1,5})?/[A-Za-z0-9][A-Za-z0-9._~/-]*|"
    r"git@[A-Za-z0-9][A-Za-z0-9.-]*:[A-Za-z0-9][A-Za-z0-9._~/-]*)$"
)
# A branch, a tag or a commit (git's ref-name rules, simplified: no .., //, @{ or .lock).
REF_RE = re.compile(
    r"^(?!.*\.\.)(?!.*//)(?!.*@\{)(?!.*\.lock$)[A-Za-z0-9][A-Za-z0-9._/+-]{0,254}(?<![./])$"
)
# Relative, segments starting with a letter, digit or _ (so never "..", never an option).
PATH_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$")
# registry/repository[:tag][@sha256:digest] (an OCI image reference). Host and each path
# segment start with a letter or digit: a deployer's command line never reads an option.
IMAGE_RE = re.compile(
    r"^[a-z0-9][a-z0-9.-]*(:\d{1,5})?/[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$"
)

QUEUE = WorkQueue[ArtifactBuild](
    model=ArtifactBuild,
    noun="artifact build",
    audit_prefix="artifact_build",
    channel=topics.BUILD_STATUS,
    payload_key="build",
    waiting=BuildStatus.PENDING.value,
    running=BuildStatus.RUNNING.value,
    failed=BuildStatus.FAILED.value,
    max_claims="max_attempts",
)


def clean_source(repository_url: str, ref: str, path: str | None) -> tuple[str, str, str | None]:
    field = ["source"]
    repository_url = repository_url.strip()
    if len(repository_url) > 2048 or not REPOSITORY_RE.fullmatch(repository_url):
        raise validation(
            "must be an https:// or git@host:path repository URL", [*field, "repository_url"]
        )
    ref = ref.strip()
    if not REF_RE.fullmatch(ref):
        raise validation("must be a branch, tag or commit", [*field, "ref"])
    if path is not None:
        path = path.strip().strip("/") or None
        if path is not None and (len(path) > 1024 or not PATH_RE.fullmatch(path)):
            raise validation("must be a relative path inside the repository", [*field, "path"])
    return repository_url, ref, path


async def artifact_build_create(
    session: AsyncSession,
    actor: Actor,
    *,
    version_id: uuid.UUID | None,
    repository_url: str,
    ref: str,
    path: str | None,
    max_attempts: int,
) -> ArtifactBuild:
    field = ["model_version_id"]
    version = await get_visible(
        session, ModelVersion, version_id, actor, what="model version", field=field
    )
    model = await get_visible(
        session, Model, version.model_id, actor, what="model version", field=field
    )
    await require_project_access(
        session,
        actor,
        model.project_id,
        ProjectRole.CONTRIBUTOR,
        what="model version",
        field=field,
    )
    repository_url, ref, path = clean_source(repository_url, ref, path)
    if not 1 <= max_attempts <= 10:
        raise validation("must be between 1 and 10", ["max_attempts"])
    build = await session.scalar(
        select(ArtifactBuild).where(ArtifactBuild.model_version_id == version.id).with_for_update()
    )
    if build is not None and BuildStatus(build.status) not in REBUILDABLE:
        raise DomainError(
            ErrorCode.CONFLICT,
            f"this version already has a build ({build.status}); only a failed or cancelled "
            "one is built again",
            field,
        )
    if build is None:
        build = ArtifactBuild(
            organization_id=version.organization_id,
            project_id=model.project_id,
            model_id=model.id,
            model_version_id=version.id,
        )
        session.add(build)
    build.source_repository_url, build.source_ref, build.source_path = repository_url, ref, path
    build.status, build.error_message, build.image_url = BuildStatus.PENDING.value, None, None
    build.started_at = build.finished_at = None
    build.claims, build.max_attempts = 0, max_attempts
    build.created_by_id = actor.user_id
    build.status_version = (build.status_version or 0) + 1
    await session.flush()
    await session.refresh(build)
    await QUEUE.publish(session, build.id)
    record_audit(
        session,
        actor,
        "artifact_build.create",
        build,
        details={"repository": repository_url, "ref": ref, "path": path},
    )
    return build


async def artifact_builds_claim(
    session: AsyncSession, actor: Actor, *, worker: str, limit: int, lease_seconds: int
) -> list[ArtifactBuild]:
    """The oldest pending builds (at most ``limit``), now RUNNING under this worker."""
    return await QUEUE.claim(
        session,
        actor,
        worker=worker,
        limit=limit,
        max_limit=MAX_CLAIM,
        lease_seconds=lease_seconds,
        orgs=QUEUE.worker_organizations(actor),
    )


async def artifact_build_heartbeat(
    session: AsyncSession,
    actor: Actor,
    *,
    build_id: uuid.UUID | None,
    worker: str,
    lease_seconds: int,
) -> ArtifactBuild:
    return await QUEUE.heartbeat(
        session,
        actor,
        row_id=build_id,
        worker=worker,
        lease_seconds=lease_seconds,
        field=["artifact_build_id"],
    )


async def artifact_build_finish(
    session: AsyncSession,
    actor: Actor,
    *,
    build_id: uuid.UUID | None,
    worker: str,
    status: BuildStatus,
    image_url: str | None,
    error_message: str | None,
) -> ArtifactBuild:
    """The worker holding the build ends it: SUCCEEDED with its image, or FAILED."""
    if status not in (BuildStatus.SUCCEEDED, BuildStatus.FAILED):
        raise validation("a build finishes SUCCEEDED or FAILED", ["status"])
    build = await QUEUE.held(
        session, actor, row_id=build_id, worker=worker, field=["artifact_build_id"]
    )
    if status == BuildStatus.SUCCEEDED:
        if image_url is None or len(image_url) > 1024 or not IMAGE_RE.fullmatch(image_url):
            raise validation(
                "a succeeded build needs its image, e.g. registry.example.com/team/model:1.0",
                ["image_url"],
            )
        if error_message is not None:
            raise validation("a succeeded build has no error", ["error_message"])
    elif image_url is not None:
        raise validation("a failed build has no image", ["image_url"])
    build.image_url = image_url
    build.error_message = v.optional_text(error_message, ["error_message"], 4000)
    await _ended(session, build, status)
    record_audit(
        session, actor, f"artifact_build.{status.value}", build, details={"worker": worker}
    )
    return build


async def _ended(session: AsyncSession, build: ArtifactBuild, status: BuildStatus) -> None:
    """A build reached a final status: its lease goes, subscribers and rules hear of it."""
    await QUEUE.end(session, build, status.value)
    await enqueue_notifications(
        session,
        organization_id=build.organization_id,
        trigger=Trigger.ARTIFACT_BUILD_COMPLETE,
        event_type="artifact_build.finished",
        payload={
            "artifact_build_id": str(build.id),
            "title": f"artifact build {status.value}",
            "status": status.value,
            "image_url": build.image_url,
            "error": build.error_message,
        },
        project_id=build.project_id,
    )


async def artifact_build_cancel(
    session: AsyncSession, actor: Actor, *, build_id: uuid.UUID | None
) -> ArtifactBuild:
    """Stop a pending or running build (its worker's next heartbeat or finish is refused);
    the version can then be built again. Contributors+."""
    field = ["artifact_build_id"]
    build = await get_contributable(
        session, ArtifactBuild, build_id, actor, what="artifact build", field=field, for_update=True
    )
    if BuildStatus(build.status) in FINAL:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"a {build.status} build cannot be cancelled", field
        )
    previous = build.status
    await _ended(session, build, BuildStatus.CANCELLED)
    record_audit(session, actor, "artifact_build.cancelled", build, details={"from": previous})
    return build
