"""Registry mutations: projects, models, model versions."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import UNSET
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.datasets.mutations import ChecksumInput
from app.api.errors import UserError
from app.api.graph.payloads import mutate
from app.api.ids import decode_id, input_id
from app.api.inputs import provided, whole_number
from app.api.registry.enums import Framework, ModelStage, ModelType, ServeType, TaskType
from app.api.registry.types import Model, ModelAlias, ModelVersion, Project, ProjectMember
from app.api.serving.runtime_inputs import DeploymentRuntimeInput, runtime_of
from app.api.serving.types import Deployment
from app.api.tenancy.enums import ProjectRole, ProjectVisibility
from app.domain.datasets.services import Checksum
from app.domain.errors import DomainError
from app.domain.governance import services as governance
from app.domain.projects import services as projects
from app.domain.registry import model_service, version_service
from app.domain.registry.version_service import RunArtifactRef
from app.domain.serving import services as serving
from app.domain.serving.live import ensure_model_not_serving
from app.domain.tenancy.access import Actor


@strawberry.input
class ProjectCreateInput:
    organization_id: strawberry.ID
    slug: str = strawberry.field(
        description="Lowercase kebab-case, unique among the organization's projects you can see."
    )
    name: str
    description: str | None = None
    visibility: ProjectVisibility = strawberry.field(
        default=ProjectVisibility.ORGANIZATION,
        description="PRIVATE: only its project members and the organization's admins see it. "
        "Not PUBLIC: a project is published (projectUpdate) once it holds what it publishes.",
    )


@strawberry.input
class ProjectUpdateInput:
    project_id: strawberry.ID
    slug: str | None = UNSET
    name: str | None = UNSET
    description: str | None = UNSET
    settings: JSON | None = strawberry.field(
        default=UNSET, description="Replaces the settings (a JSON object, at most 64 KiB)."
    )
    visibility: ProjectVisibility | None = strawberry.field(
        default=UNSET,
        description="PRIVATE hides the project from members without a project role at once. "
        "PUBLIC makes it read-only for everyone (CONFLICT while anything in it still runs or "
        "serves); on a PUBLIC project, visibility is the one field that may change.",
    )


@strawberry.input
class ProjectDeleteInput:
    project_id: strawberry.ID


@strawberry.type
class ProjectPayload:
    project: Project | None
    user_errors: list[UserError]


@strawberry.input
class ProjectMemberSetInput:
    project_id: strawberry.ID
    email: str = strawberry.field(description="A member of the project's organization.")
    role: ProjectRole | None = strawberry.field(
        description="The project role; null removes the explicit role."
    )


@strawberry.type
class ProjectMemberSetPayload:
    project_member: ProjectMember | None
    user_errors: list[UserError]


@strawberry.input
class ModelCreateInput:
    project_id: strawberry.ID
    name: str
    model_type: ModelType
    framework: Framework
    task_type: TaskType | None = None
    description: str | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    metadata: JSON | None = None
    serve_type: ServeType = strawberry.field(
        default=ServeType.API,
        description="API: served by deployments behind endpoints. WORKFLOW: runs as a "
        "workflow on head and worker nodes (workflowConfigSet), never deployed to an "
        "endpoint. Set at creation.",
    )


@strawberry.input
class ModelUpdateInput:
    model_id: strawberry.ID
    name: str | None = UNSET
    description: str | None = UNSET
    model_type: ModelType | None = UNSET
    framework: Framework | None = UNSET
    task_type: TaskType | None = UNSET
    tags: list[str] | None = UNSET
    metadata: JSON | None = UNSET


@strawberry.input
class ModelDeleteInput:
    model_id: strawberry.ID


@strawberry.type
class ModelPayload:
    model: Model | None
    user_errors: list[UserError]


@strawberry.input
class ModelVersionCreateInput:
    model_id: strawberry.ID
    version: str = strawberry.field(description="A semantic version, unique per model.")
    description: str | None = None
    artifact_uri: str | None = None
    artifact_size_bytes: float | None = None
    metrics: JSON | None = None
    signature: JSON | None = None
    run_id: strawberry.ID | None = strawberry.field(
        default=None, description="The training run that produced this version."
    )
    run_artifact_path: str | None = strawberry.field(
        default=None,
        description="The version's files are the run's artifacts at this path (a file, or "
        "a folder's files): artifactUri becomes runs:/<runId>/<path> and artifactSizeBytes "
        "their size. Needs runId; instead of artifactUri and artifactSizeBytes.",
    )

    checksum: ChecksumInput | None = strawberry.field(
        default=None, description="The artifact's checksum: an algorithm and its hex digest."
    )
    hyperparameters: JSON | None = strawberry.field(
        default=None, description="What it was trained with (default: its run's params)."
    )
    training_job_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The training job that made it (same project); its run becomes the "
        "version's when runId is not given. Its status feeds trainingStatus.",
    )

    def run_artifact(self) -> RunArtifactRef | None:
        if self.run_artifact_path is None:
            return None
        uri = f"runs:/{self.run_id}/{self.run_artifact_path}"
        return RunArtifactRef(self.run_artifact_path, uri)

    def training(self, at: tuple[str, ...] = ()) -> dict[str, Any]:
        """The checksum, hyperparameters and training job, as the service takes them."""
        job = self.training_job_id
        return {
            "checksum": Checksum(self.checksum.algorithm, self.checksum.digest)
            if self.checksum
            else None,
            "hyperparameters": self.hyperparameters,
            "training_job_id": decode_id(job, "TrainingJob", [*at, "training_job_id"])
            if job
            else None,
        }


@strawberry.type
class ModelVersionCreatePayload:
    model_version: ModelVersion | None
    user_errors: list[UserError]


@strawberry.input(description="Only the fields given change.")
class ModelVersionUpdateInput:
    model_version_id: strawberry.ID
    description: str | None = UNSET
    metrics: JSON | None = strawberry.field(
        default=UNSET, description="Merged into the metrics; a null value removes that metric."
    )


@strawberry.input
class ModelVersionTransitionInput:
    model_version_id: strawberry.ID
    stage: ModelStage


@strawberry.type
class ModelVersionTransitionPayload:
    model_version: ModelVersion | None
    archived_version: ModelVersion | None = strawberry.field(
        description="The previous production version, archived by this promotion."
    )
    user_errors: list[UserError]


@strawberry.input(description="Where and how to deploy (the version is the one just made).")
class DeploymentSpecInput:
    environment_id: strawberry.ID
    name: str = strawberry.field(description="Unique per project and environment.")
    min_instances: int = 1
    max_instances: int = 1
    autoscaling: bool = False
    endpoint_url: str | None = None
    config: JSON | None = None
    runtime: DeploymentRuntimeInput | None = None


@strawberry.input
class ModelVersionCreateAndDeployInput:
    model_version: ModelVersionCreateInput
    deployment: DeploymentSpecInput


@strawberry.type
class ModelVersionCreateAndDeployPayload:
    model_version: ModelVersion | None
    deployment: Deployment | None
    user_errors: list[UserError]


T = TypeVar("T")


def _artifact_bytes(value: float | None, at: tuple[str, ...] = ()) -> int | None:
    return whole_number(value, "artifact_size_bytes", "a whole number of bytes", at)


@dataclass(frozen=True)
class Deployed:
    """What modelVersionCreateAndDeploy made: the version, and its deployment."""

    version: Any
    deployment: Any


async def _under(prefix: str, work: Awaitable[T]) -> T:
    """A service's userError paths (relative to its input) under one part of the input."""
    try:
        return await work
    except DomainError as error:
        if error.field is not None:
            error.field = [prefix, *error.field]
        raise


