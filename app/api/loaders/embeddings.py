"""Embedding reads: samples for drift, and nearest neighbours through the HNSW index."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import text

from app.api.loaders.base import SharedLoader
from app.db.engine import SessionFactory
from app.domain.monitoring.embeddings import similar_query, vector_literal

SAMPLE = 500  # most recent vectors per side for drift

SAMPLES = text(
    """
    (SELECT true AS is_reference, embedding::text AS v FROM prediction_embeddings
     WHERE deployment_id = :deployment_id AND organization_id = ANY(:org_ids) AND is_reference
     ORDER BY recorded_at DESC LIMIT :n)
    UNION ALL
    (SELECT false, embedding::text FROM prediction_embeddings
     WHERE deployment_id = :deployment_id AND organization_id = ANY(:org_ids) AND NOT is_reference
       AND recorded_at > now() - :seconds * interval '1 second'
     ORDER BY recorded_at DESC LIMIT :n)
    """
)


def parse_vector(literal: str) -> list[float]:
    return [float(x) for x in literal.strip("[]").split(",")]


SamplesKey = tuple[uuid.UUID, int]


class EmbeddingSamplesLoader(SharedLoader):
    """key: (deployment id, window seconds) -> (reference matrix, current matrix)."""

    def __init__(self, session_factory: SessionFactory, org_ids: list[uuid.UUID]) -> None:
        super().__init__()
        self.session_factory = session_factory
        self.org_ids = org_ids

    async def batch_load_fn(self, keys: list[SamplesKey]) -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        async with self.session_factory() as session:
            for deployment_id, seconds in keys:  # drift panels ask for one deployment at a time
                rows = (
                    await session.execute(
                        SAMPLES,
                        {
                            "deployment_id": deployment_id,
                            "org_ids": self.org_ids,
                            "n": SAMPLE,
                            "seconds": seconds,
                        },
                    )
                ).all()
                reference = [parse_vector(r.v) for r in rows if r.is_reference]
                current = [parse_vector(r.v) for r in rows if not r.is_reference]
                out.append((np.array(reference, dtype=float), np.array(current, dtype=float)))
        return out


SimilarKey = tuple[uuid.UUID, int, tuple[float, ...], int]  # deployment, dimension, vector, k


class SimilarPredictionsLoader(SharedLoader):
    """key: SimilarKey -> rows (id, is_reference, recorded_at, distance), nearest first."""

    def __init__(self, session_factory: SessionFactory, org_ids: list[uuid.UUID]) -> None:
        super().__init__()
        self.session_factory = session_factory  # transactional: SET LOCAL below
        self.org_ids = org_ids

    async def batch_load_fn(self, keys: list[SimilarKey]) -> list[Sequence[object]]:
        out: list[Sequence[object]] = []
        async with self.session_factory() as session, session.begin():
            # With the deployment filter, keep scanning the graph until k rows qualify.
            await session.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
            for deployment_id, dimension, vector, k in keys:
                rows = await session.execute(
                    text(similar_query(dimension)),
                    {
                        "query": vector_literal(vector),
                        "deployment_id": deployment_id,
                        "org_ids": self.org_ids,
                        "k": k,
                    },
                )
                found: list[Any] = list(rows.all())
                found.sort(key=lambda row: row.distance)  # the scan's order is relaxed
                out.append(found)
        return out
