"""The ``lineage`` field of dataset versions, runs and model versions: one recursive SQL
statement (app/domain/datasets/lineage.py) returns the nodes and edges a UI can draw."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from app.api.datasets.enums import DatasetInputRole, LineageDirection, LineageEdgeKind
from app.api.errors import ClientError
from app.api.ids import encode_id
from app.domain.datasets import enums as dataset_enums
from app.domain.datasets import lineage as domain

# Why a ``lineage`` field runs on the resolvers (its declaration's ``python`` entry).
LINEAGE_IN_SQL = (
    "one recursive SQL statement over six kinds of edge (app/domain/datasets/lineage.py)"
)
DEFAULT_DEPTH = 5


@strawberry.type(description="An object on a lineage graph.")
class LineageNode:
    id: strawberry.ID = strawberry.field(description="Its global id (node(id:) reads it).")
    type: str = strawberry.field(description="Its GraphQL type, e.g. DatasetVersion.")
    label: str | None = strawberry.field(description="What to show, e.g. 'reviews 2.0'.")
    depth: int = strawberry.field(description="Edges from the start (0: the start).")


@strawberry.type(description="How data flowed between two nodes.")
class LineageEdge:
    from_: strawberry.ID = strawberry.field(name="from")
    to: strawberry.ID
    kind: LineageEdgeKind
    role: DatasetInputRole | None = strawberry.field(
        description="For CONSUMED: as what the run or job used the dataset version."
    )


@strawberry.type(description="Nodes and edges reached from an object, in one direction.")
class Lineage:
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool = strawberry.field(
        description="True when the walk reached its bound (5,000 nodes by depth, 10,000 "
        "edges): what is shown is part of the graph; ask with a smaller depth."
    )


def lineage_field(type_name: str) -> Any:
    """The ``lineage`` field of ``type_name`` (the object holds its row id as ``db_id``)."""

    async def resolve(
        self: Any,
        info: Info,
        direction: LineageDirection = domain.Direction.UPSTREAM,
        depth: int = DEFAULT_DEPTH,
    ) -> Lineage:
        if not 1 <= depth <= domain.MAX_DEPTH:
            raise ClientError(f"depth is 1 to {domain.MAX_DEPTH}")
        context = info.context
        try:
            async with context.read_session_factory() as session:
                graph = await domain.lineage(
                    session,
                    context.actor.org_ids,
                    type_name,
                    self.db_id,
                    direction,
                    depth,
                    context.actor.hidden,
                )
        except domain.LineageTooLarge as error:
            raise ClientError(str(error)) from error
        nodes, edges = graph.nodes, graph.edges
        return Lineage(
            truncated=graph.truncated,
            nodes=[
                LineageNode(
                    id=strawberry.ID(encode_id(n.type, n.id)),
                    type=n.type,
                    label=n.label,
                    depth=n.depth,
                )
                for n in nodes
            ],
            edges=[
                LineageEdge(
                    from_=strawberry.ID(encode_id(e.from_type, e.from_id)),
                    to=strawberry.ID(encode_id(e.to_type, e.to_id)),
                    kind=e.kind,
                    role=dataset_enums.InputRole(e.role) if e.role else None,
                )
                for e in edges
            ],
        )

    return strawberry.field(
        resolver=resolve,
        description="What this came from (UPSTREAM) or led to (DOWNSTREAM), up to `depth` "
        "edges (1-10): dataset versions and their derivations, the runs and training jobs "
        "that consumed them, the model versions runs trained, their deployments and "
        "evaluation runs.",
    )
