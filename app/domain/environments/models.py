"""Environments: where an organization runs things (clusters, accounts). Serving deploys to
them, training and pipelines run in them, integrations are configured per environment, and
notification rules may be scoped to one; so the table sits below all of those contexts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, SoftDeleteMixin, TenantMixin, TimestampsMixin

LIVE = text("deleted_at IS NULL")


class Environment(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    __tablename__ = "environments"
    __table_args__ = (
        Index(
            "uq_environments_organization_id_name_live",
            "organization_id",
            "name",
            unique=True,
            postgresql_where=LIVE,
        ),
    )

    name: Mapped[str] = mapped_column(String(63), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    config: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    protected: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
