"""Append a row to the audit log inside the mutation's own transaction."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.ids import uuid7
from app.domain.tenancy.access import Actor
from app.domain.tenancy.client import CURRENT
from app.domain.tenancy.models import AuditLog, Organization


class Audited(Protocol):
    """A row an audit entry is about: its id (and, but for an organization, its
    organization's)."""

    id: uuid.UUID


def record_audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    row: Audited,
    *,
    details: dict[str, Any] | None = None,
) -> None:
    """An entry about ``row``: the row says what it is (its class, whose name is its
    GraphQL type's), which it is, and whose (its organization, or itself)."""
    organization_id = row.id if isinstance(row, Organization) else row.organization_id  # type: ignore[attr-defined]  # every tenant row has it
    record_audit_event(
        session,
        actor,
        action,
        organization_id=organization_id,
        target_type=type(row).__name__,
        target_id=row.id,
        details=details,
    )


def record_audit_event(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    organization_id: uuid.UUID | None,
    target_type: str,
    target_id: uuid.UUID | None,
    details: dict[str, Any] | None = None,
) -> None:
    """An entry spelled out: for what is not one row (a batch, a user, a choice of two)."""
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
