"""Serving types: environments, deployments and their events."""

from __future__ import annotations

import asyncio
import math
import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.aggregates import (
    AGGREGATE_DESCRIPTION,
    AGGREGATE_REASON,
    AggregateGroup,
    aggregate,
)
from app.api.errors import ClientError
from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.declare import Computed, Lookup, filtered_query, status_query
from app.api.graph.fields import PAGING, children, related
from app.api.graph.sql_text import global_id_sql
from app.api.ids import encode_id, filter_ids
from app.api.monitoring.enums import AlertSeverity, AlertStatus, PredictionStatus
from app.api.monitoring.lists import (
    ALERTS_OF_DEPLOYMENT,
    DRIFT_REPORTS_OF_DEPLOYMENT,
    METRICS_OF_DEPLOYMENT,
    alerts_query,
    metric_points_query,
)
from app.api.monitoring.types import (
    EmbeddingDrift,
    PredictionStats,
    SimilarPrediction,
)
from app.api.node import Node
from app.api.orders import CreatedOrder, NamedOrder
from app.api.scalars import Vector
from app.api.serving.aggregates import PredictionGroupBy, PredictionNumber
from app.api.serving.enums import (
    CapacityType,
    DeploymentActionStatus,
    DeploymentEventType,
    DeploymentHealth,
    DeploymentStatus,
    EndpointChange,
    EndpointStatus,
    IntegrationType,
    MetricOrder,
    PredictionOrder,
    PromotionDecision,
    ServiceType,
)
from app.api.serving.lists import (
    DEPLOYMENTS_OF_ENDPOINT,
    DEPLOYMENTS_OF_ENVIRONMENT,
    ENDPOINTS_OF_ENVIRONMENT,
    EVENTS_OF_DEPLOYMENT,
    EVENTS_OF_ENDPOINT,
    GPU_TYPES_OF_ENVIRONMENT,
    INTEGRATIONS_OF_ENVIRONMENT,
    PREDICTIONS_OF_DEPLOYMENT,
    DeploymentFilter,
    PredictionFilter,
    active_deployments_query,
    gpu_types_query,
    integrations_query,
    traffic_split_query,
)
from app.domain.environments.models import Environment as EnvironmentRow
from app.domain.integrations.models import IntegrationConfig as IntegrationConfigRow
from app.domain.monitoring.embeddings import embedding_drift
from app.domain.monitoring.models import Prediction as PredictionRow
from app.domain.serving.endpoints import active_deployment_at
from app.domain.serving.lifecycle import deployment_write_refusal
from app.domain.serving.models import Deployment as DeploymentRow
from app.domain.serving.models import DeploymentEvent as DeploymentEventRow
from app.domain.serving.models import GpuType as GpuTypeRow
from app.domain.serving.models import PromotionPolicy as PromotionPolicyRow
from app.domain.serving.models import ServingEndpoint as ServingEndpointRow
from app.domain.serving.models import ServingEndpointEvent as ServingEndpointEventRow
from app.domain.tenancy.models import Project as ProjectRow


@strawberry.input(description="Filter deployments.")
class DeploymentFilterInput:
    status: list[DeploymentStatus] | None = None
    environment_id: list[strawberry.ID] | None = None
    created_by: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Made by one of these users."
    )

    def to_filter(self) -> DeploymentFilter:
        return DeploymentFilter(
            environment_ids=filter_ids(self.environment_id, "Environment", "environmentId"),
            statuses=tuple(s.value for s in self.status or []),
            creators=filter_ids(self.created_by, "User", "createdBy"),
        )


# The arguments of every list of serving endpoints (of a model, of an environment).
ENDPOINT_LIST_ARGUMENTS = [
    *PAGING,
    ("status", list[EndpointStatus] | None, None),
    ("created_from", datetime | None, None),
    ("created_to", datetime | None, None),
    ("order_by", CreatedOrder, CreatedOrder.CREATED_ASC),
]


