"""totalCount of a child list for many parents in one GROUP BY statement."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from app.api.loaders.base import SharedLoader
from app.api.loaders.child_pages import base_conditions
from app.api.loaders.list_spec import CountKey, ListFilter, ListSpec
from app.db.engine import SessionFactory


class ChildCountLoader(SharedLoader):
    """key: (parent id, filter) -> number of live child rows."""

    def __init__(
        self,
        session_factory: SessionFactory,
        org_ids: list[uuid.UUID],
        spec: ListSpec,
        hidden: Sequence[uuid.UUID] = (),
    ) -> None:
        super().__init__()
        self.session_factory = session_factory
        self.org_ids = org_ids
        self.spec = spec
        self.hidden = hidden

    async def batch_load_fn(self, keys: list[CountKey]) -> list[int]:
        groups: dict[ListFilter | None, list[uuid.UUID]] = defaultdict(list)
        for parent_id, list_filter in keys:
            groups[list_filter].append(parent_id)
        counts: dict[CountKey, int] = {}
        parent = getattr(self.spec.model, self.spec.parent_column)
        async with self.session_factory() as session:
            for list_filter, parent_ids in groups.items():
                conditions = base_conditions(self.spec, parent_ids, self.org_ids, self.hidden)
                if list_filter is not None:
                    conditions.extend(list_filter.conditions(self.spec.model))
                statement = select(parent, func.count()).where(*conditions).group_by(parent)
                found: dict[Any, int] = dict((await session.execute(statement)).all())
                for parent_id in parent_ids:
                    counts[(parent_id, list_filter)] = int(found.get(parent_id, 0))
        return [counts[key] for key in keys]
