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

from app.api.enums import (
    AlertSeverity,
    AlertStatus,
    CreatedOrder,
    DeploymentEventType,
    DeploymentStatus,
    MetricOrder,
    NamedOrder,
)
from app.api.errors import ClientError
from app.api.graph.converters import from_declaration
from app.api.graph.fields import PAGING, children, related
from app.api.ids import decode_any, encode_id
from app.api.loaders.list_spec import DeploymentFilter
from app.api.monitoring.types import (
    EmbeddingDrift,
    PredictionStats,
    SimilarPrediction,
)
from app.api.node import Node, register_node
from app.api.scalars import Vector
from app.domain.monitoring.embeddings import embedding_drift
from app.domain.serving.models import Deployment as DeploymentRow
from app.domain.serving.models import DeploymentEvent as DeploymentEventRow
from app.domain.serving.models import Environment as EnvironmentRow
from app.domain.serving.models import GpuType as GpuTypeRow


@strawberry.input(description="Filter deployments.")
class DeploymentFilterInput:
    status: list[DeploymentStatus] | None = None  # type: ignore[valid-type]
    environment_id: list[strawberry.ID] | None = None

    def to_filter(self) -> DeploymentFilter:
        env_ids: list[uuid.UUID] = []
        for gid in self.environment_id or []:
            decoded = decode_any(gid)
            # An id that is not an environment matches nothing (not an error: it is a filter).
            env_ids.append(
                decoded[1] if decoded and decoded[0] == "Environment" else uuid.UUID(int=0)
            )
        return DeploymentFilter(
            environment_ids=tuple(env_ids),
            statuses=tuple(s.value for s in self.status or []),
        )


@from_declaration("Environment")
@strawberry.type(description="A named place models are served in (e.g. staging, production).")
class Environment(Node):
    name: str
    description: str | None
    protected: bool
    config: JSON
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]

    deployments = children(
        "Environment",
        "deployments",
        "app.api.serving.types",
        [
            *PAGING,
            ("filter", DeploymentFilterInput | None, None),
            ("order_by", NamedOrder, NamedOrder.CREATED_ASC),
        ],
        description="Deployments in this environment.",
    )
    active_deployments = children(
        "Environment",
        "activeDeployments",
        "app.api.serving.types",
        [*PAGING, ("order_by", NamedOrder, NamedOrder.NAME_ASC)],
        description="Deployments serving here now (status ACTIVE).",
    )
    gpu_types = children(
        "Environment",
        "gpuTypes",
        "app.api.serving.types",
        [*PAGING, ("enabled", bool | None, None)],
        description="The GPU types this environment offers, by priority (none last), then "
        "label. `enabled` keeps only the enabled (true) or disabled (false) ones.",
    )


@from_declaration("GpuType")
@strawberry.type(description="A GPU type an environment offers (its GPU catalogue).")
class GpuType(Node):
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

    environment = related("GpuType", "environment", "app.api.serving.types")


@from_declaration("Deployment", attributes={"embedding_dim": "embedding_dimension"})
@strawberry.type(description="A model version served in an environment.")
class Deployment(Node):
    name: str
    status: DeploymentStatus  # type: ignore[valid-type]
    min_instances: int
    max_instances: int
    autoscaling: bool
    traffic_percentage: int
    endpoint_url: str | None
    config: JSON
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    model_version_id: strawberry.Private[uuid.UUID]
    environment_id: strawberry.Private[uuid.UUID]
    embedding_dim: strawberry.Private[int | None]

    environment = related("Deployment", "environment", "app.api.serving.types")
    model_version = related(
        "Deployment", "modelVersion", "app.api.registry.types", name="modelVersion"
    )
    project = related("Deployment", "project", "app.api.registry.types")
    monitoring_metrics = children(
        "Deployment",
        "monitoringMetrics",
        "app.api.monitoring.types",
        [
            ("names", list[str] | None, None),
            ("from_", Annotated[datetime | None, strawberry.argument(name="from")], None),
            ("to", datetime | None, None),
            *PAGING,
            ("order_by", MetricOrder, MetricOrder.RECORDED_AT_ASC),
        ],
        description="Metric points, optionally of some names and within [from, to).",
    )
    alerts = children(
        "Deployment",
        "alerts",
        "app.api.monitoring.types",
        [
            ("status", list[AlertStatus] | None, None),
            ("severity", list[AlertSeverity] | None, None),
            *PAGING,
            ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC),
        ],
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
        "Deployment",
        "driftReports",
        "app.api.monitoring.types",
        description="Drift reports, newest first.",
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
        k: int = 10,  # type: ignore[valid-type]
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
        "Deployment",
        "events",
        "app.api.serving.types",
        [*PAGING, ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC)],
        description="History: deploy, update, rollback, terminate.",
    )


@from_declaration("DeploymentEvent")
@strawberry.type(description="One step of a deployment's history.")
class DeploymentEvent(Node):
    event_type: DeploymentEventType  # type: ignore[valid-type]
    details: JSON
    created_at: datetime
    from_model_version_id: strawberry.Private[uuid.UUID | None]
    to_model_version_id: strawberry.Private[uuid.UUID | None]
    actor_user_id: strawberry.Private[uuid.UUID | None]

    actor = related(
        "DeploymentEvent", "actor", "app.api.tenancy.types", description="Who made this change."
    )
    from_version = related("DeploymentEvent", "fromVersion", "app.api.registry.types")
    to_version = related("DeploymentEvent", "toVersion", "app.api.registry.types")


register_node("Environment", EnvironmentRow, Environment.from_row)
register_node("Deployment", DeploymentRow, Deployment.from_row)
register_node("GpuType", GpuTypeRow, GpuType.from_row)
register_node("DeploymentEvent", DeploymentEventRow, DeploymentEvent.from_row)
