"""Private projects: what a caller may not see inside its own organizations.

A PRIVATE project, and everything under it, is seen only by its project members and the
organization's admins; an ORGANIZATION project by every member. The Actor carries the ids
of the private projects hidden from it (``Actor.hidden_projects``, read with the key); every
read adds one condition per table, built here from how the table reaches its project:
directly (``project_id``), or through the row it belongs to (a version through its model,
a point through its run, an alert through its deployment...), as its model declares
(``__under__``, app/db/base.py). Nothing is added for a
caller from whom nothing is hidden, so their statements stay as they were.

The same rule is written twice, for SQLAlchemy (the loaders and the services) and as SQL
text (the compiled reads and hand-written statements); ``tests/security/
test_project_visibility.py`` holds both to every type."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, any_, exists, literal, not_, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from app.db.base import Base, under

# -- SQLAlchemy ----------------------------------------------------------------------


def _hidden_array(hidden: Sequence[uuid.UUID]) -> Any:
    return literal(list(hidden), ARRAY(UUID(as_uuid=True)))


def _outside(table_name: str, table: Any, hidden: Any) -> ColumnElement[bool] | None:
    """True for a row of ``table`` (the table ``table_name`` or an alias of it) outside
    the hidden projects: its project not hidden, and each row it lives under (when it
    names one) found and itself outside. Written as the parents being *found*, never as
    a hidden parent being absent: under row-level security a hidden parent is not found
    at all, and "no hidden parent found" would admit its children. The name is passed
    apart because an alias has its own: chains of two parents (an alias event → alias →
    model) look the parent up by the table's name."""
    if table_name == "projects":
        outside: ColumnElement[bool] = not_(table.c.id == any_(hidden))
        return outside
    conditions: list[ColumnElement[bool]] = []
    if "project_id" in table.c:
        column = table.c.project_id
        conditions.append(or_(column.is_(None), not_(column == any_(hidden))))
    for column_name, parent_name in under(table_name):
        parent = Base.metadata.tables[parent_name].alias()
        inner = _outside(parent_name, parent, hidden)
        if inner is None:
            raise LookupError(f"{parent_name} reaches no project: declare its __under__")
        column = table.c[column_name]
        found = exists(select(1).where(parent.c.id == column, inner))
        conditions.append(or_(column.is_(None), found) if column.nullable else found)
    return and_(*conditions) if conditions else None


def visible_conditions(model: Any, hidden: Sequence[uuid.UUID]) -> list[ColumnElement[bool]]:
    """The condition that keeps rows of ``model`` (an ORM class or a Table) outside the
    hidden projects; none when nothing is hidden or the table is not under a project."""
    if not hidden:
        return []
    table = model if isinstance(model, Table) else model.__table__
    outside = _outside(table.name, table, _hidden_array(hidden))
    return [] if outside is None else [outside]


# -- SQL text ------------------------------------------------------------------------


def _outside_sql(table_name: str, alias: str, param: str, depth: int = 0) -> str | None:
    table = Base.metadata.tables[table_name]
    if table_name == "projects":
        return f"NOT ({alias}.id = ANY({param}))"
    conditions = []
    if "project_id" in table.c:
        conditions.append(f"NOT coalesce({alias}.project_id = ANY({param}), false)")
    for column_name, parent_name in under(table_name):
        parent_alias = f"vp{depth}_{len(conditions)}"
        inner = _outside_sql(parent_name, parent_alias, param, depth + 1)
        found = (
            f"EXISTS (SELECT 1 FROM {parent_name} {parent_alias} WHERE "
            f"{parent_alias}.id = {alias}.{column_name} AND {inner})"
        )
        if table.c[column_name].nullable:
            found = f"({alias}.{column_name} IS NULL OR {found})"
        conditions.append(found)
    return " AND ".join(conditions) if conditions else None


def visible_sql(table_name: str, alias: str, param: str) -> str | None:
    """The same condition as SQL text over ``alias``, with the hidden project ids bound
    as ``param`` (a uuid[]); None when the table is not under a project."""
    outside = _outside_sql(table_name, alias, param)
    return None if outside is None else f"({outside})"
