"""Prediction embeddings in pgvector: recording (dimension fixed per deployment), embedding
drift (centroid cosine distance with a permutation p-value) and nearest-neighbour search."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.ids import uuid7
from app.domain.errors import validation
from app.domain.monitoring.models import HNSW_DIMENSIONS
from app.domain.serving.models import Deployment
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import require_project_access

MAX_VECTORS = 1_000
MAX_DIMENSION = 2_000


def vector_literal(vector: Sequence[float]) -> str:
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


def validate_vectors(vectors: Sequence[Sequence[float]], dimension: int | None) -> int:
    """The batch's dimension; every vector must have it (and the deployment's, once fixed)."""
    if not 1 <= len(vectors) <= MAX_VECTORS:
        raise validation(f"give 1 to {MAX_VECTORS} vectors", ["vectors"])
    expected = dimension or len(vectors[0])
    if not 1 <= expected <= MAX_DIMENSION:
        raise validation(f"a dimension is 1 to {MAX_DIMENSION}", ["vectors", "0"])
    for index, vector in enumerate(vectors):
        field = ["vectors", str(index)]
        if len(vector) != expected:
            raise validation(
                f"has {len(vector)} dimensions; this deployment's embeddings have {expected}", field
            )
        if not all(math.isfinite(x) for x in vector):
            raise validation("values must be finite (no NaN or Infinity)", field)
        if not any(x != 0 for x in vector):
            raise validation("a zero vector has no direction (cosine distance is undefined)", field)
    return expected


INSERT_EMBEDDINGS = text(
    """
    INSERT INTO prediction_embeddings
        (id, organization_id, deployment_id, dimension, embedding, is_reference, recorded_at)
    SELECT e.id, :org_id, :deployment_id, :dimension, CAST(e.embedding AS vector),
           :is_reference, :now
    FROM unnest(CAST(:ids AS uuid[]), CAST(:embeddings AS text[])) AS e(id, embedding)
    """
)


@dataclass(frozen=True)
class EmbeddingsRecorded:
    """The deployment the vectors were recorded on, and their dimension."""

    deployment: Deployment
    dimension: int


async def prediction_embeddings_record(
    session: AsyncSession,
    actor: Actor,
    *,
    deployment_id: uuid.UUID | None,
    vectors: Sequence[Sequence[float]],
    is_reference: bool,
) -> EmbeddingsRecorded:
    field = ["deployment_id"]
    # Locked: the first batch fixes the dimension, and concurrent first batches must agree.
    deployment = await get_visible(
        session, Deployment, deployment_id, actor, what="deployment", field=field, for_update=True
    )
    await require_project_access(
        session,
        actor,
        deployment.project_id,
        ProjectRole.CONTRIBUTOR,
        what="deployment",
        field=field,
    )
    dimension = validate_vectors(vectors, deployment.embedding_dimension)
    deployment.embedding_dimension = dimension
    await session.execute(
        INSERT_EMBEDDINGS,
        {
            "org_id": deployment.organization_id,
            "deployment_id": deployment.id,
            "dimension": dimension,
            "is_reference": is_reference,
            "now": datetime.now(UTC),
            "ids": [uuid7() for _ in vectors],
            "embeddings": [vector_literal(v) for v in vectors],
        },
    )
    record_audit(
        session,
        actor,
        "prediction_embeddings.record",
        deployment,
        details={"vectors": len(vectors), "reference": is_reference, "dimension": dimension},
    )
    await session.flush()
    return EmbeddingsRecorded(deployment, dimension)


@dataclass(frozen=True)
class EmbeddingDrift:
    reference_count: int
    current_count: int
    centroid_cosine_distance: float | None
    p_value: float | None
    is_drift_detected: bool


def centroid_distance(a: np.ndarray, b: np.ndarray) -> float:
    ca, cb = a.mean(axis=0), b.mean(axis=0)
    denominator = float(np.linalg.norm(ca) * np.linalg.norm(cb))
    return 1.0 - float(ca @ cb) / denominator if denominator else 0.0


def embedding_drift(
    reference: np.ndarray,
    current: np.ndarray,
    *,
    permutations: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
) -> EmbeddingDrift:
    """Centroid cosine distance; its p-value is the share of random relabellings of the
    pooled sample whose distance is at least as large (Phipson–Smyth, never exactly 0)."""
    n_ref, n_cur = len(reference), len(current)
    if n_ref < 2 or n_cur < 2:
        return EmbeddingDrift(n_ref, n_cur, None, None, False)
    # Normalise first: drift of direction, not of scale.
    pooled = np.vstack([reference, current])
    pooled = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    observed = centroid_distance(pooled[:n_ref], pooled[n_ref:])
    rng = np.random.default_rng(seed)
    at_least = 0
    for _ in range(permutations):
        order = rng.permutation(len(pooled))
        if centroid_distance(pooled[order[:n_ref]], pooled[order[n_ref:]]) >= observed:
            at_least += 1
    p_value = (at_least + 1) / (permutations + 1)
    return EmbeddingDrift(n_ref, n_cur, observed, p_value, p_value < alpha)


def similar_query(dimension: int) -> str:
    """Nearest neighbours by cosine distance; the cast matches the partial HNSW index of this
    dimension, so the planner can use it."""
    return (
        f"SELECT id, is_reference, recorded_at, "
        f"(embedding::vector({dimension})) <=> CAST(:query AS vector({dimension})) AS distance "
        f"FROM prediction_embeddings "
        f"WHERE dimension = {dimension} AND deployment_id = :deployment_id "
        f"AND organization_id = ANY(:org_ids) "
        f"ORDER BY (embedding::vector({dimension})) <=> CAST(:query AS vector({dimension})) "
        f"LIMIT :k"
    )


def indexed(dimension: int) -> bool:
    return dimension in HNSW_DIMENSIONS
