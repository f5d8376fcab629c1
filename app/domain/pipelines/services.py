"""Pipelines (contributors+): a definition whose steps form a DAG, and runs that move
CREATED → PENDING → RUNNING → SUCCEEDED | FAILED, FAILED → RETRYING → RUNNING while
retries are left, CANCELLED from any state that is not final. A step starts only when
every step it depends on has succeeded; the run's current stage is the step that started
last."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import topics
from app.domain import validation as v
from app.domain.datasets.models import Dataset
from app.domain.environments.models import Environment
from app.domain.errors import DomainError, ErrorCode, ensure_transition, validation
from app.domain.evaluations.enums import EvaluationStatus
from app.domain.evaluations.services import check_evaluation, evaluation_run_create
from app.domain.experiments.models import Experiment
from app.domain.notifications.enums import Trigger
from app.domain.notifications.services import enqueue_notifications
from app.domain.pipelines.enums import (
    PIPELINE_TRANSITIONS,
    Orchestrator,
    PipelineStatus,
    StepKind,
    StepStatus,
    WorkflowType,
)
from app.domain.pipelines.enums import PipelineRunStatus as R
from app.domain.pipelines.models import Pipeline, PipelineRun
from app.domain.pipelines.rules import (
    MAX_RETRIES,
    STEP_TRANSITIONS,
    STEPS,
    Step,
    ensure_dag,
    ensure_run_transition,
    run_is_final,
)
from app.domain.registry.models import Model
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import ensure_in_project, get_visible, project_lookup
from app.domain.tenancy.projects import get_contributable, require_project_access
from app.domain.tenancy.visibility import visible_conditions
from app.domain.training.rules import ensure_resources
from app.domain.training.services import MAX_ENTRY_POINT, MAX_REFERENCE, training_job_create


@dataclass(frozen=True)
class JobTemplate:
    """The training job a TRAINING_JOB step creates when it starts."""

    environment_id: uuid.UUID
    image: str | None = None
    entry_point: str | None = None
    config: Any = None
    cpu: float | None = None
    memory_mb: int | None = None
    gpus: int = 0
    gpu_type: str | None = None
    use_gpu: bool = False

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "environment_id": str(self.environment_id)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobTemplate:
        return cls(**{**data, "environment_id": uuid.UUID(data["environment_id"])})


async def _check_template(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, t: JobTemplate, index: int
) -> None:
    """What can be checked when the pipeline is written (the GPU catalogue is checked when
    the step starts: it may change in between)."""
    field = [*STEPS, str(index), "training_job"]
    environment = await get_visible(
        session,
        Environment,
        t.environment_id,
        actor,
        what="environment",
        field=[*field, "environment_id"],
    )
    if environment.organization_id != organization_id:
        raise DomainError(ErrorCode.NOT_FOUND, "environment not found", [*field, "environment_id"])
    image = v.command_word(t.image, [*field, "image"], MAX_REFERENCE)
    entry_point = v.command_word(t.entry_point, [*field, "entry_point"], MAX_ENTRY_POINT)
    if image is None and entry_point is None:
        raise validation("give an image or an entry point", [*field, "image"])
    if t.config is not None:
        v.json_object(t.config, [*field, "config"])  # bounded like a job's own config
    try:
        ensure_resources(t.cpu, t.memory_mb, t.gpus, t.gpu_type, t.use_gpu)
    except DomainError as error:  # the same rule, under this step's path
        raise validation(error.message, [*field, *(error.field or [])]) from error


@dataclass(frozen=True)
class EvaluationTemplate:
    """The evaluation run an EVALUATION step makes when it starts: this model version on
    this dataset version (ids as given; checked when the pipeline is written and again,
    as the caller then, when the step starts)."""

    model_version_id: uuid.UUID
    dataset_version_id: uuid.UUID

    def as_json(self) -> dict[str, str]:
        return {
            "modelVersionId": str(self.model_version_id),
            "datasetVersionId": str(self.dataset_version_id),
        }


async def pipeline_create(
    session: AsyncSession,
    actor: Actor,
    *,
    project_id: uuid.UUID | None,
    name: str,
    orchestrator: Orchestrator,
    workflow_id: str | None,
    namespace: str | None,
    steps: Sequence[Step],
    step_configs: Sequence[Any],
    templates: Sequence[JobTemplate | None],
    evaluations: Sequence[EvaluationTemplate | None] = (),
    status: PipelineStatus = PipelineStatus.ACTIVE,
    workflow_type: WorkflowType = WorkflowType.GENERIC,
    links: PipelineLinks | None = None,
) -> Pipeline:
    project = await require_project_access(
        session,
        actor,
        project_id,
        ProjectRole.CONTRIBUTOR,
        what="project",
        field=["project_id"],
    )
    name = v.name(name, ["name"])
    if status is PipelineStatus.ARCHIVED:
        raise validation("a pipeline starts DRAFT or ACTIVE", ["status"])
    links = links or PipelineLinks()
    await links.check(session, actor, project.id)
    order = ensure_dag(steps)
    workflow = v.name(workflow_id, ["workflow_id"], 256) if workflow_id else None
    space = v.name(namespace, ["namespace"], 128) if namespace else ""
    live = (Pipeline.organization_id == project.organization_id, Pipeline.deleted_at.is_(None))
    if await session.scalar(
        select(Pipeline.id).where(*live, Pipeline.project_id == project.id, Pipeline.name == name)
    ):
        raise DomainError(ErrorCode.CONFLICT, "this project has a pipeline of this name", ["name"])
    if workflow is not None and await session.scalar(
        select(Pipeline.id).where(
            *live,
            Pipeline.orchestrator == orchestrator.value,
            Pipeline.workflow_id == workflow,
            Pipeline.namespace == space,
            *visible_conditions(Pipeline, actor.hidden),  # a hidden one is no oracle
        )
    ):
        raise DomainError(
            ErrorCode.CONFLICT,
            "another pipeline is this workflow (orchestrator, workflow id and namespace)",
            ["workflow_id"],
        )
    for index, (step, template) in enumerate(zip(steps, templates, strict=True)):
        if (step.kind is StepKind.TRAINING_JOB) != (template is not None):
            raise validation(
                "a TRAINING_JOB step, and only one, has a trainingJob template",
                [*STEPS, str(index), "training_job"],
            )
        if template is not None:
            await _check_template(session, actor, project.organization_id, template, index)
    evaluations = list(evaluations) or [None] * len(steps)
    for index, (step, evaluation) in enumerate(zip(steps, evaluations, strict=True)):
        if evaluation is None:
            continue
        at = (*STEPS, str(index), "evaluation")
        if step.kind is not StepKind.EVALUATION:
            raise validation("only an EVALUATION step has an evaluation", list(at))
        await check_evaluation(session, actor, evaluation.model_version_id,
                               evaluation.dataset_version_id, at)  # fmt: skip
    definition = {
        "steps": [
            {
                "name": step.name,
                "kind": step.kind.value,
                "dependsOn": list(step.depends_on),
                "config": v.json_object(config, [*STEPS, str(i), "config"])
                if config is not None
                else {},
                **({"trainingJob": template.as_json()} if template is not None else {}),
                **({"evaluation": evaluation.as_json()} if evaluation is not None else {}),
            }
            for i, (step, config, template, evaluation) in enumerate(
                zip(steps, step_configs, templates, evaluations, strict=True)
            )
        ],
        "order": order,
    }
    pipeline = Pipeline(
        organization_id=project.organization_id,
        project_id=project.id,
        name=name,
        orchestrator=orchestrator.value,
        workflow_id=workflow,
        namespace=space,
        definition=definition,
        created_by_id=actor.user_id,
        status=status.value,
        workflow_type=workflow_type.value,
        dataset_id=links.dataset_id,
        model_id=links.model_id,
        experiment_id=links.experiment_id,
    )
    session.add(pipeline)
    await session.flush()
    record_audit(
        session, actor, "pipeline.create", pipeline, details={"name": name, "steps": order}
    )
    return pipeline


@dataclass(frozen=True)
class PipelineLinks:
    """What a pipeline works on: a dataset, a model, an experiment, each of its project."""

    dataset_id: uuid.UUID | None = None
    model_id: uuid.UUID | None = None
    experiment_id: uuid.UUID | None = None

    async def check(self, session: AsyncSession, actor: Actor, project_id: uuid.UUID) -> None:
        for row_id, model, name, what in (
            (self.dataset_id, Dataset, "dataset_id", "dataset"),
            (self.model_id, Model, "model_id", "model"),
            (self.experiment_id, Experiment, "experiment_id", "experiment"),
        ):
            if row_id is not None:
                lookup = project_lookup(model, what)
                await ensure_in_project(session, actor, lookup, row_id, project_id, name, what)


async def pipeline_transition(
    session: AsyncSession, actor: Actor, *, pipeline_id: uuid.UUID | None, status: PipelineStatus
) -> Pipeline:
    """DRAFT → ACTIVE → ARCHIVED (a draft may be archived; an archived one activated
    again). Runs already under way are not stopped. Contributors+."""
    field = ["pipeline_id"]
    pipeline = await get_contributable(
        session, Pipeline, pipeline_id, actor, what="pipeline", field=field, for_update=True
    )
    current = PipelineStatus(pipeline.status)
    ensure_transition("pipeline", current, status, PIPELINE_TRANSITIONS[current])
    pipeline.status = status.value
    await session.flush()
    record_audit(
        session, actor, f"pipeline.{status.value}", pipeline, details={"from": current.value}
    )
    return pipeline


async def pipeline_run_create(
    session: AsyncSession, actor: Actor, *, pipeline_id: uuid.UUID | None, max_retries: int
) -> PipelineRun:
    field = ["pipeline_id"]
    pipeline = await get_contributable(
        session, Pipeline, pipeline_id, actor, what="pipeline", field=field
    )
    if pipeline.status != PipelineStatus.ACTIVE.value:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"only an ACTIVE pipeline runs (this one is {pipeline.status.upper()}): "
            "activate it first",
            field,
        )
    if not 0 <= max_retries <= MAX_RETRIES:
        raise validation(f"maxRetries is 0 to {MAX_RETRIES}", ["max_retries"])
    run = await new_run(session, pipeline, max_retries, actor.user_id)
    record_audit(session, actor, "pipeline_run.create", run)
    return run


async def new_run(
    session: AsyncSession, pipeline: Pipeline, max_retries: int, created_by: uuid.UUID | None
) -> PipelineRun:
    """A CREATED run, every step PENDING (by hand, or by a schedule)."""
    run = PipelineRun(
        organization_id=pipeline.organization_id,
        pipeline_id=pipeline.id,
        status=R.CREATED.value,
        max_retries=max_retries,
        retry_count=0,
        steps=[
            {"name": name, "status": StepStatus.PENDING.value, "startedAt": None, "endedAt": None}
            for name in pipeline.definition["order"]
        ],
        created_by_id=created_by,
    )
    session.add(run)
    await session.flush()
    return run


async def _writable_run(
    session: AsyncSession, actor: Actor, run_id: uuid.UUID | None
) -> tuple[PipelineRun, Pipeline]:
    field = ["pipeline_run_id"]
    run = await get_visible(
        session, PipelineRun, run_id, actor, what="pipeline run", field=field, for_update=True
    )
    pipeline = await session.get_one(Pipeline, run.pipeline_id)
    await require_project_access(
        session,
        actor,
        pipeline.project_id,
        ProjectRole.CONTRIBUTOR,
        what="pipeline run",
        field=field,
    )
    return run, pipeline


async def pipeline_run_transition(
    session: AsyncSession,
    actor: Actor,
    *,
    run_id: uuid.UUID | None,
    status: R,
    error_message: str | None,
) -> PipelineRun:
    run, pipeline = await _writable_run(session, actor, run_id)
    current = R(run.status)
    ensure_run_transition(current, status, run.retry_count, run.max_retries)
    if error_message is not None and status is not R.FAILED:
        raise validation("an error message goes with FAILED only", ["error_message"])
    if status is R.SUCCEEDED:
        unfinished = [s["name"] for s in run.steps if s["status"] != StepStatus.SUCCEEDED.value]
        if unfinished:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                f"steps not succeeded yet: {', '.join(unfinished)}",
                ["status"],
            )
    now = datetime.now(UTC)
    if status is R.RETRYING:
        run.retry_count += 1
    if status is R.RUNNING and run.started_at is None:
        run.started_at = now
    if status in (R.SUCCEEDED, R.CANCELLED, R.FAILED):
        run.ended_at = now
    if status is R.RUNNING:
        run.ended_at = None
    run.error_message = (
        v.optional_text(error_message, ["error_message"]) if status is R.FAILED else None
    )
    run.status = status.value
    await _moved(session, run)
    if run_is_final(status, run.retry_count, run.max_retries):
        await enqueue_notifications(
            session,
            organization_id=run.organization_id,
            trigger=Trigger.PIPELINE_RUN_COMPLETE,
            event_type="pipeline_run.finished",
            payload={
                "pipeline_run_id": str(run.id),
                "title": f"{pipeline.name} {status.value}",
                "status": status.value,
                "error": run.error_message,
            },
            project_id=pipeline.project_id,
        )
    record_audit(
        session, actor, f"pipeline_run.{status.value}", run, details={"from": current.value}
    )
    return run


async def _moved(session: AsyncSession, run: PipelineRun) -> None:
    """The run or one of its steps moved: a newer version for those following it, told on
    commit (pipelineRunStatus)."""
    await topics.row_changed(session, run, topics.PIPELINE_RUN_STATUS, "pipeline_run")


async def _start_job(
    session: AsyncSession, actor: Actor, pipeline: Pipeline, step: str, template: dict[str, Any]
) -> uuid.UUID:
    """The step's training job, created from its template (the GPU rule checked now)."""
    t = JobTemplate.from_json(template)
    try:
        job = await training_job_create(
            session,
            actor,
            project_id=pipeline.project_id,
            experiment_id=None,
            environment_id=t.environment_id,
            name=f"{pipeline.name}/{step}",
            image=t.image,
            entry_point=t.entry_point,
            config=t.config,
            cpu=t.cpu,
            memory_mb=t.memory_mb,
            gpus=t.gpus,
            gpu_type=t.gpu_type,
            use_gpu=t.use_gpu,
        )
    except DomainError as error:
        raise DomainError(
            error.code,
            f"step {step} cannot start its training job: {error.message}",
            ["step"],
        ) from error
    return job.id


