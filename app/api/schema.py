"""The schema's root types: Query, Subscription, and Mutation composed from the contexts'
mixins; the server builds the schema from them with its extensions (app/server/schema.py)."""

from __future__ import annotations

from collections.abc import Iterator

import strawberry
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension

from app.api.builds.mutations import BuildMutations
from app.api.datasets.mutations import DatasetMutations
from app.api.evaluations.mutations import EvaluationMutations
from app.api.experiments.mutations import ExperimentMutations
from app.api.governance.mutations import GovernanceMutations
from app.api.health.mutations import HealthMutations
from app.api.logs.mutations import LogMutations
from app.api.logs.subscriptions import LogSubscriptions
from app.api.monitoring.mutations import AlertRuleMutations, DriftMutations, MonitoringMutations
from app.api.notifications.mutations import NotificationMutations
from app.api.patterns.mutations import PatternMutations
from app.api.patterns.subscriptions import PatternSubscriptions
from app.api.pipelines.mutations import PipelineMutations
from app.api.pipelines.schedule_mutations import PipelineScheduleMutations
from app.api.pipelines.subscriptions import PipelineSubscriptions
from app.api.queries import Query
from app.api.registry.links import RegistryLinkMutations
from app.api.registry.mutations import RegistryMutations
from app.api.serving.gpu_mutations import GpuTypeMutations
from app.api.serving.mutations import DeploymentLifecycleMutations, ServingMutations
from app.api.serving.runtime_mutations import ServingRuntimeMutations
from app.api.serving.subscriptions import ServingSubscriptions
from app.api.serving.workflow_mutations import WorkflowMutations
from app.api.serving.workflow_subscriptions import WorkflowSubscriptions
from app.api.subscriptions import CoreSubscriptions
from app.api.sweeps.mutations import SweepMutations
from app.api.sweeps.subscriptions import SweepSubscriptions
from app.api.tenancy.mutations import TenancyMutations
from app.api.tenancy.retention import RetentionMutations
from app.api.tenancy.types import AuditLogEntry, Membership, Organization, User
from app.api.training.mutations import TrainingMutations

__all__ = ["EXTRA_TYPES", "LoadersPerOperation", "Mutation", "Query", "Subscription"]


@strawberry.type
class Mutation(
    TenancyMutations,
    RegistryMutations,
    GovernanceMutations,
    ServingMutations,
    GpuTypeMutations,
    DeploymentLifecycleMutations,
    ServingRuntimeMutations,
    WorkflowMutations,
    BuildMutations,
    RegistryLinkMutations,
    RetentionMutations,
    MonitoringMutations,
    AlertRuleMutations,
    DriftMutations,
    ExperimentMutations,
    HealthMutations,
    NotificationMutations,
    TrainingMutations,
    SweepMutations,
    DatasetMutations,
    EvaluationMutations,
    PatternMutations,
    PipelineMutations,
    PipelineScheduleMutations,
    LogMutations,
):
    pass


@strawberry.type
class Subscription(
    CoreSubscriptions,
    LogSubscriptions,
    SweepSubscriptions,
    PatternSubscriptions,
    PipelineSubscriptions,
    ServingSubscriptions,
    WorkflowSubscriptions,
):
    pass


# Types no root field names directly (reached through interfaces and the node field).
EXTRA_TYPES = [Organization, User, Membership, AuditLogEntry]


class LoadersPerOperation(SchemaExtension):
    """Loaders cache every row they read. An HTTP request has a context of its own, but a
    WebSocket's context lives as long as the connection (a dashboard's, for hours): each
    operation on it starts with empty loaders, so it sees what changed since the last."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(getattr(context, "request", None), WebSocket):
            context.loaders = context.loaders.fresh()
        yield
