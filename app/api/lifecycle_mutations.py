"""Changing and retiring what users made (issue 13): environments, experiments, runs,
deployments, datasets and pipelines. Retiring is a soft delete with the cascade each
entity documents; each mutation has its permission rule and writes an audit row."""

from __future__ import annotations

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.datasets.types import Dataset
from app.api.enums import ExperimentStatus
from app.api.errors import UserError
from app.api.experiments.types import Experiment, Run
from app.api.graph.payloads import mutate
from app.api.ids import decode_id
from app.api.inputs import provided
from app.api.pipelines.types import Pipeline
from app.api.serving.types import Deployment, Environment
from app.domain.datasets import services as datasets
from app.domain.experiments import services as experiments
from app.domain.pipelines import services as pipelines
from app.domain.serving import lifecycle
from app.domain.serving import services as serving


@strawberry.input
class EnvironmentUpdateInput:
    environment_id: strawberry.ID
    description: str | None = UNSET
    protected: bool | None = UNSET
    config: JSON | None = UNSET


@strawberry.input
class EnvironmentDeleteInput:
    environment_id: strawberry.ID


@strawberry.type
class EnvironmentPayload:
    environment: Environment | None
    user_errors: list[UserError]


@strawberry.input
class ExperimentTransitionInput:
    experiment_id: strawberry.ID
    status: ExperimentStatus


@strawberry.input(description="Only the fields given change.")
class ExperimentUpdateInput:
    experiment_id: strawberry.ID
    name: str | None = UNSET
    description: str | None = UNSET
    config: JSON | None = strawberry.field(default=UNSET, description="Replaces the config.")


@strawberry.input(description="Only the fields given change.")
class DatasetUpdateInput:
    dataset_id: strawberry.ID
    description: str | None = UNSET
    format: str | None = UNSET
    schema: JSON | None = UNSET
    tags: list[str] | None = strawberry.field(default=UNSET, description="Replaces the tags.")


@strawberry.type
class DatasetUpdatePayload:
    dataset: Dataset | None
    user_errors: list[UserError]


@strawberry.input
class ExperimentDeleteInput:
    experiment_id: strawberry.ID


@strawberry.type
class ExperimentPayload:
    experiment: Experiment | None
    user_errors: list[UserError]


@strawberry.input
class RunDeleteInput:
    run_id: strawberry.ID


@strawberry.type
class RunDeletePayload:
    run: Run | None
    user_errors: list[UserError]


@strawberry.input
class DeploymentDeleteInput:
    deployment_id: strawberry.ID


@strawberry.type
class DeploymentDeletePayload:
    deployment: Deployment | None
    user_errors: list[UserError]


@strawberry.input
class DatasetDeleteInput:
    dataset_id: strawberry.ID


@strawberry.type
class DatasetDeletePayload:
    dataset: Dataset | None
    user_errors: list[UserError]


@strawberry.input
class PipelineDeleteInput:
    pipeline_id: strawberry.ID


@strawberry.type
class PipelineDeletePayload:
    pipeline: Pipeline | None
    user_errors: list[UserError]


