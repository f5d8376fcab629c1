"""A synthetic graph of a chosen fan-out, for the batching test and the benchmark.

Rows are inserted directly (the services' rules are tested elsewhere); it is the shape that
matters here: ``fanout`` projects x ``fanout`` models x ``versions`` versions, each version
deployed once, each deployment with ``points`` metric points and one alert."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.ids import uuid7
from app.domain.environments.models import Environment
from app.domain.monitoring.models import Alert, MonitoringMetric
from app.domain.registry.models import Model, ModelVersion
from app.domain.serving.models import Deployment, ServingEndpoint
from app.domain.tenancy.models import Project


@dataclass(frozen=True)
class FanoutShape:
    fanout: int
    versions: int = 2
    points: int = 3


async def seed_fanout(
    session: AsyncSession, organization_id: uuid.UUID, shape: FanoutShape
) -> None:
    org = organization_id
    env_id = uuid7()
    await session.execute(
        insert(Environment).values(
            id=env_id, organization_id=org, name="production", protected=False
        )
    )
    projects, models, versions, deployments, metrics, alerts = [], [], [], [], [], []
    endpoints: list[dict[str, object]] = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for p in range(shape.fanout):
        project_id = uuid7()
        projects.append(
            {"id": project_id, "organization_id": org, "slug": f"project-{p}", "name": f"P{p}"}
        )
        for m in range(shape.fanout):
            model_id = uuid7()
            models.append(
                {
                    "id": model_id,
                    "organization_id": org,
                    "project_id": project_id,
                    "name": f"model-{m}",
                    "model_type": "classification",
                    "framework": "xgboost",
                    "tags": ["bench"],
                }
            )
            endpoint_id = uuid7()  # the model's endpoint in the environment
            endpoints.append(
                {
                    "id": endpoint_id,
                    "organization_id": org,
                    "project_id": project_id,
                    "model_id": model_id,
                    "environment_id": env_id,
                    "status": "idle",
                }
            )
            for v in range(shape.versions):
                version_id = uuid7()
                versions.append(
                    {
                        "id": version_id,
                        "organization_id": org,
                        "model_id": model_id,
                        "version": f"1.{v}.0",
                        "stage": "staging",
                    }
                )
                deployment_id = uuid7()
                deployments.append(
                    {
                        "id": deployment_id,
                        "organization_id": org,
                        "project_id": project_id,
                        "model_version_id": version_id,
                        "environment_id": env_id,
                        "endpoint_id": endpoint_id,
                        "name": f"m{m}-v{v}",
                        "status": "active",
                    }
                )
                metrics += [
                    {
                        "organization_id": org,
                        "deployment_id": deployment_id,
                        "name": "latency_ms",
                        "recorded_at": start + timedelta(minutes=i),
                        "value": 10.0 + i,
                    }
                    for i in range(shape.points)
                ]
                alerts.append(
                    {
                        "id": uuid7(),
                        "organization_id": org,
                        "deployment_id": deployment_id,
                        "alert_type": "metric_threshold",
                        "severity": "high",
                        "status": "open",
                        "title": "latency",
                        "opened_at": start,
                    }
                )
    for table, rows in (
        (Project, projects),
        (Model, models),
        (ModelVersion, versions),
        (ServingEndpoint, endpoints),
        (Deployment, deployments),
        (MonitoringMetric, metrics),
        (Alert, alerts),
    ):
        if rows:
            await session.execute(insert(table), rows)
