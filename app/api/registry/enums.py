"""The registry context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

import enum

import strawberry

from app.api.exposing import expose
from app.api.loaders.list_spec import Order
from app.domain.integrations import catalog
from app.domain.registry import enums as registry

expose(
    registry.ModelType,
    registry.Framework,
    registry.TaskType,
    registry.ModelStage,
    registry.TrainingStatus,
    registry.ServeType,
    catalog.SyncState,
    catalog.SyncDirection,
)

ModelType = registry.ModelType
Framework = registry.Framework
TaskType = registry.TaskType
ModelStage = registry.ModelStage
TrainingStatus = registry.TrainingStatus
ServeType = registry.ServeType
SyncState = catalog.SyncState
SyncDirection = catalog.SyncDirection


@strawberry.enum(description="Orders of projects.")
class ProjectOrder(enum.Enum):
    CREATED_ASC = Order(("id",))
    CREATED_DESC = Order(("id",), descending=True)
    NAME_ASC = Order(("name", "id"))
    NAME_DESC = Order(("name", "id"), descending=True)
    SLUG_ASC = Order(("slug", "id"))


@strawberry.enum(description="Orders of models.")
class ModelOrder(enum.Enum):
    CREATED_ASC = Order(("id",))
    CREATED_DESC = Order(("id",), descending=True)
    NAME_ASC = Order(("name", "id"))
    NAME_DESC = Order(("name", "id"), descending=True)
    UPDATED_DESC = Order(("updated_at", "id"), descending=True)
