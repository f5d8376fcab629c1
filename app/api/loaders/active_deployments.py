"""The active deployment of a model in an environment: the one taking the most traffic."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import select

from app.api.loaders.base import SharedLoader
from app.db.engine import SessionFactory
from app.domain.registry.models import ModelVersion
from app.domain.serving.enums import DeploymentStatus
from app.domain.serving.models import Deployment

ActiveKey = tuple[uuid.UUID, uuid.UUID]  # (model id, environment id)


class ActiveDeploymentLoader(SharedLoader):
    def __init__(self, session_factory: SessionFactory, org_ids: list[uuid.UUID]) -> None:
        super().__init__()
        self.session_factory = session_factory
        self.org_ids = org_ids

    async def batch_load_fn(self, keys: list[ActiveKey]) -> list[Deployment | None]:
        model_ids = list({model for model, _ in keys})
        environment_ids = list({environment for _, environment in keys})
        statement = (
            select(ModelVersion.model_id, Deployment)
            .join(ModelVersion, ModelVersion.id == Deployment.model_version_id)
            .where(
                ModelVersion.model_id.in_(model_ids),
                Deployment.environment_id.in_(environment_ids),
                Deployment.organization_id.in_(self.org_ids),
                Deployment.deleted_at.is_(None),
                Deployment.status == DeploymentStatus.ACTIVE.value,
            )
            .order_by(Deployment.traffic_percentage.desc(), Deployment.id.desc())
        )
        best: dict[ActiveKey, Deployment] = {}
        async with self.session_factory() as session:
            for model_id, deployment in await session.execute(statement):
                best.setdefault((model_id, deployment.environment_id), deployment)
        found: dict[ActiveKey, Deployment | None] = defaultdict(lambda: None, best)
        return [found[key] for key in keys]
