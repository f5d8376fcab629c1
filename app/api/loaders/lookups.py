"""A to-one row found by a declared condition (``Lookup``), for many parents at once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from app.api.graph.declare import Lookup
from app.api.loaders.base import SharedLoader
from app.api.loaders.rows_by_id import visibility
from app.db.engine import SessionFactory


class LookupLoader(SharedLoader):
    """key: parent id -> the target row (at most one, by a unique index) or None."""

    def __init__(
        self,
        session_factory: SessionFactory,
        org_ids: list[uuid.UUID],
        model: Any,
        lookup: Lookup,
        hidden: Sequence[uuid.UUID] = (),
    ) -> None:
        super().__init__()
        self.session_factory = session_factory
        self.org_ids = org_ids
        self.model = model
        self.lookup = lookup
        self.hidden = hidden

    async def batch_load_fn(self, keys: list[uuid.UUID]) -> list[Any | None]:
        model, parent_column = self.model, self.lookup.parent_column
        conditions = [
            getattr(model, parent_column).in_(keys),
            *self.lookup.where(model),
            *visibility(model, self.org_ids, None, self.hidden),  # as by id
        ]
        async with self.session_factory() as session:
            rows = (await session.execute(select(model).where(*conditions))).scalars()
            found = {getattr(row, parent_column): row for row in rows}
        return [found.get(key) for key in keys]