@strawberry.input(description="Filter predictions (bounds inclusive; time in [from, to)).")
class PredictionFilterInput:
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None
    model_version_id: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Served by one of these versions."
    )
    min_latency_ms: float | None = None
    max_latency_ms: float | None = None
    min_confidence: float | None = None
    max_confidence: float | None = None

    def to_filter(self) -> PredictionFilter:
        if self.from_ is not None and self.to is not None and self.from_ > self.to:
            raise ClientError("from must not be after to")
        for low, high, name in (
            (self.min_latency_ms, self.max_latency_ms, "latency"),
            (self.min_confidence, self.max_confidence, "confidence"),
        ):
            for bound in (low, high):
                if bound is not None and not math.isfinite(bound):
                    raise ClientError(f"{name} bounds must be finite numbers")
            if low is not None and high is not None and low > high:
                raise ClientError(f"the minimum {name} must not be above the maximum")
        return PredictionFilter(
            since=self.from_,
            until=self.to,
            version_ids=filter_ids(self.model_version_id, "ModelVersion", "modelVersionId"),
            min_latency_ms=self.min_latency_ms,
            max_latency_ms=self.max_latency_ms,
            min_confidence=self.min_confidence,
            max_confidence=self.max_confidence,
        )


@from_declaration(EnvironmentRow)
@strawberry.type(description="A named place models are served in (e.g. staging, production).")
class Environment(Node, FromRow):
    name: str
    description: str | None
    protected: bool
    config: JSON
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]

    deployments = children(
        DEPLOYMENTS_OF_ENVIRONMENT,
        [
            *PAGING,
            ("filter", DeploymentFilterInput | None, None),
            ("order_by", NamedOrder, NamedOrder.CREATED_ASC),
        ],
        query=filtered_query,
        description="Deployments in this environment.",
    )
    active_deployments = children(
        DEPLOYMENTS_OF_ENVIRONMENT,
        [*PAGING, ("order_by", NamedOrder, NamedOrder.NAME_ASC)],
        query=active_deployments_query,
        description="Deployments serving here now (status ACTIVE).",
    )
    gpu_types = children(
        GPU_TYPES_OF_ENVIRONMENT,
        [*PAGING, ("enabled", bool | None, None)],
        query=gpu_types_query,
        description="The GPU types this environment offers, by priority (none last), then "
        "label. `enabled` keeps only the enabled (true) or disabled (false) ones.",
    )
    endpoints = children(
        ENDPOINTS_OF_ENVIRONMENT,
        ENDPOINT_LIST_ARGUMENTS,
        query=status_query,
        description="The serving endpoints here (one per model deployed here).",
    )
    integrations = children(
        INTEGRATIONS_OF_ENVIRONMENT,
        [*PAGING, ("type", list[IntegrationType] | None, None)],
        query=integrations_query,
        description="The tools this environment integrates with, by type and tool.",
    )


@from_declaration(GpuTypeRow)
@strawberry.type(description="A GPU type an environment offers (its GPU catalogue).")
class GpuType(Node, FromRow):
    key: str = strawberry.field(
        description="The GPU type's id, e.g. nvidia-a100: lower-case letters, digits and "
        "dashes (given in any case, compared case-insensitively)."
    )
    label: str
    enabled: bool
    priority: int | None = strawberry.field(
        description="Listed first when lowest; types without one come last."
    )
    created_at: datetime
    updated_at: datetime
    environment_id: strawberry.Private[uuid.UUID]

    environment = related()


