"""Lineage: what a dataset version, run or model version came from (UPSTREAM) or led to
(DOWNSTREAM), answered by ONE recursive SQL statement.

The graph, in the direction data flows:
    DatasetVersion ─DERIVED→ DatasetVersion           (dataset_version_parents)
    DatasetVersion ─CONSUMED(role)→ Run | TrainingJob  (dataset_inputs)
    TrainingJob ─PRODUCED→ Run                        (training_jobs.run_id)
    Run ─TRAINED→ ModelVersion                        (model_versions.run_id)
    ModelVersion ─DEPLOYED→ Deployment                (deployments.model_version_id)
    DatasetVersion | ModelVersion ─EVALUATED→ EvaluationRun   (evaluation_runs)

The walk follows one direction from the start node, one edge kind per branch of a
LATERAL union, each an index lookup; every table read carries the caller's organizations
and skips deleted rows. It stops at ``depth`` edges (at most 10) and cannot loop: each
step adds one to the depth, and identical rows are merged (UNION). Nodes come with the
shortest distance and a label; edges always point the way data flowed.

Its work is bounded, whatever the graph (a READ key must not tie up the database): the
walk's rows are (node, depth) pairs — a node reached along many paths is expanded once per
depth, not once per path (150 versions naming 100 parents each took 17.6 s when rows
carried the edge) —; the walk stops after ``MAX_WALK_ROWS`` of them (PostgreSQL evaluates
a recursive query only as far as it is read) and the answer after ``MAX_EDGES`` edges,
saying ``truncated``; and the statement has ``TIMEOUT_MS``, after which the caller is told
to ask for less."""

from __future__ import annotations

import enum
import functools
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.tenancy.visibility import visible_sql

MAX_DEPTH = 10
MAX_WALK_ROWS = 5_000  # (node, depth) pairs walked; the answer's nodes are at most these
MAX_EDGES = 10_000
TIMEOUT_MS = 5_000


class LineageTooLarge(Exception):
    """The walk ran out of time (its statement timeout): ask for a smaller depth."""


class Direction(enum.Enum):
    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"


class EdgeKind(enum.Enum):
    DERIVED = "derived"
    CONSUMED = "consumed"
    PRODUCED = "produced"
    TRAINED = "trained"
    DEPLOYED = "deployed"
    EVALUATED = "evaluated"


@dataclass(frozen=True)
class LineageNode:
    type: str
    id: uuid.UUID
    depth: int
    label: str | None


@dataclass(frozen=True)
class LineageEdge:
    from_type: str
    from_id: uuid.UUID
    to_type: str
    to_id: uuid.UUID
    kind: EdgeKind
    role: str | None


@dataclass(frozen=True)
class LineageGraph:
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool  # the walk reached MAX_WALK_ROWS or MAX_EDGES: a part of the graph


QUERY_CANCELED = "57014"  # PostgreSQL's code for a statement that ran past its timeout
ORG = "organization_id = ANY(:orgs)"

DOWNSTREAM_STEPS = f"""
  SELECT 'DatasetVersion', p.child_id, 'derived', NULL::text
    FROM dataset_version_parents p JOIN dataset_versions c ON c.id = p.child_id
   WHERE w.t = 'DatasetVersion' AND p.parent_id = w.id AND p.{ORG} AND c.deleted_at IS NULL
         {{hide:dataset_versions:c}}
  UNION ALL
  SELECT 'Run', i.run_id, 'consumed', i.role
    FROM dataset_inputs i JOIN runs r ON r.id = i.run_id
   WHERE w.t = 'DatasetVersion' AND i.dataset_version_id = w.id AND i.{ORG}
     AND r.deleted_at IS NULL {{hide:runs:r}}
  UNION ALL
  SELECT 'TrainingJob', i.training_job_id, 'consumed', i.role
    FROM dataset_inputs i JOIN training_jobs j ON j.id = i.training_job_id
   WHERE w.t = 'DatasetVersion' AND i.dataset_version_id = w.id AND i.{ORG}
     AND j.deleted_at IS NULL {{hide:training_jobs:j}}
  UNION ALL
  SELECT 'Run', j.run_id, 'produced', NULL
    FROM training_jobs j JOIN runs r ON r.id = j.run_id
   WHERE w.t = 'TrainingJob' AND j.id = w.id AND j.{ORG} AND r.deleted_at IS NULL
         {{hide:runs:r}}
  UNION ALL
  SELECT 'ModelVersion', v.id, 'trained', NULL
    FROM model_versions v
   WHERE w.t = 'Run' AND v.run_id = w.id AND v.{ORG} AND v.deleted_at IS NULL
         {{hide:model_versions:v}}
  UNION ALL
  SELECT 'Deployment', d.id, 'deployed', NULL
    FROM deployments d
   WHERE w.t = 'ModelVersion' AND d.model_version_id = w.id AND d.{ORG}
     AND d.deleted_at IS NULL {{hide:deployments:d}}
  UNION ALL
  SELECT 'EvaluationRun', e.id, 'evaluated', NULL
    FROM evaluation_runs e
   WHERE ((w.t = 'DatasetVersion' AND e.dataset_version_id = w.id)
       OR (w.t = 'ModelVersion' AND e.model_version_id = w.id))
     AND e.{ORG} {{hide:evaluation_runs:e}}
"""

