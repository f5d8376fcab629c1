"""The GPU catalogue of an environment: which GPU types it offers. Organization admins
manage it; every member reads it (training jobs and deployments are checked against it).

A GPU type's id (``key``) is compared case-insensitively and stored in one canonical
form: trimmed and lower-cased, letters, digits and dashes only (``NVIDIA-A100`` is
``nvidia-a100``)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.environments.models import Environment
from app.domain.errors import DomainError, ErrorCode, validation
from app.domain.serving.models import MAX_GPU_PRIORITY, GpuType
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.lookup import get_administered

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_KEY = 64
MAX_LABEL = 200


def canonical_key(value: str, field: list[str]) -> str:
    key = value.strip().lower()
    if not key or len(key) > MAX_KEY or not KEY_RE.match(key):
        raise validation(
            f"a GPU type id is 1-{MAX_KEY} letters, digits and dashes, starting with a letter "
            "or digit (e.g. nvidia-a100)",
            field,
        )
    return key


def clean_label(value: str, field: list[str]) -> str:
    label = value.strip()
    if not label:
        raise validation("a label must not be empty", field)
    if len(label) > MAX_LABEL:
        raise validation(f"a label has at most {MAX_LABEL} characters", field)
    return label


def clean_priority(value: int | None, field: list[str]) -> int | None:
    if value is not None and not 0 <= value <= MAX_GPU_PRIORITY:
        raise validation(f"a priority is between 0 and {MAX_GPU_PRIORITY}", field)
    return value


async def _writable(session: AsyncSession, actor: Actor, gpu_type_id: uuid.UUID | None) -> GpuType:
    field = ["gpu_type_id"]
    return await get_administered(
        session, GpuType, gpu_type_id, actor, what="GPU type", field=field, for_update=True
    )


async def gpu_type_create(
    session: AsyncSession,
    actor: Actor,
    *,
    environment_id: uuid.UUID | None,
    key: str,
    label: str,
    enabled: bool,
    priority: int | None,
) -> GpuType:
    field = ["environment_id"]
    environment = await get_administered(
        session, Environment, environment_id, actor, what="environment", field=field
    )
    key = canonical_key(key, ["key"])
    taken = await session.scalar(
        select(GpuType.id).where(GpuType.environment_id == environment.id, GpuType.key == key)
    )
    if taken is not None:
        raise DomainError(
            ErrorCode.CONFLICT, "this environment already offers this GPU type", ["key"]
        )
    row = GpuType(
        organization_id=environment.organization_id,
        environment_id=environment.id,
        key=key,
        label=clean_label(label, ["label"]),
        enabled=enabled,
        priority=clean_priority(priority, ["priority"]),
    )
    session.add(row)
    await session.flush()
    record_audit(
        session,
        actor,
        "gpu_type.create",
        row,
        details={"environment_id": str(environment.id), "key": key},
    )
    return row


async def gpu_type_update(
    session: AsyncSession,
    actor: Actor,
    *,
    gpu_type_id: uuid.UUID | None,
    changes: Mapping[str, Any],
) -> GpuType:
    """``changes``: the fields the caller sent (label, enabled, priority; a null priority
    clears it). The key is the type's identity: to rename, create another."""
    row = await _writable(session, actor, gpu_type_id)
    if "label" in changes:
        if changes["label"] is None:
            raise validation("a label must not be empty", ["label"])
        row.label = clean_label(changes["label"], ["label"])
    if "enabled" in changes:
        if changes["enabled"] is None:
            raise validation("enabled is true or false", ["enabled"])
        row.enabled = bool(changes["enabled"])
    if "priority" in changes:
        row.priority = clean_priority(changes["priority"], ["priority"])
    await session.flush()
    await session.refresh(row)  # the stored sort key follows the priority
    record_audit(session, actor, "gpu_type.update", row, details=dict(changes))
    return row


async def gpu_type_delete(
    session: AsyncSession, actor: Actor, *, gpu_type_id: uuid.UUID | None
) -> GpuType:
    row = await _writable(session, actor, gpu_type_id)
    await session.delete(row)
    await session.flush()
    record_audit(session, actor, "gpu_type.delete", row, details={"key": row.key})
    return row
