"""Load one tenant-owned row the caller may see, or fail with NOT_FOUND."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import not_found, validation
from app.domain.tenancy.access import Actor
from app.domain.tenancy.enums import OrgRole
from app.domain.tenancy.visibility import visible_conditions

RowT = TypeVar("RowT")

# Another context's lookup, passed in by the API where importing that context would make
# a cycle: (session, caller, id, field) -> the id of the row's project or organization,
# NOT_FOUND at ``field`` if the caller does not see the row.
OwnerLookup = Callable[[AsyncSession, Actor, uuid.UUID, Sequence[str]], Awaitable[uuid.UUID]]


async def get_visible(
    session: AsyncSession,
    model: type[RowT],
    row_id: uuid.UUID | None,
    actor: Actor,
    *,
    what: str,
    field: Sequence[str],
    for_update: bool = False,
    key_share: bool = False,
) -> RowT:
    """The live row with this id in one of the caller's organizations (else NOT_FOUND);
    ``for_update`` locks it FOR UPDATE, ``key_share`` FOR KEY SHARE (read as of the lock:
    a writer holding FOR UPDATE is waited for and its committed row read)."""
    if row_id is None or not actor.org_ids:
        raise not_found(what, field)
    table: Any = model
    query = select(model).where(table.id == row_id, table.organization_id.in_(actor.org_ids))
    if hasattr(model, "deleted_at"):
        query = query.where(table.deleted_at.is_(None))
    query = query.where(*visible_conditions(model, actor.hidden))  # private projects
    if for_update:
        query = query.with_for_update()
    elif key_share:
        query = query.with_for_update(read=True, key_share=True)
        query = query.execution_options(populate_existing=True)
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        raise not_found(what, field)
    return row


async def get_administered(
    session: AsyncSession,
    model: type[RowT],
    row_id: uuid.UUID | None,
    actor: Actor,
    *,
    what: str,
    field: Sequence[str],
    for_update: bool = False,
) -> RowT:
    """The live row, if the caller administers its organization: NOT_FOUND for anyone
    outside it, FORBIDDEN for its members who are not admins (and for read-only keys)."""
    row = await get_visible(
        session, model, row_id, actor, what=what, field=field, for_update=for_update
    )
    organization_id = cast(Any, row).organization_id  # every tenant-owned row has one
    actor.require_org_role(organization_id, OrgRole.ADMIN, what, field)
    return row


def project_lookup(model: type[Any], what: str) -> OwnerLookup:
    """An OwnerLookup for any table with a ``project_id``: the project of the live row the
    caller sees (NOT_FOUND at the field otherwise), for the API to pass to a context that
    cannot import ``model``'s."""

    async def lookup(
        session: AsyncSession, actor: Actor, row_id: uuid.UUID, field: Sequence[str]
    ) -> uuid.UUID:
        row = await get_visible(session, model, row_id, actor, what=what, field=field)
        project_id: uuid.UUID = row.project_id
        return project_id

    return lookup


async def ensure_in_project(
    session: AsyncSession,
    actor: Actor,
    lookup: OwnerLookup,
    row_id: uuid.UUID,
    project_id: uuid.UUID,
    field: str,
    what: str,
) -> None:
    """A row linked to something of ``project_id``: visible (NOT_FOUND at ``field``
    otherwise) and of that project (VALIDATION otherwise)."""
    if await lookup(session, actor, row_id, [field]) != project_id:
        raise validation(f"the {what} belongs to another project", [field])
