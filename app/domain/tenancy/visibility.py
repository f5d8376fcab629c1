"""Private projects: what a caller may not see inside its own organizations.

A PRIVATE project, and everything under it, is seen only by its project members and the
organization's admins; an ORGANIZATION project by every member. The Actor carries the ids
of the private projects hidden from it (``Actor.hidden_projects``, read with the key); every
read adds one condition per table, built here from how the table reaches its project:
directly (``project_id``), or through the row it belongs to (a version through its model,
a point through its run, an alert through its deployment...). Nothing is added for a
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

from app.db.base import Base

# table -> the (column, table) of the rows it lives under: for tables without project_id,
# and for rules that may name a deployment beside (or instead of) a project — a rule
# scoped to a deployment of a private project is that project's.
UNDER: dict[str, tuple[tuple[str, str], ...]] = {
    "notification_rules": (("deployment_id", "deployments"),),
    "alert_rules": (("deployment_id", "deployments"),),
    "model_versions": (("model_id", "models"),),
    "model_aliases": (("model_id", "models"),),
    "model_alias_events": (("alias_id", "model_aliases"),),
    "model_production_events": (("model_id", "models"),),
    "run_metric_chunks": (("run_id", "runs"),),
    "run_metric_rollups": (("run_id", "runs"),),
    "run_metric_summaries": (("run_id", "runs"),),
    "dataset_versions": (("dataset_id", "datasets"),),
    "dataset_version_parents": (("child_id", "dataset_versions"),),
    "dataset_inputs": (("dataset_version_id", "dataset_versions"), ("run_id", "runs")),
    "alerts": (("deployment_id", "deployments"), ("rule_id", "alert_rules")),
    "deployment_events": (("deployment_id", "deployments"),),
    "drift_reports": (("deployment_id", "deployments"),),
    "drift_feature_scores": (("report_id", "drift_reports"),),
    "monitoring_metrics": (("deployment_id", "deployments"),),
    "predictions": (("deployment_id", "deployments"),),
    "prediction_embeddings": (("deployment_id", "deployments"),),
    "pipeline_runs": (("pipeline_id", "pipelines"),),
    "serving_endpoint_events": (("endpoint_id", "serving_endpoints"),),
    "promotion_policies": (("endpoint_id", "serving_endpoints"),),
}


# -- SQLAlchemy ----------------------------------------------------------------------


def _hidden_array(hidden: Sequence[uuid.UUID]) -> Any:
    return literal(list(hidden), ARRAY(UUID(as_uuid=True)))


def _in_hidden(table_name: str, table: Any, hidden: Any) -> ColumnElement[bool] | None:
    """True for a row of ``table`` (the table ``table_name`` or an alias of it) under one
    of the hidden projects (never NULL). The name is passed apart because an alias has
    its own: chains of two parents (an alias event → alias → model) look the parent up
    by the table's name."""
    if table_name == "projects":
        found: ColumnElement[bool] = table.c.id == any_(hidden)
        return found
    paths: list[ColumnElement[bool]] = []
    if "project_id" in table.c:
        column = table.c.project_id
        paths.append(and_(column.is_not(None), column == any_(hidden)))
    for column_name, parent_name in UNDER.get(table_name, ()):
        parent = Base.metadata.tables[parent_name].alias()
        inner = _in_hidden(parent_name, parent, hidden)
        if inner is None:
            raise LookupError(f"{parent_name} reaches no project: declare it in UNDER")
        paths.append(exists(select(1).where(parent.c.id == table.c[column_name], inner)))
    return or_(*paths) if paths else None


def visible_conditions(model: Any, hidden: Sequence[uuid.UUID]) -> list[ColumnElement[bool]]:
    """The condition that keeps rows of ``model`` (an ORM class or a Table) outside the
    hidden projects; none when nothing is hidden or the table is not under a project."""
    if not hidden:
        return []
    table = model if isinstance(model, Table) else model.__table__
    in_hidden = _in_hidden(table.name, table, _hidden_array(hidden))
    return [] if in_hidden is None else [not_(in_hidden)]


# -- SQL text ------------------------------------------------------------------------


def _in_hidden_sql(table_name: str, alias: str, param: str, depth: int = 0) -> str | None:
    table = Base.metadata.tables[table_name]
    if table_name == "projects":
        return f"{alias}.id = ANY({param})"
    paths = []
    if "project_id" in table.c:
        paths.append(f"coalesce({alias}.project_id = ANY({param}), false)")
    for column_name, parent_name in UNDER.get(table_name, ()):
        parent_alias = f"vp{depth}_{len(paths)}"
        inner = _in_hidden_sql(parent_name, parent_alias, param, depth + 1)
        paths.append(
            f"EXISTS (SELECT 1 FROM {parent_name} {parent_alias} WHERE "
            f"{parent_alias}.id = {alias}.{column_name} AND {inner})"
        )
    return " OR ".join(paths) if paths else None


def visible_sql(table_name: str, alias: str, param: str) -> str | None:
    """The same condition as SQL text over ``alias``, with the hidden project ids bound
    as ``param`` (a uuid[]); None when the table is not under a project."""
    in_hidden = _in_hidden_sql(table_name, alias, param)
    return None if in_hidden is None else f"NOT ({in_hidden})"
