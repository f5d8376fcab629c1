"""Lineage: what a dataset version, run or model version came from (UPSTREAM) or led to
(DOWNSTREAM), answered by ONE recursive SQL statement.

The graph, in the direction data flows:
    DatasetVersion ─DERIVED→ DatasetVersion           (dataset_version_parents)
    DatasetVersion ─CONSUMED(role)→ Run | TrainingJob  (dataset_inputs)
    TrainingJob ─PRODUCED→ Run                        (training_jobs.run_id)
    Run ─TRAINED→ ModelVersion                        (model_versions.run_id)
    ModelVersion ─DEPLOYED→ Deployment                (deployments.model_version_id)

The walk follows one direction from the start node, one edge kind per branch of a
LATERAL union, each an index lookup; every table read carries the caller's organizations
and skips deleted rows. It stops at ``depth`` edges (at most 10) and cannot loop: each
step adds one to the depth, and identical rows are merged (UNION). Nodes come with the
shortest distance and a label; edges always point the way data flowed."""

from __future__ import annotations

import enum
import functools
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.tenancy.visibility import visible_sql

MAX_DEPTH = 10


class Direction(enum.Enum):
    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"


class EdgeKind(enum.Enum):
    DERIVED = "derived"
    CONSUMED = "consumed"
    PRODUCED = "produced"
    TRAINED = "trained"
    DEPLOYED = "deployed"


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
"""

LABEL = """CASE n.t
  WHEN 'DatasetVersion' THEN (SELECT d.name || ' ' || dv.version FROM dataset_versions dv
                              JOIN datasets d ON d.id = dv.dataset_id WHERE dv.id = n.id)
  WHEN 'Run' THEN (SELECT name FROM runs WHERE id = n.id)
  WHEN 'TrainingJob' THEN (SELECT name FROM training_jobs WHERE id = n.id)
  WHEN 'ModelVersion' THEN (SELECT m.name || ' ' || mv.version FROM model_versions mv
                            JOIN models m ON m.id = mv.model_id WHERE mv.id = n.id)
  WHEN 'Deployment' THEN (SELECT name FROM deployments WHERE id = n.id)
END"""


def _statement(steps: str, upstream: bool) -> str:
    # Edges are reported the way data flowed: walking upstream, the step found the source.
    source, target = ("w2.t, w2.id", "w2.from_t, w2.from_id") if upstream else (
        "w2.from_t, w2.from_id", "w2.t, w2.id")  # fmt: skip
    return f"""
WITH RECURSIVE walk(t, id, depth, from_t, from_id, kind, role) AS (
  SELECT CAST(:start_type AS text), CAST(:start_id AS uuid), 0,
         NULL::text, NULL::uuid, NULL::text, NULL::text
  UNION
  SELECT n.t, n.id, w.depth + 1, w.t, w.id, n.kind, n.role
    FROM walk w CROSS JOIN LATERAL ({steps}) AS n(t, id, kind, role)
   WHERE w.depth < :depth
), nodes AS (
  SELECT t, id, min(depth) AS depth FROM walk GROUP BY t, id
)
SELECT 'node' AS part, n.t AS node_type, n.id AS node_id, n.depth, {LABEL} AS label,
       NULL::text AS to_type, NULL::uuid AS to_id, NULL::text AS kind, NULL::text AS role
  FROM nodes n
UNION ALL
SELECT DISTINCT 'edge', {source}, NULL::int, NULL::text, {target}, w2.kind, w2.role
  FROM walk w2 WHERE w2.from_t IS NOT NULL
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
) -> tuple[list[LineageNode], list[LineageEdge]]:
    parameters = {"start_type": start_type, "start_id": start_id, "depth": depth,
                  "orgs": list(org_ids)}  # fmt: skip
    if hidden:
        parameters["hidden"] = list(hidden)
    rows = (await session.execute(statement(direction, bool(hidden)), parameters)).all()
    nodes = sorted(
        (LineageNode(r.node_type, r.node_id, r.depth, r.label) for r in rows if r.part == "node"),
        key=lambda n: (n.depth, n.type, str(n.id)),
    )
    edges = sorted(
        (
            LineageEdge(r.node_type, r.node_id, r.to_type, r.to_id, EdgeKind(r.kind), r.role)
            for r in rows
            if r.part == "edge"
        ),
        key=lambda e: (e.from_type, str(e.from_id), e.to_type, str(e.to_id), e.kind.value),
    )
    return nodes, edges
