"""Rows by primary key, limited to the caller's organizations; None where not visible."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select

from app.api.loaders.base import SharedLoader
from app.db.engine import SessionFactory
from app.domain.tenancy.models import ApiKey, Membership, Organization, User
from app.domain.tenancy.visibility import visible_conditions


def visibility(
    model: Any,
    org_ids: list[uuid.UUID],
    user_id: uuid.UUID | None,
    hidden: Sequence[uuid.UUID] = (),
) -> list[ColumnElement[bool]]:
    """Tenancy conditions for a by-id read of ``model``: the caller's organizations, live
    rows, and nothing under a private project hidden from the caller."""
    if model is Organization:
        return [Organization.id.in_(org_ids), Organization.deleted_at.is_(None)]
    if model is User:
        shares_org = exists().where(
            Membership.user_id == User.id,
            Membership.organization_id.in_(org_ids),
            Membership.deleted_at.is_(None),
        )
        return [or_(User.id == user_id, shares_org)]
    if model is ApiKey:  # a key is its owner's alone
        return [ApiKey.user_id == user_id]
    conditions = [model.organization_id.in_(org_ids)]
    if hasattr(model, "deleted_at"):
        conditions.append(model.deleted_at.is_(None))
    return conditions + visible_conditions(model, hidden)


class RowsByIdLoader(SharedLoader):
    def __init__(
        self,
        session_factory: SessionFactory,
        org_ids: list[uuid.UUID],
        user_id: uuid.UUID | None,
        model: Any,
        hidden: Sequence[uuid.UUID] = (),
    ) -> None:
        super().__init__()
        self.session_factory = session_factory
        self.org_ids = org_ids
        self.user_id = user_id
        self.model = model
        self.hidden = hidden

    async def batch_load_fn(self, keys: list[uuid.UUID]) -> list[Any | None]:
        if not self.org_ids and self.model is not User:
            return [None] * len(keys)
        statement = select(self.model).where(
            self.model.id.in_(keys),
            *visibility(self.model, self.org_ids, self.user_id, self.hidden),
        )
        async with self.session_factory() as session:
            found = {row.id: row for row in (await session.execute(statement)).scalars()}
        return [found.get(key) for key in keys]
