"""Artifact build mutations: contributors ask for builds; builders (developers+) claim,
heartbeat and finish them."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from app.api.builds.enums import BuildStatus
from app.api.builds.types import ArtifactBuild
from app.api.errors import UserError, run_mutation
from app.api.graph.payloads import mutate
from app.api.ids import input_id
from app.domain.builds import services


@strawberry.input(description="Where a build's source is.")
class BuildSourceInput:
    repository_url: str = strawberry.field(description="https://host/path or git@host:path.")
    ref: str = strawberry.field(description="A branch, tag or commit.")
    path: str | None = strawberry.field(default=None, description="Inside the repository.")


@strawberry.input
class ArtifactBuildCreateInput:
    model_version_id: strawberry.ID
    source: BuildSourceInput
    max_attempts: int = strawberry.field(
        default=3, description="Claims allowed before a lost lease fails the build (1-10)."
    )


@strawberry.input
class ArtifactBuildsClaimInput:
    worker: str = strawberry.field(description="Who claims (e.g. a pod name); up to 200 chars.")
    limit: int = strawberry.field(default=1, description="At most this many builds (1-20).")
    lease_seconds: int = strawberry.field(
        default=120, description="10 to 3600: heartbeats must come sooner than this."
    )


@strawberry.input
class ArtifactBuildCancelInput:
    artifact_build_id: strawberry.ID


@strawberry.input
class ArtifactBuildHeartbeatInput:
    artifact_build_id: strawberry.ID
    worker: str
    lease_seconds: int = 120


@strawberry.input
class ArtifactBuildFinishInput:
    artifact_build_id: strawberry.ID
    worker: str
    status: BuildStatus
    image_url: str | None = strawberry.field(
        default=None, description="With SUCCEEDED: registry/repository[:tag][@sha256:...]."
    )
    error_message: str | None = strawberry.field(default=None, description="With FAILED.")


@strawberry.type
class ArtifactBuildPayload:
    artifact_build: ArtifactBuild | None
    user_errors: list[UserError]


@strawberry.type
class ArtifactBuildsClaimPayload:
    artifact_builds: list[ArtifactBuild] = strawberry.field(
        description="The claimed builds, oldest first, now RUNNING under this worker's lease."
    )
    user_errors: list[UserError]


@strawberry.type
class BuildMutations:
    @strawberry.mutation(
        description="Ask for a version's serving image (one build per version; a FAILED one "
        "is queued again). Contributors+."
    )
    async def artifact_build_create(
        self, info: Info, input: ArtifactBuildCreateInput
    ) -> ArtifactBuildPayload:
        return await mutate(
            info,
            ArtifactBuildPayload,
            "artifact_build",
            lambda session, actor: services.artifact_build_create(
                session,
                actor,
                version_id=input_id(input, "model_version_id", "ModelVersion"),
                repository_url=input.source.repository_url,
                ref=input.source.ref,
                path=input.source.path,
                max_attempts=input.max_attempts,
            ),
        )

    @strawberry.mutation(
        description="Claim the oldest pending builds under a lease (FOR UPDATE SKIP LOCKED: "
        "concurrent builders never get the same build). Developers+."
    )
    async def artifact_builds_claim(
        self, info: Info, input: ArtifactBuildsClaimInput
    ) -> ArtifactBuildsClaimPayload:
        builds, errors = await run_mutation(
            info,
            lambda session, actor: services.artifact_builds_claim(
                session,
                actor,
                worker=input.worker,
                limit=input.limit,
                lease_seconds=input.lease_seconds,
            ),
        )
        return ArtifactBuildsClaimPayload(
            artifact_builds=[ArtifactBuild.from_row(b) for b in builds or []], user_errors=errors
        )

    @strawberry.mutation(description="Extend the lease of a build this worker holds.")
    async def artifact_build_heartbeat(
        self, info: Info, input: ArtifactBuildHeartbeatInput
    ) -> ArtifactBuildPayload:
        return await mutate(
            info,
            ArtifactBuildPayload,
            "artifact_build",
            lambda session, actor: services.artifact_build_heartbeat(
                session,
                actor,
                build_id=input_id(input, "artifact_build_id", "ArtifactBuild"),
                worker=input.worker,
                lease_seconds=input.lease_seconds,
            ),
        )

    @strawberry.mutation(
        description="End a build this worker holds: SUCCEEDED with its image, or FAILED."
    )
    async def artifact_build_finish(
        self, info: Info, input: ArtifactBuildFinishInput
    ) -> ArtifactBuildPayload:
        return await mutate(
            info,
            ArtifactBuildPayload,
            "artifact_build",
            lambda session, actor: services.artifact_build_finish(
                session,
                actor,
                build_id=input_id(input, "artifact_build_id", "ArtifactBuild"),
                worker=input.worker,
                status=input.status,
                image_url=input.image_url,
                error_message=input.error_message,
            ),
        )

    @strawberry.mutation(
        description="Stop a pending or running build; the version can be built again. "
        "Contributors+."
    )
    async def artifact_build_cancel(
        self, info: Info, input: ArtifactBuildCancelInput
    ) -> ArtifactBuildPayload:
        return await mutate(
            info,
            ArtifactBuildPayload,
            "artifact_build",
            lambda session, actor: services.artifact_build_cancel(
                session, actor, build_id=input_id(input, "artifact_build_id", "ArtifactBuild")
            ),
        )
