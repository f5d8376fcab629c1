"""WORKFLOW serves' mutations: their infrastructure and schedule (contributors of the
model's project); their runs, made by contributors and worked by workers (developers+)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from app.api.errors import UserError, run_mutation
from app.api.graph.payloads import mutate
from app.api.ids import input_id
from app.api.pipelines.enums import MissedRuns
from app.api.serving.enums import WorkflowRunStatus
from app.api.serving.workflow_types import WorkflowConfig, WorkflowRun
from app.domain.serving import workflow_runs, workflows


@strawberry.input(description="One kind of workflow node.")
class WorkflowNodeInput:
    instance_type: str = strawberry.field(description="1-64 letters, digits and . _ -")
    cpu_millicores: int
    memory_mib: int
    gpu_count: int = 0
    gpu_type: str | None = None

    def spec(self) -> workflows.NodeSpec:
        return workflows.NodeSpec(
            self.instance_type, self.cpu_millicores, self.memory_mib, self.gpu_count,
            self.gpu_type,
        )  # fmt: skip


@strawberry.input(description="When a WORKFLOW serve's runs start in an environment.")
class WorkflowScheduleInput:
    cron: str = strawberry.field(
        description="5 fields: minute hour day-of-month month day-of-week, e.g. 0 3 * * 1-5."
    )
    time_zone: str = strawberry.field(default="UTC", description="An IANA zone, e.g. Europe/Paris.")
    missed_runs: MissedRuns = strawberry.field(
        default=MissedRuns.RUN_ONCE,
        description="Fire times missed while no scheduler ran: one run for all (RUN_ONCE) or none.",
    )
    enabled: bool = strawberry.field(default=True, description="False: paused.")

    def schedule(self) -> workflows.Schedule:
        return workflows.Schedule(self.cron, self.time_zone, self.missed_runs, self.enabled)


@strawberry.input
class WorkflowConfigSetInput:
    model_id: strawberry.ID = strawberry.field(description="A WORKFLOW serve.")
    environment_id: strawberry.ID
    head_node: WorkflowNodeInput
    worker_node: WorkflowNodeInput
    min_workers: int = strawberry.field(default=0, description="0 to 1000.")
    max_workers: int = strawberry.field(default=1, description="1 to 1000, >= minWorkers.")
    model_version_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The version its runs serve (a version of this serve); null: the "
        "serve's PRODUCTION version at each run.",
    )
    schedule: WorkflowScheduleInput | None = strawberry.field(
        default=None,
        description="Runs at fire times (each queued once); null: runs start by hand only. "
        "The whole config is replaced: leaving it out removes a schedule.",
    )


@strawberry.input
class WorkflowRunCreateInput:
    workflow_config_id: strawberry.ID = strawberry.field(
        description="Where it runs: the environment and nodes of this config."
    )
    model_version_id: strawberry.ID | None = strawberry.field(
        default=None, description="A version of the serve; null: the config's, else PRODUCTION."
    )
    max_attempts: int = strawberry.field(
        default=3, description="Claims allowed before a lost lease fails the run (1-10)."
    )


@strawberry.input
class WorkflowRunsClaimInput:
    worker: str = strawberry.field(description="Who claims (e.g. a pod name); up to 200 chars.")
    limit: int = strawberry.field(default=1, description="At most this many runs (1-20).")
    lease_seconds: int = strawberry.field(
        default=120, description="10 to 3600: heartbeats must come sooner than this."
    )


@strawberry.input
class WorkflowRunHeartbeatInput:
    workflow_run_id: strawberry.ID
    worker: str
    lease_seconds: int = 120


@strawberry.input
class WorkflowRunFinishInput:
    workflow_run_id: strawberry.ID
    worker: str
    status: WorkflowRunStatus = strawberry.field(description="SUCCEEDED or FAILED.")
    error_message: str | None = strawberry.field(default=None, description="With FAILED.")


@strawberry.input
class WorkflowRunCancelInput:
    workflow_run_id: strawberry.ID


@strawberry.type
class WorkflowRunPayload:
    workflow_run: WorkflowRun | None
    user_errors: list[UserError]


@strawberry.type
class WorkflowRunsClaimPayload:
    workflow_runs: list[WorkflowRun] = strawberry.field(
        description="The claimed runs, oldest first, now RUNNING under this worker's lease."
    )
    user_errors: list[UserError]


@strawberry.input
class WorkflowConfigDeleteInput:
    workflow_config_id: strawberry.ID


@strawberry.type
class WorkflowConfigPayload:
    workflow_config: WorkflowConfig | None
    user_errors: list[UserError]


@strawberry.type
class WorkflowMutations:
    @strawberry.mutation(
        description="Set a WORKFLOW serve's head and worker nodes, version and schedule in an "
        "environment (created or replaced; GPUs checked against the environment's "
        "catalogue). Contributors+."
    )
    async def workflow_config_set(
        self, info: Info, input: WorkflowConfigSetInput
    ) -> WorkflowConfigPayload:
        return await mutate(
            info,
            WorkflowConfigPayload,
            "workflow_config",
            lambda session, actor: workflows.workflow_config_set(
                session,
                actor,
                model_id=input_id(input, "model_id", "Model"),
                environment_id=input_id(input, "environment_id", "Environment"),
                head=input.head_node.spec(),
                worker=input.worker_node.spec(),
                min_workers=input.min_workers,
                max_workers=input.max_workers,
                model_version_id=input_id(input, "model_version_id", "ModelVersion")
                if input.model_version_id
                else None,
                schedule=input.schedule.schedule() if input.schedule else None,
            ),
        )

    @strawberry.mutation(description="Remove a WORKFLOW serve's configuration in an environment.")
    async def workflow_config_delete(
        self, info: Info, input: WorkflowConfigDeleteInput
    ) -> WorkflowConfigPayload:
        return await mutate(
            info,
            WorkflowConfigPayload,
            "workflow_config",
            lambda session, actor: workflows.workflow_config_delete(
                session,
                actor,
                config_id=input_id(input, "workflow_config_id", "WorkflowConfig"),
            ),
        )

    @strawberry.mutation(
        description="Queue a run of a WORKFLOW serve now, on a config's environment and "
        "nodes. Contributors+."
    )
    async def workflow_run_create(
        self, info: Info, input: WorkflowRunCreateInput
    ) -> WorkflowRunPayload:
        return await mutate(
            info,
            WorkflowRunPayload,
            "workflow_run",
            lambda session, actor: workflow_runs.workflow_run_create(
                session,
                actor,
                config_id=input_id(input, "workflow_config_id", "WorkflowConfig"),
                model_version_id=input_id(input, "model_version_id", "ModelVersion")
                if input.model_version_id
                else None,
                max_attempts=input.max_attempts,
            ),
        )

    @strawberry.mutation(
        description="Claim the oldest pending workflow runs under a lease (FOR UPDATE SKIP "
        "LOCKED: concurrent workers never get the same run). Developers+."
    )
    async def workflow_runs_claim(
        self, info: Info, input: WorkflowRunsClaimInput
    ) -> WorkflowRunsClaimPayload:
        runs, errors = await run_mutation(
            info,
            lambda session, actor: workflow_runs.workflow_runs_claim(
                session,
                actor,
                worker=input.worker,
                limit=input.limit,
                lease_seconds=input.lease_seconds,
            ),
        )
        return WorkflowRunsClaimPayload(
            workflow_runs=[WorkflowRun.from_row(r) for r in runs or []], user_errors=errors
        )

    @strawberry.mutation(description="Extend the lease of a workflow run this worker holds.")
    async def workflow_run_heartbeat(
        self, info: Info, input: WorkflowRunHeartbeatInput
    ) -> WorkflowRunPayload:
        return await mutate(
            info,
            WorkflowRunPayload,
            "workflow_run",
            lambda session, actor: workflow_runs.workflow_run_heartbeat(
                session,
                actor,
                run_id=input_id(input, "workflow_run_id", "WorkflowRun"),
                worker=input.worker,
                lease_seconds=input.lease_seconds,
            ),
        )

    @strawberry.mutation(
        description="End a workflow run this worker holds: SUCCEEDED, or FAILED with an error."
    )
    async def workflow_run_finish(
        self, info: Info, input: WorkflowRunFinishInput
    ) -> WorkflowRunPayload:
        return await mutate(
            info,
            WorkflowRunPayload,
            "workflow_run",
            lambda session, actor: workflow_runs.workflow_run_finish(
                session,
                actor,
                run_id=input_id(input, "workflow_run_id", "WorkflowRun"),
                worker=input.worker,
                status=input.status,
                error_message=input.error_message,
            ),
        )

    @strawberry.mutation(description="Stop a pending or running workflow run. Contributors+.")
    async def workflow_run_cancel(
        self, info: Info, input: WorkflowRunCancelInput
    ) -> WorkflowRunPayload:
        return await mutate(
            info,
            WorkflowRunPayload,
            "workflow_run",
            lambda session, actor: workflow_runs.workflow_run_cancel(
                session, actor, run_id=input_id(input, "workflow_run_id", "WorkflowRun")
            ),
        )
