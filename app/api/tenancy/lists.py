"""The tenancy context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_

from app.api.graph.declare import ListQuery, order_of
from app.api.loaders.list_spec import ListSpec, created_between, orders_of
from app.api.orders import CreatedOrder
from app.domain.tenancy.models import ApiKey, AuditLog, Membership


@dataclass(frozen=True)
class ApiKeyFilter:
    """Revoked keys only (True), live ones only (False: neither revoked nor expired)."""

    revoked: bool | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        if self.revoked is None:
            return []
        if self.revoked:
            return [model.revoked_at.is_not(None)]
        return [
            model.revoked_at.is_(None),
            or_(model.expires_at.is_(None), model.expires_at > func.now()),
        ]


@dataclass(frozen=True)
class AuditLogFilter:
    """Entries by one of these actors, with one of these actions (an action ending in
    ``.*`` takes every action under it, e.g. ``deployment.*``), about one target (type and
    optionally id), created within [created_from, created_to]."""

    actor_ids: tuple[uuid.UUID, ...] = ()
    actions: tuple[str, ...] = ()
    action_prefixes: tuple[str, ...] = ()
    target_type: str | None = None
    target_id: uuid.UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.actor_ids:
            out.append(model.actor_user_id.in_(self.actor_ids))
        if self.actions or self.action_prefixes:
            out.append(
                or_(
                    model.action.in_(self.actions),
                    *(model.action.startswith(p, autoescape=True) for p in self.action_prefixes),
                )
            )
        if self.target_type is not None:
            out.append(model.target_type == self.target_type)
        if self.target_id is not None:
            out.append(model.target_id == self.target_id)
        return out + created_between(model, self.created_from, self.created_to)


# Removed memberships stay as rows (history), never in these lists.
MEMBERSHIPS_OF_ORGANIZATION = ListSpec(
    "memberships_of_organization", Membership, "organization_id", orders_of(CreatedOrder)
)


MEMBERSHIPS_OF_USER = ListSpec(
    "memberships_of_user", Membership, "user_id", orders_of(CreatedOrder)
)


AUDIT_LOGS_OF_ORGANIZATION = ListSpec(
    "audit_logs_of_organization",
    AuditLog,
    "organization_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)


API_KEYS_OF_USER = ListSpec(
    "api_keys_of_user",
    ApiKey,
    "user_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
    owned_by_user=True,
)


def api_keys_query(kwargs: Mapping[str, Any]) -> ListQuery:
    return ListQuery(order=order_of(kwargs), filter=ApiKeyFilter(revoked=kwargs.get("revoked")))
