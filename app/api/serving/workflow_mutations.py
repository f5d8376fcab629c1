"""WORKFLOW serves' infrastructure mutations (contributors of the model's project)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from app.api.errors import UserError
from app.api.graph.payloads import mutate
from app.api.ids import input_id
from app.api.serving.workflow_types import WorkflowConfig
from app.domain.serving import workflows


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


@strawberry.input
class WorkflowConfigSetInput:
    model_id: strawberry.ID = strawberry.field(description="A WORKFLOW serve.")
    environment_id: strawberry.ID
    head_node: WorkflowNodeInput
    worker_node: WorkflowNodeInput
    min_workers: int = strawberry.field(default=0, description="0 to 1000.")
    max_workers: int = strawberry.field(default=1, description="1 to 1000, >= minWorkers.")


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
        description="Set a WORKFLOW serve's head and worker nodes in an environment (created "
        "or replaced; GPUs checked against the environment's catalogue). Contributors+."
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
