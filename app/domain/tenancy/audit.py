"""Append a row to the audit log inside the mutation's own transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.ids import uuid7
from app.domain.tenancy.access import Actor
from app.domain.tenancy.client import CURRENT
from app.domain.tenancy.models import AuditLog


def record_audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    organization_id: uuid.UUID | None,
    target_type: str,
    target_id: uuid.UUID | None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLog(
            **audit_row(actor, action, organization_id, target_type, target_id),
            details=details or {},
        )
    )


def audit_row(
    actor: Actor,
    action: str,
    organization_id: uuid.UUID | None,
    target_type: str,
    target_id: uuid.UUID | None,
) -> dict[str, Any]:
    """An audit row's columns but its details (and its time, the transaction's): for a
    statement that writes its own audit row (the ingest path, one statement a batch)."""
    client = CURRENT.get()
    return {
        "id": uuid7(),
        "ip_address": client.address,
        "user_agent": client.user_agent,
        "organization_id": organization_id,
        "actor_user_id": actor.user_id,
        "api_key_id": actor.api_key_id,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
    }