@from_declaration(
    DeploymentRow,
    python={
        "predictionStats": "percentiles over a time window (a loader's SQL, per window)",
        "embeddingDrift": "a permutation test over embeddings, in numpy",
        "similarPredictions": "a nearest-neighbour search (pgvector) from an embedding "
        "given as an argument",
        "predictionAggregate": AGGREGATE_REASON,
    },
    attributes={"embedding_dim": "embedding_dimension"},
)
@strawberry.type(description="A model version served in an environment.")
class Deployment(Node, FromRow):
    name: str
    status: DeploymentStatus
    min_instances: int
    max_instances: int
    autoscaling: bool
    traffic_percentage: int
    endpoint_url: str | None
    config: JSON
    serving_framework: str | None = strawberry.field(
        description="kserve, seldon, ray-serve, sagemaker, vertex-ai, cloud-run, bentoml or "
        "custom (the environment's enabled serving integrations, when it has some)."
    )
    framework_resource_id: str | None = strawberry.field(
        description="The framework's id of what serves this deployment (unique per "
        "environment, framework and namespace)."
    )
    framework_namespace: str | None
    machine_type: str | None
    cpu_request_millicores: int | None
    cpu_limit_millicores: int | None
    memory_request_mib: int | None
    memory_limit_mib: int | None
    gpu_count: int
    gpu_type: str | None = strawberry.field(
        description="Checked against the environment's GPU catalogue when it has one."
    )
    replica_count: int | None = strawberry.field(
        description="Live replicas, as last reported (minInstances ≤ replicaCount ≤ maxInstances)."
    )
    autoscaling_target_cpu_percent: int | None
    autoscaling_target_rps: float | None
    autoscaling_target_concurrency: int | None
    capacity_type: CapacityType
    health_check_path: str | None
    service_type: ServiceType | None = strawberry.field(
        description="KUBERNETES or CLOUD_RUN (null: not stated, no platform rules apply)."
    )
    region: str | None = strawberry.field(description="The cloud region it runs in.")
    deployed_at: datetime | None = strawberry.field(description="Last became ACTIVE.")
    terminated_at: datetime | None
    health: DeploymentHealth | None = strawberry.field(
        description="As reported by the runtime (deploymentRuntimeReport)."
    )
    health_reported_at: datetime | None
    framework_status: JSON | None = strawberry.field(
        description="The serving framework's raw status, as last reported."
    )
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    model_version_id: strawberry.Private[uuid.UUID]
    environment_id: strawberry.Private[uuid.UUID]
    endpoint_id: strawberry.Private[uuid.UUID]
    embedding_dim: strawberry.Private[int | None]
    created_by_id: strawberry.Private[uuid.UUID | None]

    environment = related()
    created_by = related(description="Who made it (null: a user since removed, or a key's tool).")

    model_version = related(name="modelVersion")
    project = related()
    endpoint = related(description="What clients call.")
    predictions = children(
        PREDICTIONS_OF_DEPLOYMENT,
        [
            *PAGING,
            ("filter", PredictionFilterInput | None, None),
            ("order_by", PredictionOrder, PredictionOrder.RECORDED_AT_DESC),
        ],
        query=filtered_query,
        description="Individual predictions, newest first by default (for debugging).",
    )

    @strawberry.field(description=AGGREGATE_DESCRIPTION + " Over `predictions`.")
    async def prediction_aggregate(
        self,
        info: Info,
        filter: PredictionFilterInput | None = None,
        group_by: PredictionGroupBy | None = None,
        of: PredictionNumber | None = None,
    ) -> list[AggregateGroup]:
        list_filter = filter.to_filter() if filter else None
        return await aggregate(
            info, PREDICTIONS_OF_DEPLOYMENT, self.db_id, list_filter, group_by, of
        )

    monitoring_metrics = children(
        METRICS_OF_DEPLOYMENT,
        [
            ("names", list[str] | None, None),
            ("from_", Annotated[datetime | None, strawberry.argument(name="from")], None),
            ("to", datetime | None, None),
            *PAGING,
            ("order_by", MetricOrder, MetricOrder.RECORDED_AT_ASC),
        ],
        query=metric_points_query,
        description="Metric points, optionally of some names and within [from, to).",
    )
    alerts = children(
        ALERTS_OF_DEPLOYMENT,
        [
            ("status", list[AlertStatus] | None, None),
            ("severity", list[AlertSeverity] | None, None),
            *PAGING,
            ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC),
        ],
        query=alerts_query,
        description="Alerts raised on this deployment, newest first by default.",
    )

    @strawberry.field(description="Aggregates of recorded predictions over the last windowSeconds.")
    async def prediction_stats(self, info: Info, window_seconds: int = 3600) -> PredictionStats:
        if not 1 <= window_seconds <= 30 * 24 * 3600:
            raise ClientError("windowSeconds must be between 1 and 2592000 (30 days)")
        (
            count,
            avg_latency,
            p95_latency,
            avg_confidence,
        ) = await info.context.loaders.prediction_stats.load((self.db_id, window_seconds))
        return PredictionStats(
            count=count,
            avg_latency_ms=avg_latency,
            p95_latency_ms=p95_latency,
            avg_confidence=avg_confidence,
        )

    @strawberry.field(description="Dimension of this deployment's prediction embeddings.")
    def embedding_dimension(self) -> int | None:
        return self.embedding_dim

    drift_reports = children(
        DRIFT_REPORTS_OF_DEPLOYMENT, description="Drift reports, newest first."
    )

    @strawberry.field(
        description="Drift of recent prediction embeddings (last windowSeconds) from the "
        "reference ones: centroid cosine distance with a permutation p-value (up to 500 "
        "vectors per side)."
    )
    async def embedding_drift(
        self, info: Info, window_seconds: int = 86_400, permutations: int = 200
    ) -> EmbeddingDrift:
        if not 1 <= window_seconds <= 90 * 86_400:
            raise ClientError("windowSeconds must be between 1 and 7776000 (90 days)")
        if not 10 <= permutations <= 2_000:
            raise ClientError("permutations must be between 10 and 2000")
        reference, current = await info.context.loaders.embedding_samples.load(
            (self.db_id, window_seconds)
        )
        result = await asyncio.to_thread(
            embedding_drift,
            reference,
            current,
            permutations=permutations,
            seed=self.db_id.int % 2**32,
        )
        return EmbeddingDrift(
            reference_count=result.reference_count,
            current_count=result.current_count,
            centroid_cosine_distance=result.centroid_cosine_distance,
            p_value=result.p_value,
            is_drift_detected=result.is_drift_detected,
        )

    @strawberry.field(
        description="The k recorded embeddings nearest to vector (cosine), via the HNSW index."
    )
    async def similar_predictions(
        self,
        info: Info,
        vector: Vector,
        k: int = 10,
    ) -> list[SimilarPrediction]:
        if not 1 <= k <= 100:
            raise ClientError("k must be between 1 and 100")
        if self.embedding_dim is None:
            return []
        if len(vector) != self.embedding_dim or not all(math.isfinite(x) for x in vector):
            raise ClientError(f"vector must have {self.embedding_dim} finite values")
        rows = await info.context.loaders.similar_predictions.load(
            (self.db_id, self.embedding_dim, tuple(vector), k)
        )
        return [
            SimilarPrediction(
                id=strawberry.ID(encode_id("PredictionEmbedding", row.id)),
                distance=row.distance,
                is_reference=row.is_reference,
                recorded_at=row.recorded_at,
            )
            for row in rows
        ]

    events = children(
        EVENTS_OF_DEPLOYMENT,
        [*PAGING, ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC)],
        description="History: deploy, update, rollback, terminate.",
    )