@strawberry.type
class LifecycleMutations:
    @strawberry.mutation(
        description="Change an environment's description, protection or "
        "config. Organization admins."
    )
    async def environment_update(
        self, info: Info, input: EnvironmentUpdateInput
    ) -> EnvironmentPayload:
        field = ["input", "environmentId"]
        return await mutate(
            info,
            EnvironmentPayload,
            "environment",
            lambda session, actor: serving.environment_update(
                session,
                actor,
                environment_id=decode_id(input.environment_id, "Environment", field),
                changes=provided(input, "description", "protected", "config"),
            ),
        )

    @strawberry.mutation(
        description="Retire an environment once every deployment in it is terminated or "
        "retired (soft delete; its name is free again). Organization admins."
    )
    async def environment_delete(
        self, info: Info, input: EnvironmentDeleteInput
    ) -> EnvironmentPayload:
        field = ["input", "environmentId"]
        return await mutate(
            info,
            EnvironmentPayload,
            "environment",
            lambda session, actor: serving.environment_delete(
                session,
                actor,
                environment_id=decode_id(input.environment_id, "Environment", field),
            ),
        )

    @strawberry.mutation(
        description="Rename (unique in the project), describe or replace the config of an "
        "experiment. Contributors+."
    )
    async def experiment_update(
        self, info: Info, input: ExperimentUpdateInput
    ) -> ExperimentPayload:
        field = ["input", "experimentId"]
        return await mutate(
            info,
            ExperimentPayload,
            "experiment",
            lambda session, actor: experiments.experiment_update(
                session,
                actor,
                experiment_id=decode_id(input.experiment_id, "Experiment", field),
                changes=provided(input, "name", "description", "config"),
            ),
        )

    @strawberry.mutation(
        description="Describe a dataset, set its format, schema or tags (its name and type "
        "stay). Contributors+."
    )
    async def dataset_update(self, info: Info, input: DatasetUpdateInput) -> DatasetUpdatePayload:
        field = ["input", "datasetId"]
        return await mutate(
            info,
            DatasetUpdatePayload,
            "dataset",
            lambda session, actor: datasets.dataset_update(
                session,
                actor,
                dataset_id=decode_id(input.dataset_id, "Dataset", field),
                changes=provided(input, "description", "format", "schema", "tags"),
            ),
        )

    @strawberry.mutation(
        description="ACTIVE → COMPLETED → ARCHIVED (or straight to ARCHIVED), and back to "
        "ACTIVE; an archived experiment takes no new runs. Contributors+."
    )
    async def experiment_transition(
        self, info: Info, input: ExperimentTransitionInput
    ) -> ExperimentPayload:
        field = ["input", "experimentId"]
        return await mutate(
            info,
            ExperimentPayload,
            "experiment",
            lambda session, actor: experiments.experiment_transition(
                session,
                actor,
                experiment_id=decode_id(input.experiment_id, "Experiment", field),
                status=input.status,
            ),
        )

    @strawberry.mutation(
        description="Retire an experiment and its runs (soft delete) once none is running. "
        "Contributors+."
    )
    async def experiment_delete(
        self, info: Info, input: ExperimentDeleteInput
    ) -> ExperimentPayload:
        field = ["input", "experimentId"]
        return await mutate(
            info,
            ExperimentPayload,
            "experiment",
            lambda session, actor: experiments.experiment_delete(
                session,
                actor,
                experiment_id=decode_id(input.experiment_id, "Experiment", field),
            ),
        )

    @strawberry.mutation(description="Retire a finished run (soft delete). Contributors+.")
    async def run_delete(self, info: Info, input: RunDeleteInput) -> RunDeletePayload:
        return await mutate(
            info,
            RunDeletePayload,
            "run",
            lambda session, actor: experiments.run_delete(
                session, actor, run_id=decode_id(input.run_id, "Run", ["input", "runId"])
            ),
        )

    @strawberry.mutation(
        description="Retire a deployment that is not serving (PENDING, FAILED or "
        "TERMINATED; soft delete). Contributors+; admins in a protected environment."
    )
    async def deployment_delete(
        self, info: Info, input: DeploymentDeleteInput
    ) -> DeploymentDeletePayload:
        field = ["input", "deploymentId"]
        return await mutate(
            info,
            DeploymentDeletePayload,
            "deployment",
            lambda session, actor: lifecycle.deployment_delete(
                session,
                actor,
                deployment_id=decode_id(input.deployment_id, "Deployment", field),
            ),
        )

    @strawberry.mutation(
        description="Retire a dataset and its versions (soft delete); runs and jobs keep "
        "the record of what they consumed. Contributors+."
    )
    async def dataset_delete(self, info: Info, input: DatasetDeleteInput) -> DatasetDeletePayload:
        field = ["input", "datasetId"]
        return await mutate(
            info,
            DatasetDeletePayload,
            "dataset",
            lambda session, actor: datasets.dataset_delete(
                session, actor, dataset_id=decode_id(input.dataset_id, "Dataset", field)
            ),
        )

    @strawberry.mutation(
        description="Retire a pipeline once none of its runs is under way. Contributors+."
    )
    async def pipeline_delete(
        self, info: Info, input: PipelineDeleteInput
    ) -> PipelineDeletePayload:
        field = ["input", "pipelineId"]
        return await mutate(
            info,
            PipelineDeletePayload,
            "pipeline",
            lambda session, actor: pipelines.pipeline_delete(
                session, actor, pipeline_id=decode_id(input.pipeline_id, "Pipeline", field)
            ),
        )
