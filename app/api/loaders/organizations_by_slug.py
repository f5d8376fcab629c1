"""Organizations by slug, among the caller's organizations."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.api.loaders.base import SharedLoader
from app.db.engine import SessionFactory
from app.domain.tenancy.models import Organization


class OrganizationBySlugLoader(SharedLoader):
    def __init__(self, session_factory: SessionFactory, org_ids: list[uuid.UUID]) -> None:
        super().__init__()
        self.session_factory = session_factory
        self.org_ids = org_ids

    async def batch_load_fn(self, slugs: list[str]) -> list[Organization | None]:
        if not self.org_ids:
            return [None] * len(slugs)
        statement = select(Organization).where(
            Organization.slug.in_(slugs),
            Organization.id.in_(self.org_ids),
            Organization.deleted_at.is_(None),
        )
        async with self.session_factory() as session:
            found = {row.slug: row for row in (await session.execute(statement)).scalars()}
        return [found.get(slug) for slug in slugs]
