"""Tell every server process that users' access changed (``mlgraph_access``): they forget
the cached Actor and recheck the user's live connections (app/events/access.py)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import topics
from app.domain.tenancy.models import Membership


async def publish_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    await topics.publish(session, topics.ACCESS, user=user_id)


async def publish_members(session: AsyncSession, organization_id: uuid.UUID) -> None:
    """Every member's cached access (roles, read-only organizations, hidden projects) is
    stale: drop it."""
    members = await session.scalars(
        select(Membership.user_id).where(
            Membership.organization_id == organization_id, Membership.deleted_at.is_(None)
        )
    )
    for user_id in members:
        await publish_user(session, user_id)
