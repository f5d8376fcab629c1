"""The serving context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

import enum

import strawberry

from app.api.exposing import expose
from app.api.loaders.list_spec import Order
from app.domain.integrations import catalog
from app.domain.serving import enums as serving

expose(
    serving.DeploymentStatus,
    serving.DeploymentEventType,
    serving.DeploymentActionStatus,
    serving.DeploymentHealth,
    serving.CapacityType,
    serving.ServiceType,
    serving.EndpointStatus,
    serving.EndpointChange,
    catalog.IntegrationType,
    serving.PromotionDecision,
    serving.WorkflowRunStatus,
    serving.WorkflowRunTrigger,
)

DeploymentStatus = serving.DeploymentStatus
DeploymentEventType = serving.DeploymentEventType
DeploymentActionStatus = serving.DeploymentActionStatus
DeploymentHealth = serving.DeploymentHealth
CapacityType = serving.CapacityType
ServiceType = serving.ServiceType
EndpointStatus = serving.EndpointStatus
EndpointChange = serving.EndpointChange
IntegrationType = catalog.IntegrationType
PromotionDecision = serving.PromotionDecision
WorkflowRunStatus = serving.WorkflowRunStatus
WorkflowRunTrigger = serving.WorkflowRunTrigger


@strawberry.enum(description="Orders of metric points.")
class MetricOrder(enum.Enum):
    RECORDED_AT_ASC = Order(("recorded_at", "name"))
    RECORDED_AT_DESC = Order(("recorded_at", "name"), descending=True)


@strawberry.enum(description="Orders of predictions.")
class PredictionOrder(enum.Enum):
    RECORDED_AT_ASC = Order(("recorded_at", "id"))
    RECORDED_AT_DESC = Order(("recorded_at", "id"), descending=True)
