"""Rows by primary key, limited to the caller's organizations; None where not visible.

Read straight through asyncpg (the compiled path's pool, app/db/statements.py): one
statement per model and batch, its rows plain named tuples with the model's attribute
names — a node lookup through a session and the ORM was a fifth of a chart read's Python
time. The models hold columns only (no relationships or computed attributes), so a
tuple of the columns is all a reader of the row can ask for."""

from __future__ import annotations

import functools
import uuid
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, inspect, or_
from sqlalchemy.dialects.postgresql import TSVECTOR

from app.api.loaders.base import SharedLoader
from app.db.statements import StatementPool
from app.domain.tenancy.models import ApiKey, Membership, Organization, User
from app.domain.tenancy.visibility import visible_conditions, visible_sql


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


# The caller as the first three parameters of a statement written as SQL text (the
# compiled reads and the reads below): typed once here, whether or not a condition reads
# them — its organizations ($1), itself ($2), the private projects hidden from it ($3).
CALLER = "(SELECT $1::uuid[], $2::uuid, $3::uuid[]) AS caller(organizations, id, hidden)"


def visibility_sql(model: Any, alias: str, any_hidden: bool) -> str:
    """The same conditions as SQL text over ``alias``: the caller's organizations as $1,
    the caller as $2, the private projects hidden from it as $3 (read only when
    ``any_hidden``)."""
    table = model.__table__
    if model is Organization:
        return f"{alias}.id = ANY($1) AND {alias}.deleted_at IS NULL"
    if model is User:  # the User type, and the viewer (the caller's own row)
        return (
            f"({alias}.id = $2 OR EXISTS (SELECT 1 FROM memberships m WHERE "
            f"m.user_id = {alias}.id AND m.organization_id = ANY($1) AND m.deleted_at IS NULL))"
        )
    if model is ApiKey:  # a key is its owner's alone
        return f"{alias}.user_id = $2"
    live = f" AND {alias}.deleted_at IS NULL" if "deleted_at" in table.c else ""
    outside = visible_sql(table.name, alias, "$3") if any_hidden else None
    hidden = f" AND {outside}" if outside is not None else ""
    return f"{alias}.organization_id = ANY($1){live}{hidden}"


@functools.cache
def _reader(model: Any, any_hidden: bool) -> tuple[str, Any]:
    """The statement reading ``model``'s visible rows by id ($4, a uuid[]), and the named
    tuple its rows become (fields: the model's attribute names; full-text vectors, which
    no reader asks for, are left out)."""
    columns = [
        (attribute.key, attribute.columns[0].name)
        for attribute in inspect(model).column_attrs
        if not isinstance(attribute.columns[0].type, TSVECTOR)
    ]
    selected = ", ".join(f'a."{name}"' for _, name in columns)
    sql = (
        f"SELECT {selected} FROM {model.__table__.name} a, {CALLER} "
        f"WHERE a.id = ANY($4::uuid[]) AND {visibility_sql(model, 'a', any_hidden)}"
    )
    return sql, namedtuple(f"{model.__name__}Row", [key for key, _ in columns])


class RowsByIdLoader(SharedLoader):
    def __init__(
        self,
        statements: StatementPool,
        org_ids: list[uuid.UUID],
        user_id: uuid.UUID | None,
        model: Any,
        hidden: Sequence[uuid.UUID] = (),
    ) -> None:
        super().__init__()
        self.statements = statements
        self.org_ids = org_ids
        self.user_id = user_id
        self.model = model
        self.hidden = hidden

    async def batch_load_fn(self, keys: list[uuid.UUID]) -> list[Any | None]:
        if not self.org_ids and self.model is not User:
            return [None] * len(keys)
        sql, row = _reader(self.model, bool(self.hidden))
        params = [list(self.org_ids), self.user_id, list(self.hidden), list(keys)]
        found = {r.id: r for r in map(row._make, await self.statements.fetch(sql, params))}
        return [found.get(key) for key in keys]
