"""Pipeline mutations (contributors+): pipelines (create, retire) with their DAG of steps, runs,
and the runs' status and steps."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.errors import UserError
from app.api.graph.payloads import mutate
from app.api.ids import decode_id, input_id
from app.api.pipelines.enums import (
    Orchestrator,
    PipelineRunStatus,
    PipelineStatus,
    PipelineStepKind,
    PipelineStepStatus,
    WorkflowType,
)
from app.api.pipelines.types import Pipeline, PipelineRun
from app.api.training.mutations import TrainingResourcesInput
from app.domain.pipelines import services
from app.domain.pipelines.rules import Step
from app.domain.pipelines.services import EvaluationTemplate, JobTemplate, PipelineLinks


@strawberry.input(description="The training job a TRAINING_JOB step creates when it starts.")
class TrainingJobTemplateInput:
    environment_id: strawberry.ID
    image: str | None = None
    entry_point: str | None = None
    config: JSON | None = None
    resources: TrainingResourcesInput = strawberry.field(default_factory=TrainingResourcesInput)


@strawberry.input(description="What an EVALUATION step evaluates, and on what.")
class EvaluationTemplateInput:
    model_version_id: strawberry.ID
    dataset_version_id: strawberry.ID


@strawberry.input
class PipelineStepInput:
    name: str = strawberry.field(description="Unique in the pipeline; letters, digits, _.-")
    kind: PipelineStepKind
    depends_on: list[str] = strawberry.field(default_factory=list)
    config: JSON | None = strawberry.field(
        default=None, description="Anything the orchestrator needs (bounded JSON)."
    )
    training_job: TrainingJobTemplateInput | None = strawberry.field(
        default=None, description="Required on TRAINING_JOB steps, and only there."
    )
    evaluation: EvaluationTemplateInput | None = strawberry.field(
        default=None,
        description="On an EVALUATION step: the evaluation run it makes when it starts.",
    )


@strawberry.input
class PipelineCreateInput:
    project_id: strawberry.ID
    name: str
    orchestrator: Orchestrator
    workflow_id: str | None = strawberry.field(
        default=None,
        description="The orchestrator's id for the workflow; unique with the orchestrator and "
        "namespace.",
    )
    namespace: str | None = None
    steps: list[PipelineStepInput] = strawberry.field(
        description="A DAG: duplicate names, unknown dependencies and cycles are userErrors."
    )
    status: PipelineStatus = strawberry.field(
        default=PipelineStatus.ACTIVE,
        description="DRAFT (no run starts until it is activated) or ACTIVE.",
    )
    workflow_type: WorkflowType = WorkflowType.GENERIC
    dataset_id: strawberry.ID | None = strawberry.field(
        default=None, description="The dataset it works on (same project)."
    )
    model_id: strawberry.ID | None = strawberry.field(
        default=None, description="The model it trains or serves (same project)."
    )
    experiment_id: strawberry.ID | None = strawberry.field(
        default=None, description="The experiment it runs (same project)."
    )

    def links(self) -> PipelineLinks:
        return PipelineLinks(
            dataset_id=input_id(self, "dataset_id", "Dataset") if self.dataset_id else None,
            model_id=input_id(self, "model_id", "Model") if self.model_id else None,
            experiment_id=input_id(self, "experiment_id", "Experiment")
            if self.experiment_id
            else None,
        )


@strawberry.input
class PipelineTransitionInput:
    pipeline_id: strawberry.ID
    status: PipelineStatus


@strawberry.input
class PipelineRunCreateInput:
    pipeline_id: strawberry.ID
    max_retries: int = strawberry.field(default=0, description="0 to 10.")


@strawberry.input
class PipelineRunTransitionInput:
    pipeline_run_id: strawberry.ID
    status: PipelineRunStatus
    error_message: str | None = strawberry.field(default=None, description="With FAILED only.")


@strawberry.input
class PipelineRunStepUpdateInput:
    pipeline_run_id: strawberry.ID
    step: str
    status: PipelineStepStatus


@strawberry.type
class PipelinePayload:
    pipeline: Pipeline | None
    user_errors: list[UserError]


@strawberry.type
class PipelineRunPayload:
    pipeline_run: PipelineRun | None
    user_errors: list[UserError]


def _evaluation(value: EvaluationTemplateInput | None, index: int) -> EvaluationTemplate | None:
    if value is None:
        return None
    at = ["steps", str(index), "evaluation"]
    return EvaluationTemplate(
        decode_id(value.model_version_id, "ModelVersion", [*at, "model_version_id"]),
        decode_id(value.dataset_version_id, "DatasetVersion", [*at, "dataset_version_id"]),
    )


def _template(value: TrainingJobTemplateInput | None, index: int) -> JobTemplate | None:
    if value is None:
        return None
    r = value.resources
    field = ["steps", str(index), "training_job", "environment_id"]
    return JobTemplate(
        environment_id=decode_id(value.environment_id, "Environment", field),
        image=value.image,
        entry_point=value.entry_point,
        config=value.config,
        cpu=r.cpu,
        memory_mb=r.memory_mb,
        gpus=r.gpus,
        gpu_type=r.gpu_type,
        use_gpu=r.use_gpu,
    )


@strawberry.input
class PipelineDeleteInput:
    pipeline_id: strawberry.ID


@strawberry.type
class PipelineDeletePayload:
    pipeline: Pipeline | None
    user_errors: list[UserError]


@strawberry.type
class PipelineMutations:
    @strawberry.mutation(description="Create a pipeline whose steps form a DAG. Contributors+.")
    async def pipeline_create(self, info: Info, input: PipelineCreateInput) -> PipelinePayload:
        return await mutate(
            info,
            PipelinePayload,
            "pipeline",
            lambda session, actor: services.pipeline_create(
                session,
                actor,
                project_id=input_id(input, "project_id", "Project"),
                name=input.name,
                orchestrator=input.orchestrator,
                workflow_id=input.workflow_id,
                namespace=input.namespace,
                steps=[
                    Step(s.name, s.kind, tuple(dict.fromkeys(s.depends_on))) for s in input.steps
                ],
                step_configs=[s.config for s in input.steps],
                templates=[_template(s.training_job, i) for i, s in enumerate(input.steps)],
                evaluations=[_evaluation(s.evaluation, i) for i, s in enumerate(input.steps)],
                status=input.status,
                workflow_type=input.workflow_type,
                links=input.links(),
            ),
        )

    @strawberry.mutation(
        description="DRAFT → ACTIVE → ARCHIVED (a draft may be archived, an archived "
        "pipeline activated again); only ACTIVE pipelines start runs. Contributors+."
    )
    async def pipeline_transition(
        self, info: Info, input: PipelineTransitionInput
    ) -> PipelinePayload:
        return await mutate(
            info,
            PipelinePayload,
            "pipeline",
            lambda session, actor: services.pipeline_transition(
                session,
                actor,
                pipeline_id=input_id(input, "pipeline_id", "Pipeline"),
                status=input.status,
            ),
        )

    @strawberry.mutation(
        description="Retire a pipeline once none of its runs is under way. Contributors+."
    )
    async def pipeline_delete(
        self, info: Info, input: PipelineDeleteInput
    ) -> PipelineDeletePayload:
        return await mutate(
            info,
            PipelineDeletePayload,
            "pipeline",
            lambda session, actor: services.pipeline_delete(
                session, actor, pipeline_id=input_id(input, "pipeline_id", "Pipeline")
            ),
        )

    @strawberry.mutation(description="Start a run of a pipeline (CREATED). Contributors+.")
    async def pipeline_run_create(
        self, info: Info, input: PipelineRunCreateInput
    ) -> PipelineRunPayload:
        return await mutate(
            info,
            PipelineRunPayload,
            "pipeline_run",
            lambda session, actor: services.pipeline_run_create(
                session,
                actor,
                pipeline_id=input_id(input, "pipeline_id", "Pipeline"),
                max_retries=input.max_retries,
            ),
        )

    @strawberry.mutation(
        description="Move a run: CREATED → PENDING → RUNNING → SUCCEEDED (every step "
        "succeeded) | FAILED; FAILED → RETRYING → RUNNING while retries are left; CANCELLED "
        "from any state that is not final. Contributors+."
    )
    async def pipeline_run_transition(
        self, info: Info, input: PipelineRunTransitionInput
    ) -> PipelineRunPayload:
        return await mutate(
            info,
            PipelineRunPayload,
            "pipeline_run",
            lambda session, actor: services.pipeline_run_transition(
                session,
                actor,
                run_id=input_id(input, "pipeline_run_id", "PipelineRun"),
                status=input.status,
                error_message=input.error_message,
            ),
        )

    @strawberry.mutation(
        description="Move one step of a running run; a step starts only once every step it "
        "depends on has succeeded. Contributors+."
    )
    async def pipeline_run_step_update(
        self, info: Info, input: PipelineRunStepUpdateInput
    ) -> PipelineRunPayload:
        return await mutate(
            info,
            PipelineRunPayload,
            "pipeline_run",
            lambda session, actor: services.pipeline_run_step_update(
                session,
                actor,
                run_id=input_id(input, "pipeline_run_id", "PipelineRun"),
                step=input.step,
                status=input.status,
            ),
        )