@strawberry.input
class ModelAliasSetInput:
    model_id: strawberry.ID
    name: str = strawberry.field(description="A slug, e.g. champion; unique per model.")
    model_version_id: strawberry.ID
    protected: bool | None = strawberry.field(
        default=None,
        description="Protect (true) or unprotect (false) the alias; null keeps it as it is. "
        "Only organization admins change it, or move a protected alias.",
    )


@strawberry.type
class ModelAliasPayload:
    model_alias: ModelAlias | None
    user_errors: list[UserError]


@strawberry.type
class RegistryMutations:
    @strawberry.mutation(
        description="Register a version and deploy it, in one transaction: both or neither. "
        "userErrors point into modelVersion or deployment."
    )
    async def model_version_create_and_deploy(
        self, info: Info, input: ModelVersionCreateAndDeployInput
    ) -> ModelVersionCreateAndDeployPayload:
        made, spec = input.model_version, input.deployment

        async def work(session: AsyncSession, actor: Actor) -> Deployed:
            version = await _under(
                "model_version",
                version_service.model_version_create(
                    session,
                    actor,
                    model_id=decode_id(made.model_id, "Model", ["model_version", "model_id"]),
                    version=made.version,
                    description=made.description,
                    artifact_uri=made.artifact_uri,
                    artifact_size_bytes=_artifact_bytes(
                        made.artifact_size_bytes, at=("model_version",)
                    ),
                    metrics=made.metrics,
                    signature=made.signature,
                    run_id=decode_id(made.run_id, "Run", ["model_version", "run_id"])
                    if made.run_id
                    else None,
                    run_artifact=made.run_artifact(),
                    **made.training(at=("model_version",)),
                ),
            )
            deployment = await _under(
                "deployment",
                serving.deployment_create(
                    session,
                    actor,
                    model_version_id=version.id,
                    environment_id=decode_id(
                        spec.environment_id, "Environment", ["deployment", "environment_id"]
                    ),
                    name=spec.name,
                    min_instances=spec.min_instances,
                    max_instances=spec.max_instances,
                    autoscaling=spec.autoscaling,
                    endpoint_url=spec.endpoint_url,
                    config=spec.config,
                    runtime=runtime_of(spec.runtime),
                ),
            )
            return Deployed(version, deployment)

        return await mutate(
            info,
            ModelVersionCreateAndDeployPayload,
            "deployment",
            work,
            row_of=lambda made: made.deployment,
            extra=lambda made: {
                "model_version": ModelVersion.from_row(made.version) if made else None
            },
        )

    @strawberry.mutation(
        description="Point an alias (created if new) at a version of the model; every move "
        "is kept in its history. Contributors+; protected aliases: organization admins."
    )
    async def model_alias_set(self, info: Info, input: ModelAliasSetInput) -> ModelAliasPayload:
        return await mutate(
            info,
            ModelAliasPayload,
            "model_alias",
            lambda session, actor: governance.governed_alias_set(
                session,
                actor,
                model_id=input_id(input, "model_id", "Model"),
                name=input.name,
                version_id=input_id(input, "model_version_id", "ModelVersion"),
                protected=input.protected,
            ),
        )

    @strawberry.mutation(description="Create a project; you become its owner. Developers+.")
    async def project_create(self, info: Info, input: ProjectCreateInput) -> ProjectPayload:
        return await mutate(
            info,
            ProjectPayload,
            "project",
            lambda session, actor: projects.project_create(
                session,
                actor,
                organization_id=input_id(input, "organization_id", "Organization"),
                slug=input.slug,
                name=input.name,
                description=input.description,
                visibility=input.visibility,
            ),
            after=lambda _: info.context.forget_all_access(),
        )

    @strawberry.mutation(
        description="Change a project's slug, name, description, settings or visibility. Owners."
    )
    async def project_update(self, info: Info, input: ProjectUpdateInput) -> ProjectPayload:
        return await mutate(
            info,
            ProjectPayload,
            "project",
            lambda session, actor: projects.project_update(
                session,
                actor,
                project_id=input_id(input, "project_id", "Project"),
                changes=provided(input, "slug", "name", "description", "settings", "visibility"),
            ),
            after=lambda _: info.context.forget_all_access(),
        )

    @strawberry.mutation(description="Soft-delete a project with its models. Owners.")
    async def project_delete(self, info: Info, input: ProjectDeleteInput) -> ProjectPayload:
        return await mutate(
            info,
            ProjectPayload,
            "project",
            lambda session, actor: projects.project_delete(
                session, actor, project_id=input_id(input, "project_id", "Project")
            ),
        )

    @strawberry.mutation(description="Set or remove a member's project role. Project owners.")
    async def project_member_set(
        self, info: Info, input: ProjectMemberSetInput
    ) -> ProjectMemberSetPayload:
        return await mutate(
            info,
            ProjectMemberSetPayload,
            "project_member",
            lambda session, actor: projects.project_member_set(
                session,
                actor,
                project_id=input_id(input, "project_id", "Project"),
                email=input.email,
                role=input.role,
            ),
            after=lambda _: info.context.forget_all_access(),
        )

    @strawberry.mutation(description="Register a model (plan quota applies). Contributors+.")
    async def model_create(self, info: Info, input: ModelCreateInput) -> ModelPayload:
        return await mutate(
            info,
            ModelPayload,
            "model",
            lambda session, actor: model_service.model_create(
                session,
                actor,
                project_id=input_id(input, "project_id", "Project"),
                name=input.name,
                description=input.description,
                model_type=input.model_type,
                framework=input.framework,
                task_type=input.task_type,
                tags=input.tags,
                metadata=input.metadata,
                serve_type=input.serve_type,
            ),
        )

    @strawberry.mutation(description="Change a model's fields. Contributors+.")
    async def model_update(self, info: Info, input: ModelUpdateInput) -> ModelPayload:
        changes = provided(
            input, "name", "description", "model_type", "framework", "task_type", "tags", "metadata"
        )
        for key in ("model_type", "framework", "task_type"):
            if changes.get(key) is not None:
                changes[key] = changes[key].value
        return await mutate(
            info,
            ModelPayload,
            "model",
            lambda session, actor: model_service.model_update(
                session, actor, model_id=input_id(input, "model_id", "Model"), changes=changes
            ),
        )

    @strawberry.mutation(description="Soft-delete a model and its versions. Contributors+.")
    async def model_delete(self, info: Info, input: ModelDeleteInput) -> ModelPayload:
        return await mutate(
            info,
            ModelPayload,
            "model",
            lambda session, actor: model_service.model_delete(
                session,
                actor,
                model_id=input_id(input, "model_id", "Model"),
                ensure_not_serving=ensure_model_not_serving,
            ),
        )

    @strawberry.mutation(description="Add a version (in development) to a model. Contributors+.")
    async def model_version_create(
        self, info: Info, input: ModelVersionCreateInput
    ) -> ModelVersionCreatePayload:
        return await mutate(
            info,
            ModelVersionCreatePayload,
            "model_version",
            lambda session, actor: version_service.model_version_create(
                session,
                actor,
                model_id=input_id(input, "model_id", "Model"),
                version=input.version,
                description=input.description,
                artifact_uri=input.artifact_uri,
                artifact_size_bytes=_artifact_bytes(input.artifact_size_bytes),
                metrics=input.metrics,
                signature=input.signature,
                run_id=input_id(input, "run_id", "Run") if input.run_id else None,
                run_artifact=input.run_artifact(),
                **input.training(),
            ),
        )

    @strawberry.mutation(
        description="Describe a version or add evaluation metrics (merged); its number, "
        "artifact and run stay. Contributors+."
    )
    async def model_version_update(
        self, info: Info, input: ModelVersionUpdateInput
    ) -> ModelVersionCreatePayload:
        return await mutate(
            info,
            ModelVersionCreatePayload,
            "model_version",
            lambda session, actor: version_service.model_version_update(
                session,
                actor,
                version_id=input_id(input, "model_version_id", "ModelVersion"),
                changes=provided(input, "description", "metrics"),
            ),
        )

    @strawberry.mutation(
        description="Move a version to a stage; promoting to PRODUCTION archives the previous one."
    )
    async def model_version_transition(
        self, info: Info, input: ModelVersionTransitionInput
    ) -> ModelVersionTransitionPayload:
        return await mutate(
            info,
            ModelVersionTransitionPayload,
            "model_version",
            lambda session, actor: governance.governed_transition(
                session,
                actor,
                version_id=input_id(input, "model_version_id", "ModelVersion"),
                stage=input.stage,
            ),
            row_of=lambda result: result.version,
            extra=lambda result: {
                "archived_version": ModelVersion.from_row(result.archived)
                if result and result.archived
                else None
            },
        )
