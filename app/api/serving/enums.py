"""The serving context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

import enum

import strawberry

from app.api.loaders.list_spec import Order
from app.domain.integrations import catalog
from app.domain.serving import enums as serving

_EXPOSED: tuple[tuple[type[enum.Enum], str | None], ...] = (
    (serving.DeploymentStatus, None),
    (serving.DeploymentEventType, None),
    (serving.DeploymentActionStatus, None),
    (serving.DeploymentHealth, None),
    (serving.CapacityType, None),
    (serving.EndpointStatus, None),
    (serving.EndpointChange, None),
    (catalog.IntegrationType, None),
    (serving.PromotionDecision, None),
)
for _domain_enum, _name in _EXPOSED:
    strawberry.enum(_domain_enum, name=_name)

DeploymentStatus = serving.DeploymentStatus
DeploymentEventType = serving.DeploymentEventType
DeploymentActionStatus = serving.DeploymentActionStatus
DeploymentHealth = serving.DeploymentHealth
CapacityType = serving.CapacityType
EndpointStatus = serving.EndpointStatus
EndpointChange = serving.EndpointChange
IntegrationType = catalog.IntegrationType
PromotionDecision = serving.PromotionDecision


@strawberry.enum(description="Orders of metric points.")
class MetricOrder(enum.Enum):
    RECORDED_AT_ASC = Order(("recorded_at", "name"))
    RECORDED_AT_DESC = Order(("recorded_at", "name"), descending=True)


@strawberry.enum(description="Orders of predictions.")
class PredictionOrder(enum.Enum):
    RECORDED_AT_ASC = Order(("recorded_at", "id"))
    RECORDED_AT_DESC = Order(("recorded_at", "id"), descending=True)