UPSTREAM_STEPS = f"""
  SELECT 'DatasetVersion', p.parent_id, 'derived', NULL::text
    FROM dataset_version_parents p JOIN dataset_versions pv ON pv.id = p.parent_id
   WHERE w.t = 'DatasetVersion' AND p.child_id = w.id AND p.{ORG} AND pv.deleted_at IS NULL
         {{hide:dataset_versions:pv}}
  UNION ALL
  SELECT 'DatasetVersion', i.dataset_version_id, 'consumed', i.role
    FROM dataset_inputs i JOIN dataset_versions dv ON dv.id = i.dataset_version_id
   WHERE ((w.t = 'Run' AND i.run_id = w.id) OR (w.t = 'TrainingJob' AND i.training_job_id = w.id))
     AND i.{ORG} AND dv.deleted_at IS NULL {{hide:dataset_versions:dv}}
  UNION ALL
  SELECT 'TrainingJob', j.id, 'produced', NULL
    FROM training_jobs j
   WHERE w.t = 'Run' AND j.run_id = w.id AND j.{ORG} AND j.deleted_at IS NULL
         {{hide:training_jobs:j}}
  UNION ALL
  SELECT 'Run', v.run_id, 'trained', NULL
    FROM model_versions v JOIN runs r ON r.id = v.run_id
   WHERE w.t = 'ModelVersion' AND v.id = w.id AND v.{ORG} AND r.deleted_at IS NULL
         {{hide:runs:r}}
  UNION ALL
  SELECT 'ModelVersion', d.model_version_id, 'deployed', NULL
    FROM deployments d JOIN model_versions v ON v.id = d.model_version_id
   WHERE w.t = 'Deployment' AND d.id = w.id AND d.{ORG} AND v.deleted_at IS NULL
         {{hide:model_versions:v}}
  UNION ALL
  SELECT 'ModelVersion', e.model_version_id, 'evaluated', NULL
    FROM evaluation_runs e JOIN model_versions v ON v.id = e.model_version_id
   WHERE w.t = 'EvaluationRun' AND e.id = w.id AND e.{ORG} AND v.deleted_at IS NULL
         {{hide:model_versions:v}}
  UNION ALL
  SELECT 'DatasetVersion', e.dataset_version_id, 'evaluated', NULL
    FROM evaluation_runs e JOIN dataset_versions dv ON dv.id = e.dataset_version_id
   WHERE w.t = 'EvaluationRun' AND e.id = w.id AND e.{ORG} AND dv.deleted_at IS NULL
         {{hide:dataset_versions:dv}}
"""

LABEL = """CASE n.t
  WHEN 'DatasetVersion' THEN (SELECT d.name || ' ' || dv.version FROM dataset_versions dv
                              JOIN datasets d ON d.id = dv.dataset_id WHERE dv.id = n.id)
  WHEN 'Run' THEN (SELECT name FROM runs WHERE id = n.id)
  WHEN 'TrainingJob' THEN (SELECT name FROM training_jobs WHERE id = n.id)
  WHEN 'ModelVersion' THEN (SELECT m.name || ' ' || mv.version FROM model_versions mv
                            JOIN models m ON m.id = mv.model_id WHERE mv.id = n.id)
  WHEN 'Deployment' THEN (SELECT name FROM deployments WHERE id = n.id)
  WHEN 'EvaluationRun' THEN (SELECT 'evaluation ' || e.status FROM evaluation_runs e
                             WHERE e.id = n.id)
END"""


