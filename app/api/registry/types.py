"""Registry types: projects, models, model versions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.aggregates import (
    AGGREGATE_DESCRIPTION,
    AGGREGATE_REASON,
    AggregateGroup,
    aggregate,
)
from app.api.builds.enums import BuildStatus
from app.api.builds.lists import ARTIFACT_BUILDS_OF_PROJECT
from app.api.datasets.enums import ChecksumAlgorithm
from app.api.datasets.lineage import LINEAGE_IN_SQL, lineage_field
from app.api.datasets.lists import DATASETS_OF_PROJECT
from app.api.datasets.types import DatasetFilterInput
from app.api.errors import ClientError
from app.api.evaluations.lists import EVALUATIONS_OF_MODEL_VERSION
from app.api.experiments.enums import RunOrder
from app.api.experiments.lists import EXPERIMENTS_OF_PROJECT, RUNS_OF_PROJECT, runs_query
from app.api.experiments.run_filter import ExperimentFilterInput, RunFilterInput
from app.api.governance.lists import GATES_OF_MODEL, REQUESTS_OF_VERSION
from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.declare import Built, Lookup, filtered_query, status_query
from app.api.graph.fields import PAGING, children, related
from app.api.graph.sql_text import scalar_json
from app.api.health.lists import HEALTH_RULES_OF_PROJECT
from app.api.ids import decode_any, filter_ids
from app.api.lists import load_row
from app.api.loaders.list_spec import StatusFilter
from app.api.monitoring.lists import ALERT_RULES_OF_PROJECT
from app.api.node import Node
from app.api.orders import CreatedOrder, NamedOrder
from app.api.patterns.enums import PatternJobStatus
from app.api.patterns.lists import PATTERN_JOBS_OF_PROJECT
from app.api.pipelines.enums import PipelineStatus
from app.api.pipelines.enums import WorkflowType as PipelineWorkflowType
from app.api.pipelines.lists import PIPELINES_OF_PROJECT, pipelines_query
from app.api.registry.enums import (
    Framework,
    ModelOrder,
    ModelStage,
    ModelType,
    ServeType,
    SyncState,
    TaskType,
    TrainingStatus,
)
from app.api.registry.lists import (
    ALIASES_OF_MODEL,
    EVENTS_OF_ALIAS,
    MEMBERS_OF_PROJECT,
    MODELS_OF_PROJECT,
    REGISTRY_LINKS_OF_MODEL,
    REGISTRY_LINKS_OF_VERSION,
    VERSIONS_OF_MODEL,
    ModelFilter,
    registry_links_query,
    versions_query,
)
from app.api.serving.lists import (
    DEPLOYMENTS_OF_PROJECT,
    DEPLOYMENTS_OF_VERSION,
    ENDPOINTS_OF_MODEL,
    WORKFLOW_CONFIGS_OF_MODEL,
    WORKFLOW_RUNS_OF_MODEL,
    DeploymentFilter,
)
from app.api.serving.types import ENDPOINT_LIST_ARGUMENTS, Deployment, DeploymentFilterInput
from app.api.serving.workflow_types import RUN_LIST_ARGUMENTS as WORKFLOW_RUN_LIST_ARGUMENTS
from app.api.sweeps.lists import SWEEPS_OF_PROJECT
from app.api.tenancy.enums import ProjectRole, ProjectVisibility
from app.api.training.aggregates import TrainingJobGroupBy, TrainingJobNumber
from app.api.training.enums import TrainingJobStatus
from app.api.training.lists import TRAINING_JOBS_OF_PROJECT
from app.domain.builds.models import ArtifactBuild as ArtifactBuildRow
from app.domain.experiments.models import Run as RunRow
from app.domain.registry.aliases import alias_version_at, production_version_at
from app.domain.registry.models import Model as ModelRow
from app.domain.registry.models import ModelAlias as ModelAliasRow
from app.domain.registry.models import ModelAliasEvent as ModelAliasEventRow
from app.domain.registry.models import ModelVersion as ModelVersionRow
from app.domain.serving.enums import DeploymentStatus
from app.domain.tenancy.models import Project as ProjectRow
from app.domain.tenancy.models import ProjectMember as ProjectMemberRow
from app.domain.training.enums import TrainingJobStatus as TrainingJobStatusValue
from app.domain.training.models import TrainingJob as TrainingJobRow

if TYPE_CHECKING:
    pass

MAX_SEARCH_LENGTH = 200


@strawberry.input(description="Filter models; all given conditions must hold.")
class ModelFilterInput:
    framework: list[Framework] | None = None
    model_type: list[ModelType] | None = None
    task_type: list[TaskType] | None = None
    tags: list[str] | None = strawberry.field(
        default=None, description="Models with all these tags."
    )
    search: str | None = strawberry.field(
        default=None, description="Full-text search over name and description (web syntax)."
    )
    created_by: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Made by one of these users."
    )

    def to_filter(self) -> ModelFilter:
        if self.search is not None and len(self.search) > MAX_SEARCH_LENGTH:
            raise ClientError(f"search must be at most {MAX_SEARCH_LENGTH} characters")
        if self.tags is not None and len(self.tags) > 20:
            raise ClientError("tags takes at most 20 entries")
        return ModelFilter(
            frameworks=tuple(f.value for f in self.framework or []),
            model_types=tuple(t.value for t in self.model_type or []),
            task_types=tuple(t.value for t in self.task_type or []),
            tags=tuple(sorted(set(self.tags or []))),
            search=(self.search or "").strip() or None,
            creators=filter_ids(self.created_by, "User", "createdBy"),
        )


# The arguments of every list of registry links (of a model, of a version).
REGISTRY_LINK_LIST_ARGUMENTS = [
    *PAGING,
    ("registry", list[str] | None, None),
    ("sync_state", list[SyncState] | None, None),
    ("order_by", CreatedOrder, CreatedOrder.CREATED_ASC),
]


@from_declaration(ProjectRow, python={"trainingJobAggregate": AGGREGATE_REASON})
@strawberry.type(description="A project groups models and their deployments.")
class Project(Node, FromRow):
    slug: str
    name: str
    description: str | None
    settings: JSON = strawberry.field(description="Free-form settings for tools (projectUpdate).")
    visibility: ProjectVisibility = strawberry.field(
        description="PRIVATE: seen by its project members and the organization's admins only. "
        "ORGANIZATION: by every member. PUBLIC: read by every member and key of the "
        "organization, written by no one until an owner sets its visibility back."
    )
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    organization_id: strawberry.Private[uuid.UUID]

    organization = related()

    members = children(
        MEMBERS_OF_PROJECT, description="Explicit project roles (on top of organization roles)."
    )

    models = children(
        MODELS_OF_PROJECT,
        [
            *PAGING,
            ("filter", ModelFilterInput | None, None),
            ("order_by", ModelOrder, ModelOrder.CREATED_ASC),
        ],
        query=filtered_query,
    )

    alert_rules = children(
        ALERT_RULES_OF_PROJECT,
        description="Alert rules of this project (project- or deployment-scoped).",
    )
    health_rules = children(
        HEALTH_RULES_OF_PROJECT,
        description="Training-health rules watching this project's runs.",
    )
    sweeps = children(
        SWEEPS_OF_PROJECT,
        [*PAGING, ("order_by", NamedOrder, NamedOrder.CREATED_DESC)],
        description="Sweeps over this project's experiments, newest first.",
    )
    datasets = children(
        DATASETS_OF_PROJECT,
        [
            *PAGING,
            ("filter", DatasetFilterInput | None, None),
            ("order_by", NamedOrder, NamedOrder.CREATED_ASC),
        ],
        query=filtered_query,
        description="Datasets of this project.",
    )
    pipelines = children(
        PIPELINES_OF_PROJECT,
        [
            *PAGING,
            ("status", list[PipelineStatus] | None, None),
            ("workflow_type", list[PipelineWorkflowType] | None, None),
            ("created_from", datetime | None, None),
            ("created_to", datetime | None, None),
            ("order_by", NamedOrder, NamedOrder.CREATED_ASC),
        ],
        query=pipelines_query,
        description="Pipelines of this project; `status` and `workflowType` keep those in "
        "any of the given ones.",
    )
    training_jobs = children(
        TRAINING_JOBS_OF_PROJECT,
        [
            *PAGING,
            ("status", list[TrainingJobStatus] | None, None),
            ("created_from", datetime | None, None),
            ("created_to", datetime | None, None),
            ("order_by", NamedOrder, NamedOrder.CREATED_DESC),
        ],
        query=status_query,
        description="Training jobs of this project, newest first; `status` keeps those in "
        "any of the given states.",
    )

    pattern_jobs = children(
        PATTERN_JOBS_OF_PROJECT,
        [
            *PAGING,
            ("status", list[PatternJobStatus] | None, None),
            ("created_from", datetime | None, None),
            ("created_to", datetime | None, None),
            ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC),
        ],
        query=status_query,
        description="Pattern searches over the project's dataset versions, newest first.",
    )

    @strawberry.field(description=AGGREGATE_DESCRIPTION + " Over `trainingJobs`.")
    async def training_job_aggregate(
        self,
        info: Info,
        status: list[TrainingJobStatus] | None = None,
        group_by: TrainingJobGroupBy | None = None,
        of: TrainingJobNumber | None = None,
    ) -> list[AggregateGroup]:
        statuses = tuple(s.value for s in status or ())
        list_filter = StatusFilter(statuses) if statuses else None
        return await aggregate(
            info, TRAINING_JOBS_OF_PROJECT, self.db_id, list_filter, group_by, of
        )

    artifact_builds = children(
        ARTIFACT_BUILDS_OF_PROJECT,
        [
            *PAGING,
            ("status", list[BuildStatus] | None, None),
            ("created_from", datetime | None, None),
            ("created_to", datetime | None, None),
            ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC),
        ],
        query=status_query,
        description="Artifact builds of this project's versions, newest first.",
    )
    experiments = children(
        EXPERIMENTS_OF_PROJECT,
        [
            *PAGING,
            ("filter", ExperimentFilterInput | None, None),
            ("order_by", NamedOrder, NamedOrder.CREATED_ASC),
        ],
        query=filtered_query,
        description="Experiments of this project.",
    )
    runs = children(
        RUNS_OF_PROJECT,
        [
            *PAGING,
            ("filter", RunFilterInput | None, None),
            ("order_by", RunOrder, RunOrder.CREATED_DESC),
            ("order_key", str | None, None),
        ],
        query=runs_query,
        description="Every run of the project's experiments: filter and order them as "
        "Experiment.runs (the run query language; METRIC_* by a summary's index).",
    )
    deployments = children(
        DEPLOYMENTS_OF_PROJECT,
        [
            *PAGING,
            ("filter", DeploymentFilterInput | None, None),
            ("order_by", NamedOrder, NamedOrder.CREATED_ASC),
        ],
        query=filtered_query,
        description="Deployments of every model of this project.",
    )


@from_declaration(ProjectMemberRow)
@strawberry.type(description="A user's role in one project.")
class ProjectMember(FromRow):
    role: ProjectRole
    created_at: datetime
    user_id: strawberry.Private[uuid.UUID]

    user = related()


@from_declaration(
    ModelRow,
    python={
        "alias": "time travel: the alias's latest move at or before an instant",
        "activeDeployment": "the deployment taking the most traffic in the environment "
        "the argument names (a loader's query per model and environment)",
    },
)
@strawberry.type(description="A registered model; its versions move through stages.")
class Model(Node, FromRow):
    name: str
    description: str | None
    model_type: ModelType
    framework: Framework
    task_type: TaskType | None
    serve_type: ServeType = strawberry.field(
        description="API (deployments behind endpoints) or WORKFLOW (workflowConfigs)."
    )
    tags: list[str]
    metadata: JSON
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID | None]

    project = related()
    created_by = related(description="Who made it (null: a user since removed, or a key's tool).")
    versions = children(
        VERSIONS_OF_MODEL,
        [
            *PAGING,
            ("stage", list[ModelStage] | None, None),
            ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC),
        ],
        query=versions_query,
        description="Versions, newest first by default.",
    )

    @strawberry.field(
        description="The active deployment of this model in an environment (the one taking "
        "the most traffic), if any."
    )
    async def active_deployment(
        self, info: Info, environment_id: strawberry.ID
    ) -> Deployment | None:
        decoded = decode_any(environment_id)
        if decoded is None or decoded[0] != "Environment":
            return None
        row = await info.context.loaders.active_deployment.load((self.db_id, decoded[1]))
        return Deployment.from_row(row) if row else None

    production_version = related(
        lookup=Lookup(
            ModelVersionRow,
            "model_id",
            lambda version: [version.stage == ModelStage.PRODUCTION.value],
        ),
        description="The version in production, if any (at most one); with `at`, the one "
        "in production at that instant (from the model's production history).",
        history=production_version_at,
    )
    endpoints = children(
        ENDPOINTS_OF_MODEL,
        ENDPOINT_LIST_ARGUMENTS,
        query=status_query,
        description="Where this model is served: one endpoint per environment.",
    )
    workflow_configs = children(
        WORKFLOW_CONFIGS_OF_MODEL,
        [*PAGING, ("order_by", CreatedOrder, CreatedOrder.CREATED_ASC)],
        description="A WORKFLOW serve's head and worker nodes and schedule, per environment.",
    )
    workflow_runs = children(
        WORKFLOW_RUNS_OF_MODEL,
        WORKFLOW_RUN_LIST_ARGUMENTS,
        query=status_query,
        description="A WORKFLOW serve's runs in every environment, newest first.",
    )
    registry_links = children(
        REGISTRY_LINKS_OF_MODEL,
        REGISTRY_LINK_LIST_ARGUMENTS,
        query=registry_links_query,
        description="This model (and its versions) in external registries.",
    )
    aliases = children(
        ALIASES_OF_MODEL,
        description="Movable names for versions (champion, challenger...), by name.",
    )
    promotion_gates = children(
        GATES_OF_MODEL,
        description="What moving a version to a stage or pointing an alias needs.",
    )

    @strawberry.field(
        description="The version the alias points at now, or at instant `at` (from its "
        "history); null if there is no such alias (or it did not exist yet)."
    )
    async def alias(self, info: Info, name: str, at: datetime | None = None) -> ModelVersion | None:
        if len(name) > 63:
            return None
        async with info.context.read_session_factory() as session:
            alias_id, current = (
                await session.execute(
                    select(ModelAliasRow.id, ModelAliasRow.model_version_id).where(
                        ModelAliasRow.model_id == self.db_id, ModelAliasRow.name == name
                    )
                )
            ).one_or_none() or (None, None)
            if alias_id is None:
                return None
            version_id = current if at is None else await alias_version_at(session, alias_id, at)
        row = await load_row(info, ModelVersionRow, version_id)
        return ModelVersion.from_row(row) if row else None


@from_declaration(ModelAliasRow)
@strawberry.type(description="A movable name for a version of a model, with its history.")
class ModelAlias(Node, FromRow):
    name: str
    protected: bool = strawberry.field(description="Only organization admins move it.")
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    model_id: strawberry.Private[uuid.UUID]
    model_version_id: strawberry.Private[uuid.UUID]

    model = related()
    model_version = related(description="Where it points.")
    history = children(
        EVENTS_OF_ALIAS,
        [*PAGING, ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC)],
        description="Every move, newest first: from, to, who, when.",
    )


@from_declaration(ModelAliasEventRow)
@strawberry.type(description="One move of an alias.")
class ModelAliasEvent(FromRow):
    created_at: datetime
    from_version_id: strawberry.Private[uuid.UUID | None]
    to_version_id: strawberry.Private[uuid.UUID | None]
    actor_user_id: strawberry.Private[uuid.UUID | None]

    from_version = related()
    to_version = related()
    actor = related(column="actor_user_id")


def training_status_sql(run: Any, parent: Any, alias: str, nodes: Any) -> str:
    """``ModelVersion.trainingStatus`` on the compiled path: the resolver's rule over the
    same rows — its stage, an ACTIVE deployment the caller sees (DEPLOYMENTS_OF_VERSION's
    conditions) and its training job if the caller sees it."""
    S, J = TrainingStatus, TrainingJobStatusValue

    def name(status: TrainingStatus) -> str:
        return f"'\"{status.name}\"'"

    active = run.any_child(DEPLOYMENTS_OF_VERSION, alias, ACTIVE_DEPLOYMENTS)
    job = run.emitter.alias()
    of_job = (
        f"SELECT CASE WHEN {job}.status = '{J.SUCCEEDED.value}' THEN {name(S.READY)} "
        f"WHEN {job}.status IN ('{J.FAILED.value}', '{J.CANCELLED.value}') "
        f"THEN {name(S.FAILED)} ELSE {name(S.TRAINING)} END FROM training_jobs {job} "
        f"WHERE {job}.id = {alias}.training_job_id AND {run.visible(TrainingJobRow, job)}"
    )
    return (
        f"(CASE WHEN {alias}.stage = '{ModelStage.ARCHIVED.value}' THEN {name(S.ARCHIVED)} "
        f"WHEN {active} THEN {name(S.DEPLOYED)} "
        f"ELSE coalesce(({of_job}), {name(S.READY)}) END)"
    )


def training_duration_sql(run: Any, parent: Any, alias: str, nodes: Any) -> str:
    """``ModelVersion.trainingDurationSeconds`` on the compiled path: its training job's
    run time if the caller sees the job (null until it ended), else its run's."""
    job, other = run.emitter.alias(), run.emitter.alias()
    seen_job = (
        f"FROM training_jobs {job} WHERE {job}.id = {alias}.training_job_id "
        f"AND {run.visible(TrainingJobRow, job)}"
    )
    of_run = (
        f"SELECT (extract(epoch FROM {other}.ended_at - {other}.started_at))::float8 "
        f"FROM runs {other} WHERE {other}.id = {alias}.run_id AND {run.visible(RunRow, other)}"
    )
    seconds = (
        f"(CASE WHEN EXISTS (SELECT 1 {seen_job}) THEN (SELECT (extract(epoch FROM "
        f"{job}.ended_at - {job}.started_at))::float8 {seen_job}) ELSE ({of_run}) END)"
    )
    return scalar_json(parent.fields[nodes[0].name.value].type, seconds)


