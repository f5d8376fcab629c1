"""Links from models (or versions) to external registries, and their sync state:
NEVER_SYNCED → SYNCED → OUT_OF_SYNC → SYNCED (a sync agent reports each check)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.errors import DomainError, ErrorCode, ensure_transition, not_found, validation
from app.domain.integrations.catalog import EXTERNAL_IDS, REGISTRY, SyncDirection, SyncState
from app.domain.integrations.models import RegistryLink
from app.domain.registry.models import Model, ModelVersion
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.projects import get_contributable
from app.domain.tenancy.visibility import visible_conditions

SYNC_TRANSITIONS = {
    SyncState.NEVER_SYNCED: frozenset({SyncState.SYNCED}),
    SyncState.SYNCED: frozenset({SyncState.SYNCED, SyncState.OUT_OF_SYNC}),
    SyncState.OUT_OF_SYNC: frozenset({SyncState.SYNCED, SyncState.OUT_OF_SYNC}),
}
VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$")


def clean_external_id(registry: str, external_id: str) -> str:
    pattern, shape = EXTERNAL_IDS[registry]
    external_id = external_id.strip()
    if not re.fullmatch(pattern, external_id):
        raise validation(f"a {registry} id is {shape}", ["external_id"])
    return external_id


def clean_version(value: str | None) -> str | None:
    if value is not None and not VERSION_RE.fullmatch(value.strip()):
        raise validation("must be 1-128 letters, digits and . _ : + -", ["external_version"])
    return value.strip() if value is not None else None


async def _writable_link(
    session: AsyncSession, actor: Actor, link_id: uuid.UUID | None
) -> RegistryLink:
    field = ["registry_link_id"]
    link = await get_contributable(
        session, RegistryLink, link_id, actor, what="registry link", field=field, for_update=True
    )
    return link


async def registry_link_create(
    session: AsyncSession,
    actor: Actor,
    *,
    model_id: uuid.UUID | None,
    model_version_id: uuid.UUID | None,
    registry: str,
    external_id: str,
    repo_url: str | None,
    external_version: str | None,
    metadata: Any,
) -> RegistryLink:
    field = ["model_id"]
    model = await get_contributable(session, Model, model_id, actor, what="model", field=field)
    if model_version_id is not None:
        version = await session.scalar(
            select(ModelVersion.id).where(
                ModelVersion.id == model_version_id,
                ModelVersion.model_id == model.id,
                ModelVersion.deleted_at.is_(None),
            )
        )
        if version is None:
            raise not_found("model version of this model", ["model_version_id"])
    registry = registry.strip().lower()
    if registry not in REGISTRY:
        raise validation(f"must be one of {', '.join(REGISTRY)}", ["registry"])
    external_id = clean_external_id(registry, external_id)
    repo_url = v.url(repo_url, ["repo_url"])
    if repo_url is not None and not repo_url.startswith("https://"):
        raise validation("must be an https:// URL", ["repo_url"])
    taken = await session.scalar(
        select(func.count())
        .select_from(RegistryLink)
        .where(
            RegistryLink.organization_id == model.organization_id,
            RegistryLink.registry_type == registry,
            RegistryLink.external_id == external_id,
            *visible_conditions(RegistryLink, actor.hidden),  # a hidden one is no oracle
        )
    )
    if taken:
        raise DomainError(
            ErrorCode.CONFLICT,
            "this registry id is already linked in this organization",
            ["external_id"],
        )
    link = RegistryLink(
        organization_id=model.organization_id,
        project_id=model.project_id,
        model_id=model.id,
        model_version_id=model_version_id,
        registry_type=registry,
        external_id=external_id,
        repo_url=repo_url,
        external_version=clean_version(external_version),
        metadata_=v.json_object(metadata, ["metadata"]),
        sync_state=SyncState.NEVER_SYNCED.value,
        created_by_id=actor.user_id,
    )
    session.add(link)
    await session.flush()
    await session.refresh(link)
    record_audit(
        session,
        actor,
        "registry_link.create",
        link,
        details={"registry": registry, "external_id": external_id},
    )
    return link


async def registry_link_sync_report(
    session: AsyncSession,
    actor: Actor,
    *,
    link_id: uuid.UUID | None,
    state: SyncState,
    direction: SyncDirection | None,
    external_version: str | None,
) -> RegistryLink:
    """A sync agent's check: SYNCED (after an import or an export, saying which) or
    OUT_OF_SYNC; every report stamps the check time."""
    link = await _writable_link(session, actor, link_id)
    current = SyncState(link.sync_state)
    ensure_transition("registry link", current, state, SYNC_TRANSITIONS[current], ["state"])
    if state == SyncState.SYNCED and direction is None and current == SyncState.NEVER_SYNCED:
        raise validation("the first sync says its direction", ["direction"])
    if state == SyncState.OUT_OF_SYNC and direction is not None:
        raise validation("only a sync has a direction", ["direction"])
    now = func.now()
    link.sync_state = state.value
    link.last_checked_at = now
    if direction == SyncDirection.IMPORT:
        link.imported_at = now
    elif direction == SyncDirection.EXPORT:
        link.exported_at = now
    if external_version is not None:
        link.external_version = clean_version(external_version)
    await session.flush()
    await session.refresh(link)
    record_audit(
        session,
        actor,
        "registry_link.sync",
        link,
        details={
            "from": current.value,
            "to": state.value,
            "direction": direction.value if direction else None,
        },
    )
    return link


async def registry_link_delete(
    session: AsyncSession, actor: Actor, *, link_id: uuid.UUID | None
) -> RegistryLink:
    link = await _writable_link(session, actor, link_id)
    await session.delete(link)
    record_audit(
        session,
        actor,
        "registry_link.delete",
        link,
        details={"registry": link.registry_type, "external_id": link.external_id},
    )
    await session.flush()
    return link