def _statement(steps: str, upstream: bool) -> str:
    # Edges are reported the way data flowed: walking upstream, the step found the source.
    source, target = ("n", "w") if upstream else ("w", "n")
    return f"""
WITH RECURSIVE walk(t, id, depth) AS (
  SELECT CAST(:start_type AS text), CAST(:start_id AS uuid), 0
  UNION
  SELECT n.t, n.id, w.depth + 1
    FROM walk w CROSS JOIN LATERAL ({steps}) AS n(t, id, kind, role)
   WHERE w.depth < :depth
), walked AS (
  SELECT t, id, depth FROM walk LIMIT :max_walk + 1
), nodes AS (
  SELECT t, id, min(depth) AS depth FROM walked GROUP BY t, id
), edges AS (
  SELECT DISTINCT {source}.t AS from_t, {source}.id AS from_id, {target}.t AS to_t,
         {target}.id AS to_id, n.kind, n.role
    FROM nodes w CROSS JOIN LATERAL ({steps}) AS n(t, id, kind, role)
    JOIN nodes m ON m.t = n.t AND m.id = n.id
   WHERE w.depth < :depth
   LIMIT :max_edges + 1
)
SELECT 'node' AS part, n.t AS node_type, n.id AS node_id, n.depth, {LABEL} AS label,
       NULL::text AS to_type, NULL::uuid AS to_id, NULL::text AS kind, NULL::text AS role,
       (SELECT count(*) FROM walked) > :max_walk AS truncated
  FROM nodes n
UNION ALL
SELECT 'edge', e.from_t, e.from_id, NULL::int, NULL::text, e.to_t, e.to_id, e.kind, e.role,
       false
  FROM edges e
"""


HIDE = re.compile(r"\{hide:(\w+):(\w+)\}")


def _steps(steps: str, hiding: bool) -> str:
    """The steps, each stopping at nodes under a private project hidden from the caller
    (``:hidden``) when ``hiding``: the walk neither shows nor passes through them."""

    def condition(match: re.Match[str]) -> str:
        sql = visible_sql(match[1], match[2], "CAST(:hidden AS uuid[])") if hiding else None
        return f"AND {sql}" if sql else ""

    return HIDE.sub(condition, steps)


@functools.cache
def statement(direction: Direction, hiding: bool) -> Any:
    """Built on first use: the hiding conditions need every model's table."""
    up = direction is Direction.UPSTREAM
    return text(_statement(_steps(UPSTREAM_STEPS if up else DOWNSTREAM_STEPS, hiding), up))


async def lineage(
    session: AsyncSession,
    org_ids: Sequence[uuid.UUID],
    start_type: str,
    start_id: uuid.UUID,
    direction: Direction,
    depth: int,
    hidden: Sequence[uuid.UUID] = (),
) -> LineageGraph:
    parameters = {
        "start_type": start_type,
        "start_id": start_id,
        "depth": depth,
        "orgs": list(org_ids),
        "max_walk": MAX_WALK_ROWS,
        "max_edges": MAX_EDGES,
    }
    if hidden:
        parameters["hidden"] = list(hidden)
    # A timeout for the walk alone, the one read a caller can make expensive. Reads run in
    # autocommit (no transaction for SET LOCAL), so it is set on the session's connection
    # and put back after, on the same connection.
    set_timeout = text("SELECT set_config('statement_timeout', :ms, false)")
    await session.execute(set_timeout, {"ms": str(TIMEOUT_MS)})
    try:
        rows = (await session.execute(statement(direction, bool(hidden)), parameters)).all()
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == QUERY_CANCELED:
            raise LineageTooLarge(
                f"the lineage walk took more than {TIMEOUT_MS / 1000:g} s: ask for a smaller depth"
            ) from error
        raise
    finally:
        await session.execute(text("RESET statement_timeout"))
    nodes = sorted(
        (LineageNode(r.node_type, r.node_id, r.depth, r.label) for r in rows if r.part == "node"),
        key=lambda n: (n.depth, n.type, str(n.id)),
    )
    truncated = any(r.truncated for r in rows if r.part == "node")
    edges = sorted(
        (
            LineageEdge(r.node_type, r.node_id, r.to_type, r.to_id, EdgeKind(r.kind), r.role)
            for r in rows
            if r.part == "edge"
        ),
        key=lambda e: (e.from_type, str(e.from_id), e.to_type, str(e.to_id), e.kind.value),
    )
    truncated = truncated or len(edges) > MAX_EDGES
    return LineageGraph(nodes[:MAX_WALK_ROWS], edges[:MAX_EDGES], truncated)
