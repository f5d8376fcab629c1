"""Registry links: a model (or version) in an external registry, and its sync state."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.errors import UserError
from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.fields import related
from app.api.graph.payloads import mutate
from app.api.ids import decode_id, input_id
from app.api.node import Node
from app.api.registry.enums import SyncDirection, SyncState
from app.domain.integrations import registry_links
from app.domain.integrations.catalog import REGISTRY
from app.domain.integrations.models import RegistryLink as RegistryLinkRow
from app.domain.tenancy.access import Actor


@from_declaration(
    RegistryLinkRow,
    columns={"registry": "registry_type", "metadata": "metadata"},
    attributes={"registry": "registry_type"},
)
@strawberry.type(description="A model (or one version) in an external registry.")
class RegistryLink(Node, FromRow):
    registry: str = strawberry.field(description=f"One of {', '.join(REGISTRY)}.")
    external_id: str = strawberry.field(
        description="Its id there (huggingface: owner/name; vertex-ai: projects/…/models/…)."
    )
    repo_url: str | None
    external_version: str | None
    imported_at: datetime | None
    exported_at: datetime | None
    metadata: JSON
    sync_state: SyncState
    last_checked_at: datetime | None
    created_at: datetime
    updated_at: datetime
    model_id: strawberry.Private[uuid.UUID]
    model_version_id: strawberry.Private[uuid.UUID | None]
    created_by_id: strawberry.Private[uuid.UUID | None]

    model = related()
    model_version = related()
    created_by = related()


@strawberry.input
class RegistryLinkCreateInput:
    model_id: strawberry.ID
    model_version_id: strawberry.ID | None = strawberry.field(
        default=None, description="Link one version rather than the whole model."
    )
    registry: str = strawberry.field(description=f"One of {', '.join(REGISTRY)}.")
    external_id: str
    repo_url: str | None = strawberry.field(default=None, description="An https:// URL.")
    external_version: str | None = None
    metadata: JSON | None = None


@strawberry.input
class RegistryLinkSyncInput:
    registry_link_id: strawberry.ID
    state: SyncState = strawberry.field(
        description="SYNCED or OUT_OF_SYNC (NEVER_SYNCED → SYNCED → OUT_OF_SYNC → SYNCED)."
    )
    direction: SyncDirection | None = strawberry.field(
        default=None, description="What a SYNCED check did (required the first time)."
    )
    external_version: str | None = None


@strawberry.input
class RegistryLinkDeleteInput:
    registry_link_id: strawberry.ID


@strawberry.type
class RegistryLinkPayload:
    registry_link: RegistryLink | None
    user_errors: list[UserError]


@strawberry.type
class RegistryLinkMutations:
    @strawberry.mutation(description="Link a model or version to a registry. Contributors+.")
    async def registry_link_create(
        self, info: Info, input: RegistryLinkCreateInput
    ) -> RegistryLinkPayload:
        version = input.model_version_id

        def work(session: AsyncSession, actor: Actor) -> Awaitable[RegistryLinkRow]:
            return registry_links.registry_link_create(
                session,
                actor,
                model_id=input_id(input, "model_id", "Model"),
                model_version_id=decode_id(version, "ModelVersion", ["model_version_id"])
                if version
                else None,
                registry=input.registry,
                external_id=input.external_id,
                repo_url=input.repo_url,
                external_version=input.external_version,
                metadata=input.metadata,
            )

        return await mutate(info, RegistryLinkPayload, "registry_link", work)

    @strawberry.mutation(
        description="Report a sync check (for sync agents): SYNCED or OUT_OF_SYNC; stamps "
        "the check time (and the import or export time). Contributors+."
    )
    async def registry_link_sync(
        self, info: Info, input: RegistryLinkSyncInput
    ) -> RegistryLinkPayload:
        return await mutate(
            info,
            RegistryLinkPayload,
            "registry_link",
            lambda session, actor: registry_links.registry_link_sync_report(
                session,
                actor,
                link_id=input_id(input, "registry_link_id", "RegistryLink"),
                state=input.state,
                direction=input.direction,
                external_version=input.external_version,
            ),
        )

    @strawberry.mutation(description="Remove a registry link. Contributors+.")
    async def registry_link_delete(
        self, info: Info, input: RegistryLinkDeleteInput
    ) -> RegistryLinkPayload:
        return await mutate(
            info,
            RegistryLinkPayload,
            "registry_link",
            lambda session, actor: registry_links.registry_link_delete(
                session,
                actor,
                link_id=input_id(input, "registry_link_id", "RegistryLink"),
            ),
        )