async def _start_evaluation(
    session: AsyncSession, actor: Actor, run: PipelineRun, step: str, template: dict[str, str]
) -> uuid.UUID:
    """The step's evaluation run, RUNNING from now (its evaluator records the metrics)."""
    try:
        evaluation = await evaluation_run_create(
            session,
            actor,
            model_version_id=uuid.UUID(template["modelVersionId"]),
            dataset_version_id=uuid.UUID(template["datasetVersionId"]),
            pipeline_run_id=run.id,
            step=step,
            status=EvaluationStatus.RUNNING,
        )
    except DomainError as error:  # e.g. the version was retired since
        raise DomainError(
            error.code, f"step {step} cannot start its evaluation: {error.message}", ["step"]
        ) from error
    return evaluation.id


async def pipeline_run_step_update(
    session: AsyncSession,
    actor: Actor,
    *,
    run_id: uuid.UUID | None,
    step: str,
    status: StepStatus,
) -> PipelineRun:
    """Move one step. It starts only while the run is RUNNING and once every step it
    depends on has succeeded."""
    run, pipeline = await _writable_run(session, actor, run_id)
    states = [dict(s) for s in run.steps]
    by_name = {s["name"]: s for s in states}
    state = by_name.get(step)
    if state is None:
        raise validation(f"the pipeline has no step {step}", ["step"])
    if R(run.status) is not R.RUNNING:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"steps move only while the run is running (it is {run.status})",
            ["step"],
        )
    current = StepStatus(state["status"])
    if status not in STEP_TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in STEP_TRANSITIONS[current])) or "none"
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"cannot move step {step} from {current.value} to {status.value} (allowed: {allowed})",
            ["status"],
        )
    if status is StepStatus.RUNNING:
        definition = next(s for s in pipeline.definition["steps"] if s["name"] == step)
        depends_on = definition["dependsOn"]
        waiting = [d for d in depends_on if by_name[d]["status"] != StepStatus.SUCCEEDED.value]
        if waiting:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                f"step {step} waits for {', '.join(waiting)}",
                ["step"],
            )
        state["startedAt"], state["endedAt"] = datetime.now(UTC).isoformat(), None
        run.current_stage = step
        template = definition.get("trainingJob")
        if template is not None:
            state["trainingJobId"] = str(await _start_job(session, actor, pipeline, step, template))
        evaluation = definition.get("evaluation")
        if evaluation is not None:
            state["evaluationRunId"] = str(
                await _start_evaluation(session, actor, run, step, evaluation)
            )
    else:
        state["endedAt"] = datetime.now(UTC).isoformat()
    state["status"] = status.value
    run.steps = states
    await _moved(session, run)
    record_audit(
        session,
        actor,
        "pipeline_run.step",
        run,
        details={"step": step, "from": current.value, "to": status.value},
    )
    return run


async def pipeline_delete(
    session: AsyncSession, actor: Actor, *, pipeline_id: uuid.UUID | None
) -> Pipeline:
    """Retire a pipeline (soft delete; contributors) once none of its runs is under way;
    its runs stay readable through the audit trail and retention."""
    field = ["pipeline_id"]
    pipeline = await get_contributable(
        session, Pipeline, pipeline_id, actor, what="pipeline", field=field, for_update=True
    )
    under_way = await session.scalar(
        select(func.count())
        .select_from(PipelineRun)
        .where(
            PipelineRun.pipeline_id == pipeline.id,
            PipelineRun.status.in_([R.PENDING.value, R.RUNNING.value, R.RETRYING.value]),
        )
    )
    if under_way:
        raise DomainError(
            ErrorCode.CONFLICT,
            f"{under_way} run(s) of this pipeline are under way: let them finish or cancel "
            "them first",
            field,
        )
    pipeline.deleted_at = datetime.now(UTC)
    record_audit(session, actor, "pipeline.delete", pipeline, details={"name": pipeline.name})
    await session.flush()
    return pipeline