@from_declaration(DeploymentEventRow)
@strawberry.type(description="One step of a deployment's history.")
class DeploymentEvent(Node, FromRow):
    event_type: DeploymentEventType
    details: JSON
    created_at: datetime
    status: DeploymentActionStatus = strawberry.field(
        description="A deploy is PENDING until the deployment is DEPLOYING (IN_PROGRESS), "
        "then COMPLETED when ACTIVE or FAILED; a terminate completes when TERMINATED; "
        "other actions complete at once."
    )
    error_message: str | None
    started_at: datetime | None
    finished_at: datetime | None
    from_model_version_id: strawberry.Private[uuid.UUID | None]
    to_model_version_id: strawberry.Private[uuid.UUID | None]
    actor_user_id: strawberry.Private[uuid.UUID | None]

    actor = related(column="actor_user_id", description="Who made this change.")
    from_version = related(column="from_model_version_id")
    to_version = related(column="to_model_version_id")


@from_declaration(
    PredictionRow,
    computed={
        # Not a Node (a deployment's predictions are read through it): the id that
        # predictionsComplete names a PENDING one by.
        "id": Computed(
            sql=global_id_sql("Prediction", "{a}.id"),
            python=lambda row: encode_id("Prediction", row.id),
            json=True,
        )
    },
)
@strawberry.type(description="One served prediction.")
class Prediction(FromRow):
    id: strawberry.ID
    recorded_at: datetime
    input: JSON | None
    output: JSON | None
    latency_ms: float | None = strawberry.field(description="Null while PENDING.")
    confidence: float | None
    status: PredictionStatus = strawberry.field(
        description="PENDING until answered (predictionsComplete), then COMPLETED or FAILED."
    )
    completed_at: datetime | None = strawberry.field(
        description="When it was answered (null while PENDING, and for predictions "
        "recorded before migration 0058)."
    )
    model_version_id: strawberry.Private[uuid.UUID | None]

    model_version = related(
        description="The version that served it (null for predictions recorded before "
        "versions were stamped)."
    )