ACTIVE_DEPLOYMENTS = DeploymentFilter(statuses=(DeploymentStatus.ACTIVE.value,))


async def _training(info: Info, job_id: uuid.UUID | None) -> Any:
    return await info.context.loaders.by_id(TrainingJobRow).load(job_id) if job_id else None


@from_declaration(
    ModelVersionRow,
    built={
        "trainingStatus": Built(training_status_sql),
        "trainingDurationSeconds": Built(training_duration_sql),
    },
    python={"lineage": LINEAGE_IN_SQL},
)
@strawberry.type(description="One version of a model: artifact, metrics and stage.")
class ModelVersion(Node, FromRow):
    version: str
    stage: ModelStage
    description: str | None
    artifact_uri: str | None
    artifact_size_bytes: float | None = strawberry.field(
        description="Artifact size in bytes (a Float: sizes can exceed 32-bit Int)."
    )
    metrics: JSON
    signature: JSON | None
    stage_changed_at: datetime | None
    artifact_purged_at: datetime | None = strawberry.field(
        description="When retention removed its run files (archived longer than the "
        "organization's archivedArtifactsDays); its artifactUri names files gone since."
    )
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    model_id: strawberry.Private[uuid.UUID]
    run_id: strawberry.Private[uuid.UUID | None]
    created_by_id: strawberry.Private[uuid.UUID | None]
    checksum_algorithm: ChecksumAlgorithm | None
    checksum: str | None = strawberry.field(description="The artifact's lower-case hex digest.")
    hyperparameters: JSON = strawberry.field(
        description="What it was trained with (by default its run's params)."
    )
    training_job_id: strawberry.Private[uuid.UUID | None]

    model = related()
    created_by = related(description="Who made it (null: a user since removed, or a key's tool).")

    run = related(description="The training run that produced this version (lineage).")
    training_job = related(description="The training job that made it.")

    @strawberry.field(
        description="TRAINING while its training job has not ended, READY once it succeeded "
        "(or without a job), DEPLOYED while a deployment of it is ACTIVE, ARCHIVED in that "
        "stage, FAILED when its job failed or was cancelled."
    )
    async def training_status(self, info: Info) -> TrainingStatus:
        if self.stage is ModelStage.ARCHIVED:
            return TrainingStatus.ARCHIVED
        counted = (self.db_id, ACTIVE_DEPLOYMENTS)
        if await info.context.loaders.count(DEPLOYMENTS_OF_VERSION).load(counted):
            return TrainingStatus.DEPLOYED
        job = await _training(info, self.training_job_id)
        if job is None or job.status == TrainingJobStatus.SUCCEEDED.value:
            return TrainingStatus.READY
        if job.status in (TrainingJobStatus.FAILED.value, TrainingJobStatus.CANCELLED.value):
            return TrainingStatus.FAILED
        return TrainingStatus.TRAINING

    @strawberry.field(
        description="How long its training took: its training job's run time, else its "
        "run's (null until that ended)."
    )
    async def training_duration_seconds(self, info: Info) -> float | None:
        timed = await _training(info, self.training_job_id)
        if timed is None and self.run_id is not None:
            timed = await info.context.loaders.by_id(RunRow).load(self.run_id)
        if timed is None or timed.started_at is None or timed.ended_at is None:
            return None
        return float((timed.ended_at - timed.started_at).total_seconds())

    deployments = children(
        DEPLOYMENTS_OF_VERSION,
        [
            *PAGING,
            ("filter", DeploymentFilterInput | None, None),
            ("order_by", NamedOrder, NamedOrder.CREATED_ASC),
        ],
        query=filtered_query,
    )
    artifact_build = related(
        lookup=Lookup(ArtifactBuildRow, "model_version_id"),
        description="This version's serving image build, if one was asked for.",
    )
    registry_links = children(
        REGISTRY_LINKS_OF_VERSION,
        REGISTRY_LINK_LIST_ARGUMENTS,
        query=registry_links_query,
        description="This version in external registries.",
    )
    evaluations = children(
        EVALUATIONS_OF_MODEL_VERSION,
        [*PAGING, ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC)],
        description="Its evaluation runs on dataset versions, newest first.",
    )
    promotion_requests = children(
        REQUESTS_OF_VERSION,
        description="Requests to move this version through a gate, newest first.",
    )
    lineage = lineage_field("ModelVersion")
