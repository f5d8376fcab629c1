"""Training job mutations: create (contributors+), report progress, cancel."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.datasets.mutations import DatasetInputInput, dataset_inputs
from app.api.errors import UserError, run_mutation
from app.api.graph.payloads import mutate
from app.api.ids import decode_id, input_id
from app.api.training.enums import TrainingExecutor, TrainingJobStatus
from app.api.training.types import TrainingJob
from app.domain.datasets import services as dataset_services
from app.domain.sweeps.trials import trial_finished
from app.domain.tenancy.access import Actor
from app.domain.training import queue, services


@strawberry.input(description="What a job asks for. GPUs only with useGpu: true.")
class TrainingResourcesInput:
    cpu: float | None = None
    memory_mb: int | None = None
    gpus: int = 0
    gpu_type: str | None = strawberry.field(
        default=None,
        description="A GPU type the target environment offers, enabled (any case).",
    )
    use_gpu: bool = False


@strawberry.input
class TrainingJobCreateInput:
    project_id: strawberry.ID
    environment_id: strawberry.ID = strawberry.field(description="Where the job runs.")
    name: str
    experiment_id: strawberry.ID | None = None
    image: str | None = None
    entry_point: str | None = None
    config: JSON | None = None
    resources: TrainingResourcesInput = strawberry.field(default_factory=TrainingResourcesInput)
    dataset_inputs: list[DatasetInputInput] = strawberry.field(
        default_factory=list, description="The dataset versions it will consume, and as what."
    )


@strawberry.input
class TrainingJobTransitionInput:
    training_job_id: strawberry.ID
    status: TrainingJobStatus
    error_message: str | None = strawberry.field(default=None, description="With FAILED only.")
    executor: TrainingExecutor | None = None
    external_id: str | None = strawberry.field(
        default=None, description="The executor's id for the job (with executor)."
    )
    run_id: strawberry.ID | None = strawberry.field(
        default=None, description="The run the job produced."
    )


@strawberry.input
class TrainingJobCancelInput:
    training_job_id: strawberry.ID


@strawberry.input
class TrainingJobClaimInput:
    worker: str = strawberry.field(description="Who claims (e.g. a pod name); up to 200 chars.")
    limit: int = strawberry.field(default=1, description="At most this many jobs (1-50).")
    lease_seconds: int = strawberry.field(
        default=60, description="10 to 3600: heartbeats must come sooner than this."
    )
    environment_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only jobs targeting this environment."
    )
    gpu_types: list[str] | None = strawberry.field(
        default=None,
        description="The GPU types this worker has (CPU-only jobs always fit); null: any.",
    )


@strawberry.type
class TrainingJobClaimPayload:
    training_jobs: list[TrainingJob] = strawberry.field(
        description="The claimed jobs, oldest first, now RUNNING under this worker's lease."
    )
    user_errors: list[UserError]


@strawberry.input
class TrainingJobHeartbeatInput:
    training_job_id: strawberry.ID
    worker: str
    lease_seconds: int = 60
    run_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The run this worker logs the job to: linked to the job (a job has one "
        "run; naming another is refused).",
    )


@strawberry.type
class TrainingJobPayload:
    training_job: TrainingJob | None
    user_errors: list[UserError]


@strawberry.type
class TrainingMutations:
    @strawberry.mutation(
        description="Create a training job (PENDING) in a project, for a target environment. "
        "Contributors+."
    )
    async def training_job_create(
        self, info: Info, input: TrainingJobCreateInput
    ) -> TrainingJobPayload:
        experiment = input.experiment_id
        resources = input.resources

        async def work(session: AsyncSession, actor: Actor) -> Any:
            job = await services.training_job_create(
                session,
                actor,
                project_id=input_id(input, "project_id", "Project"),
                experiment_id=decode_id(experiment, "Experiment", ["experiment_id"])
                if experiment
                else None,
                environment_id=input_id(input, "environment_id", "Environment"),
                name=input.name,
                image=input.image,
                entry_point=input.entry_point,
                config=input.config,
                cpu=resources.cpu,
                memory_mb=resources.memory_mb,
                gpus=resources.gpus,
                gpu_type=resources.gpu_type,
                use_gpu=resources.use_gpu,
            )
            if input.dataset_inputs:
                await dataset_services.dataset_inputs_record(
                    session,
                    actor,
                    run_id=None,
                    training_job_id=job.id,
                    inputs=dataset_inputs(input.dataset_inputs, "dataset_inputs"),
                    field="dataset_inputs",
                )
            return job

        return await mutate(info, TrainingJobPayload, "training_job", work)

    @strawberry.mutation(
        description="Move a job on: PENDING → QUEUED → RUNNING → SUCCEEDED | FAILED "
        "(CANCELLED from any state that is not final). Contributors+."
    )
    async def training_job_transition(
        self, info: Info, input: TrainingJobTransitionInput
    ) -> TrainingJobPayload:
        run = input.run_id
        return await mutate(
            info,
            TrainingJobPayload,
            "training_job",
            lambda session, actor: services.training_job_transition(
                session,
                actor,
                job_id=input_id(input, "training_job_id", "TrainingJob"),
                status=input.status,
                error_message=input.error_message,
                executor=input.executor,
                external_id=input.external_id,
                run_id=decode_id(run, "Run", ["run_id"]) if run else None,
                finished=trial_finished,
            ),
        )

    @strawberry.mutation(
        description="Claim the oldest queued jobs this worker can run, under a lease "
        "(FOR UPDATE SKIP LOCKED: concurrent claimers never get the same job). Developers+."
    )
    async def training_job_claim(
        self, info: Info, input: TrainingJobClaimInput
    ) -> TrainingJobClaimPayload:
        environment = input.environment_id
        jobs, errors = await run_mutation(
            info,
            lambda session, actor: queue.training_jobs_claim(
                session,
                actor,
                worker=input.worker,
                limit=input.limit,
                lease_seconds=input.lease_seconds,
                environment_id=decode_id(environment, "Environment", ["environment_id"])
                if environment
                else None,
                gpu_types=input.gpu_types,
            ),
        )
        return TrainingJobClaimPayload(
            training_jobs=[TrainingJob.from_row(job) for job in jobs or []], user_errors=errors
        )

    @strawberry.mutation(
        description="Extend the lease of a job this worker holds. CONFLICT once it holds it "
        "no more (the lease ran out: the job went back to the queue)."
    )
    async def training_job_heartbeat(
        self, info: Info, input: TrainingJobHeartbeatInput
    ) -> TrainingJobPayload:
        return await mutate(
            info,
            TrainingJobPayload,
            "training_job",
            lambda session, actor: queue.training_job_heartbeat(
                session,
                actor,
                job_id=input_id(input, "training_job_id", "TrainingJob"),
                worker=input.worker,
                lease_seconds=input.lease_seconds,
                run_id=input_id(input, "run_id", "Run") if input.run_id else None,
            ),
        )

    @strawberry.mutation(description="Cancel a job that has not finished. Contributors+.")
    async def training_job_cancel(
        self, info: Info, input: TrainingJobCancelInput
    ) -> TrainingJobPayload:
        return await mutate(
            info,
            TrainingJobPayload,
            "training_job",
            lambda session, actor: services.training_job_cancel(
                session,
                actor,
                job_id=input_id(input, "training_job_id", "TrainingJob"),
                finished=trial_finished,
            ),
        )

    @strawberry.mutation(
        description="Retire a finished job (soft delete): it leaves the project's list and the "
        "lineage graph; its run and dataset inputs stay. Contributors+."
    )
    async def training_job_delete(
        self, info: Info, input: TrainingJobCancelInput
    ) -> TrainingJobPayload:
        return await mutate(
            info,
            TrainingJobPayload,
            "training_job",
            lambda session, actor: services.training_job_delete(
                session,
                actor,
                job_id=input_id(input, "training_job_id", "TrainingJob"),
            ),
        )
