"""Root query fields: node, nodes, viewer, organization."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from app.api.datasets.enums import ChecksumAlgorithm
from app.api.datasets.types import DatasetVersion
from app.api.errors import ClientError
from app.api.ids import decode_any
from app.api.loaders.rows_by_id import visibility
from app.api.node import NODE_KINDS, Node
from app.api.serving.runtime_mutations import IntegrationTool, integration_catalog
from app.api.tenancy.types import Organization, Viewer
from app.domain.datasets.models import DatasetVersion as DatasetVersionRow
from app.domain.datasets.services import Checksum, clean_checksum
from app.domain.errors import DomainError
from app.domain.tenancy.enums import OrgRole
from app.domain.tenancy.models import User as UserRow

if TYPE_CHECKING:
    from app.api.experiments.types import RunMetricHistory

MAX_NODES = 100


async def _resolve_node(info: Info, global_id: str) -> Node | None:
    decoded = decode_any(global_id)
    if decoded is None or decoded[0] not in NODE_KINDS:
        return None
    kind = NODE_KINDS[decoded[0]]
    row = await info.context.loaders.by_id(kind.model).load(decoded[1])
    if row is None:
        return None
    if kind.admin_only and info.context.actor.org_roles.get(row.organization_id) != OrgRole.ADMIN:
        return None  # as the list would refuse it; null, like any id you cannot see
    return kind.to_node(row)


@strawberry.type
class Query:
    @strawberry.field(description="Any object by global id; null if it does not exist for you.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await _resolve_node(info, id)

    @strawberry.field(description="Objects by global ids, in order; null where not found.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise ClientError(f"nodes takes at most {MAX_NODES} ids")
        return list(await asyncio.gather(*(_resolve_node(info, gid) for gid in ids)))

    @strawberry.field(description="The caller; null without an API key.")
    async def viewer(self, info: Info) -> Viewer | None:
        user_id = info.context.actor.user_id
        if user_id is None:
            return None
        row = await info.context.loaders.by_id(UserRow).load(user_id)  # its settings too
        return Viewer.from_row(row) if row is not None else None

    @strawberry.field(
        description="Compare runs: the histories of up to 100 runs for the same keys, each "
        "key over one step range common to the runs (default: 0 to the highest step any of "
        "them logged for that key), at most maxPoints buckets each, read in one statement "
        "per range. Ask for columns to get chart-ready arrays."
    )
    async def run_metric_histories(
        self,
        info: Info,
        run_ids: list[strawberry.ID],
        keys: list[str],
        max_points: int = 1000,
        step_from: int | None = None,
        step_to: int | None = None,
    ) -> list[Annotated[RunMetricHistory, strawberry.lazy("app.api.experiments.types")]]:
        from app.api.experiments.types import Run, metric_histories

        if not 1 <= len(run_ids) <= MAX_NODES:
            raise ClientError(f"runIds takes 1 to {MAX_NODES} run ids")
        wanted = list(dict.fromkeys(run_ids))
        runs = await asyncio.gather(*(_resolve_node(info, gid) for gid in wanted))
        run_ids_db = []
        for gid, run in zip(wanted, runs, strict=True):
            if not isinstance(run, Run):
                raise ClientError(f"run not found: {gid}", "NOT_FOUND")
            run_ids_db.append(run.db_id)
        return await metric_histories(info, run_ids_db, keys, max_points, step_from, step_to)

    @strawberry.field(
        description="Dataset versions with this checksum in your organizations, oldest "
        "first (at most 100): one index lookup."
    )
    async def dataset_versions_by_checksum(
        self,
        info: Info,
        algorithm: ChecksumAlgorithm,
        digest: str,
    ) -> list[DatasetVersion]:
        try:
            _, clean = clean_checksum(Checksum(algorithm, digest), ["digest"]) or ("", "")
        except DomainError as error:
            raise ClientError(error.message) from error
        context = info.context
        if not context.actor.org_ids:
            return []
        async with context.read_session_factory() as session:
            rows = await session.scalars(
                select(DatasetVersionRow)
                .where(
                    DatasetVersionRow.checksum == clean,
                    DatasetVersionRow.checksum_algorithm == algorithm.value,
                    # tenancy, liveness and private projects, as any read by id
                    *visibility(
                        DatasetVersionRow, context.actor.org_ids, None, context.actor.hidden
                    ),
                )
                .order_by(DatasetVersionRow.id)
                .limit(100)
            )
            return [DatasetVersion.from_row(row) for row in rows]

    integration_catalog: list[IntegrationTool] = strawberry.field(
        resolver=integration_catalog,
        description="The tools mlgraph integrates with, per type, and each one's config "
        "schema (what integrationConfigSet checks).",
    )

    @strawberry.field(description="One of your organizations by slug.")
    async def organization(self, info: Info, slug: str) -> Organization | None:
        if len(slug) > 63:
            return None
        row = await info.context.loaders.organization_by_slug.load(slug)
        return Organization.from_row(row) if row else None