@from_declaration(
    ServingEndpointRow,
    python={
        "viewerCanSetTraffic": "the caller's write rule (app/domain/serving/lifecycle.py), "
        "known to the request"
    },
)
@strawberry.type(
    description="What clients call for one model in one environment: its active deployment "
    "(the ACTIVE one taking the most traffic), the one before, and the traffic split."
)
class ServingEndpoint(Node, FromRow):
    url: str | None
    status: EndpointStatus
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    model_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    environment_id: strawberry.Private[uuid.UUID]
    active_deployment_id: strawberry.Private[uuid.UUID | None]
    previous_deployment_id: strawberry.Private[uuid.UUID | None]

    model = related()
    environment = related()
    project = related()
    active_deployment = related(
        description="The deployment serving now, or at instant `at` (from the endpoint's "
        "history); null if none.",
        history=active_deployment_at,
    )
    previous_deployment = related(
        description="The deployment that was active before the current one."
    )
    deployments = children(
        DEPLOYMENTS_OF_ENDPOINT,
        [
            *PAGING,
            ("filter", DeploymentFilterInput | None, None),
            ("order_by", NamedOrder, NamedOrder.CREATED_ASC),
        ],
        query=filtered_query,
        description="Every deployment of the model in the environment.",
    )
    traffic_split = children(
        DEPLOYMENTS_OF_ENDPOINT,
        query=traffic_split_query,
        description="The ACTIVE deployments and their trafficPercentage, the most first.",
    )
    promotion_policy = related(
        lookup=Lookup(PromotionPolicyRow, "endpoint_id"),
        description="The gate on this endpoint's canary, if any.",
    )
    history = children(
        EVENTS_OF_ENDPOINT,
        [*PAGING, ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC)],
        description="Every move of the active deployment, newest first.",
    )

    @strawberry.field(
        description="Whether the caller may set this endpoint's traffic split (and change "
        "its deployments): a key that writes, a contributor of the project (which is not "
        "PUBLIC), an organization admin in a protected environment. A page offers the "
        "controls only then; the mutations check the same rule."
    )
    async def viewer_can_set_traffic(self, info: Info) -> bool:
        async with info.context.read_session_factory() as session:
            project = await session.get(ProjectRow, self.project_id)
            if project is None:
                return False
            refusal = await deployment_write_refusal(
                session, info.context.actor, project, self.environment_id
            )
        return refusal is None


@from_declaration(PromotionPolicyRow)
@strawberry.type(
    description="Promote an endpoint's canary to 100 % after bakeMinutes with no open alert "
    "of maxAlertSeverity or above and every metric bound held; otherwise roll it back."
)
class PromotionPolicy(Node, FromRow):
    enabled: bool
    bake_minutes: int
    max_alert_severity: AlertSeverity
    metric_bounds: JSON = strawberry.field(
        description="[{metric, min, max}]: the metric's average on the canary since it "
        "started must lie within [min, max] (a bound without data fails)."
    )
    last_evaluated_at: datetime | None
    last_decision: PromotionDecision | None
    last_decision_at: datetime | None
    last_reason: str | None
    created_at: datetime
    updated_at: datetime
    endpoint_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID | None]

    endpoint = related()
    created_by = related()


@from_declaration(ServingEndpointEventRow)
@strawberry.type(description="One move of an endpoint's active deployment.")
class ServingEndpointEvent(FromRow):
    reason: EndpointChange
    created_at: datetime
    from_deployment_id: strawberry.Private[uuid.UUID | None]
    to_deployment_id: strawberry.Private[uuid.UUID | None]
    actor_user_id: strawberry.Private[uuid.UUID | None]

    from_deployment = related()
    to_deployment = related()
    actor = related(column="actor_user_id")


@from_declaration(
    IntegrationConfigRow,
    columns={"type": "integration_type"},
    attributes={"type": "integration_type"},
)
@strawberry.type(description="A tool an environment integrates with, its config and flags.")
class IntegrationConfig(Node, FromRow):
    type: IntegrationType
    tool: str
    enabled: bool
    config: JSON = strawberry.field(description="Valid against the tool's configSchema.")
    feature_flags: JSON = strawberry.field(description="Flag name → true/false.")
    created_at: datetime
    updated_at: datetime
    environment_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID | None]

    environment = related()
    created_by = related()
