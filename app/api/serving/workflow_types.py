"""A WORKFLOW serve's infrastructure per environment (app/domain/serving/workflows.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.fields import related
from app.api.node import Node
from app.domain.serving.models import WorkflowConfig as WorkflowConfigRow


@strawberry.type(description="One kind of node of a workflow.")
class WorkflowNode:
    instance_type: str
    cpu_millicores: int
    memory_mib: int
    gpu_count: int
    gpu_type: str | None = strawberry.field(
        description="An enabled entry of the environment's GPU catalogue, when it has one."
    )

    @classmethod
    def of(cls, data: dict[str, Any]) -> WorkflowNode:
        return cls(**data)


@from_declaration(
    WorkflowConfigRow,
    python={
        "headNode": "a typed view of the row's JSON",
        "workerNode": "a typed view of the row's JSON",
    },
    attributes={"head_node_": "head_node", "worker_node_": "worker_node"},
)
@strawberry.type(description="A WORKFLOW serve's head and worker nodes in one environment.")
class WorkflowConfig(Node, FromRow):
    min_workers: int
    max_workers: int
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    model_id: strawberry.Private[uuid.UUID]
    environment_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID | None]
    head_node_: strawberry.Private[dict[str, Any]]
    worker_node_: strawberry.Private[dict[str, Any]]

    model = related()
    environment = related()
    created_by = related()

    @strawberry.field(description="The node that coordinates the workflow.")
    def head_node(self) -> WorkflowNode:
        return WorkflowNode.of(self.head_node_)

    @strawberry.field(description="The nodes that do its work (minWorkers to maxWorkers).")
    def worker_node(self) -> WorkflowNode:
        return WorkflowNode.of(self.worker_node_)
