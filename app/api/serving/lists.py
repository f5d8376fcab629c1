"""The serving context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from app.api.graph.declare import ListQuery, order_of
from app.api.loaders.list_spec import ListSpec, Order, orders_of
from app.api.orders import CreatedOrder, NamedOrder
from app.api.serving.enums import PredictionOrder
from app.domain.environments.models import Environment
from app.domain.integrations.models import IntegrationConfig
from app.domain.monitoring.models import (
    Prediction,
)
from app.domain.serving.enums import DeploymentStatus
from app.domain.serving.models import (
    Deployment,
    DeploymentEvent,
    GpuType,
    ServingEndpoint,
    ServingEndpointEvent,
    WorkflowConfig,
    WorkflowRun,
)


@dataclass(frozen=True)
class DeploymentFilter:
    environment_ids: tuple[uuid.UUID, ...] = ()
    statuses: tuple[str, ...] = ()
    creators: tuple[uuid.UUID, ...] = ()

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.environment_ids:
            out.append(model.environment_id.in_(self.environment_ids))
        if self.statuses:
            out.append(model.status.in_(self.statuses))
        if self.creators:
            out.append(model.created_by_id.in_(self.creators))
        return out


@dataclass(frozen=True)
class GpuTypeFilter:
    enabled: bool | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        return [] if self.enabled is None else [model.enabled.is_(self.enabled)]


@dataclass(frozen=True)
class PredictionFilter:
    """Predictions in [since, until), served by some versions, within latency and
    confidence bounds (inclusive)."""

    since: datetime | None = None
    until: datetime | None = None
    version_ids: tuple[uuid.UUID, ...] = ()
    min_latency_ms: float | None = None
    max_latency_ms: float | None = None
    min_confidence: float | None = None
    max_confidence: float | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.since is not None:
            out.append(model.recorded_at >= self.since)
        if self.until is not None:
            out.append(model.recorded_at < self.until)
        if self.version_ids:
            out.append(model.model_version_id.in_(self.version_ids))
        if self.min_latency_ms is not None:
            out.append(model.latency_ms >= self.min_latency_ms)
        if self.max_latency_ms is not None:
            out.append(model.latency_ms <= self.max_latency_ms)
        if self.min_confidence is not None:
            out.append(model.confidence >= self.min_confidence)
        if self.max_confidence is not None:
            out.append(model.confidence <= self.max_confidence)
        return out


@dataclass(frozen=True)
class IntegrationFilter:
    types: tuple[str, ...] = ()

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        return [model.integration_type.in_(self.types)] if self.types else []


ENVIRONMENTS_OF_ORGANIZATION = ListSpec(
    "environments_of_organization", Environment, "organization_id", orders_of(NamedOrder)
)


DEPLOYMENTS = orders_of(NamedOrder)


DEPLOYMENTS_OF_VERSION = ListSpec(
    "deployments_of_version", Deployment, "model_version_id", DEPLOYMENTS
)


DEPLOYMENTS_OF_ORGANIZATION = ListSpec(
    "deployments_of_organization", Deployment, "organization_id", DEPLOYMENTS
)


DEPLOYMENTS_OF_PROJECT = ListSpec("deployments_of_project", Deployment, "project_id", DEPLOYMENTS)


DEPLOYMENTS_OF_ENVIRONMENT = ListSpec(
    "deployments_of_environment", Deployment, "environment_id", DEPLOYMENTS
)


GPU_TYPES_OF_ENVIRONMENT = ListSpec(
    "gpu_types_of_environment",
    GpuType,
    "environment_id",
    # The priority (nulls last, as the stored sort key has it), then the label.
    {"PRIORITY_ASC": Order(("sort_priority", "label", "id"))},
    default_order="PRIORITY_ASC",
    live_only=False,
)


EVENTS_OF_DEPLOYMENT = ListSpec(
    "events_of_deployment",
    DeploymentEvent,
    "deployment_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)


PREDICTIONS_OF_DEPLOYMENT = ListSpec(
    "predictions_of_deployment",
    Prediction,
    "deployment_id",
    orders_of(PredictionOrder),
    default_order="RECORDED_AT_DESC",
    live_only=False,
)


ENDPOINTS_OF_MODEL = ListSpec(
    "endpoints_of_model", ServingEndpoint, "model_id", orders_of(CreatedOrder), live_only=False
)


ENDPOINTS_OF_ENVIRONMENT = ListSpec(
    "endpoints_of_environment",
    ServingEndpoint,
    "environment_id",
    orders_of(CreatedOrder),
    live_only=False,
)


DEPLOYMENTS_OF_ENDPOINT = ListSpec(
    "deployments_of_endpoint",
    Deployment,
    "endpoint_id",
    orders_of(NamedOrder, {"TRAFFIC_DESC": Order(("traffic_percentage", "id"), descending=True)}),
)


EVENTS_OF_ENDPOINT = ListSpec(
    "events_of_endpoint",
    ServingEndpointEvent,
    "endpoint_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)


INTEGRATIONS_OF_ENVIRONMENT = ListSpec(
    "integrations_of_environment",
    IntegrationConfig,
    "environment_id",
    {"TYPE_TOOL_ASC": Order(("integration_type", "tool", "id"))},
    default_order="TYPE_TOOL_ASC",
    live_only=False,
)


def active_deployments_query(kwargs: Mapping[str, Any]) -> ListQuery:
    return ListQuery(
        order=order_of(kwargs),
        filter=DeploymentFilter(statuses=(DeploymentStatus.ACTIVE.value,)),
    )


def traffic_split_query(kwargs: Mapping[str, Any]) -> ListQuery:
    """The ACTIVE deployments behind an endpoint, the most traffic first."""
    return ListQuery(
        order="TRAFFIC_DESC", filter=DeploymentFilter(statuses=(DeploymentStatus.ACTIVE.value,))
    )


def integrations_query(kwargs: Mapping[str, Any]) -> ListQuery:
    types = tuple(t.value for t in kwargs.get("type") or ())
    return ListQuery(filter=IntegrationFilter(types=types))


def gpu_types_query(kwargs: Mapping[str, Any]) -> ListQuery:
    return ListQuery(filter=GpuTypeFilter(enabled=kwargs.get("enabled")))


WORKFLOW_CONFIGS_OF_MODEL = ListSpec(
    "workflow_configs_of_model",
    WorkflowConfig,
    "model_id",
    orders_of(CreatedOrder),
    live_only=False,
)

WORKFLOW_RUNS_OF_MODEL = ListSpec(
    "workflow_runs_of_model",
    WorkflowRun,
    "model_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)
WORKFLOW_RUNS_OF_CONFIG = ListSpec(
    "workflow_runs_of_config",
    WorkflowRun,
    "workflow_config_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)
