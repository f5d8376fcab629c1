"""The production version of each model (at most one, by a partial unique index)."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader
from sqlalchemy import select

from app.db.engine import SessionFactory
from app.domain.registry.enums import ModelStage
from app.domain.registry.models import ModelVersion


class ProductionVersionLoader(DataLoader):  # type: ignore[misc]
    """key: model id -> its production ModelVersion row or None."""

    def __init__(self, session_factory: SessionFactory, org_ids: list[uuid.UUID]) -> None:
        super().__init__()
        self.session_factory = session_factory
        self.org_ids = org_ids

    async def batch_load_fn(self, keys: list[uuid.UUID]) -> list[ModelVersion | None]:
        statement = select(ModelVersion).where(
            ModelVersion.model_id.in_(keys),
            ModelVersion.organization_id.in_(self.org_ids),
            ModelVersion.stage == ModelStage.PRODUCTION.value,
            ModelVersion.deleted_at.is_(None),
        )
        async with self.session_factory() as session:
            found = {row.model_id: row for row in (await session.execute(statement)).scalars()}
        return [found.get(key) for key in keys]
