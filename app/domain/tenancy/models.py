"""Tenancy tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import (
    Base,
    IdMixin,
    SoftDeleteMixin,
    TenantMixin,
    TimestampsMixin,
    check_in,
    utc_timestamp,
)
from app.domain.tenancy.enums import (
    ApiKeyScope,
    OrganizationStatus,
    OrgRole,
    Plan,
    ProjectRole,
    ProjectVisibility,
    Theme,
)


class Organization(IdMixin, TimestampsMixin, SoftDeleteMixin, Base):
    __tablename__ = "organizations"
    __table_args__ = (
        check_in("plan", Plan),
        check_in("status", OrganizationStatus),
        Index(
            "uq_organizations_slug_live",
            "slug",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    slug: Mapped[str] = mapped_column(String(63), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    plan: Mapped[str] = mapped_column(String(20), nullable=False, default=Plan.STARTER.value)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=OrganizationStatus.ACTIVE.value
    )
    billing_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    settings: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )


class User(IdMixin, TimestampsMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_email_lower", text("lower(email)"), unique=True),
        check_in("theme", Theme),
    )

    email: Mapped[str] = mapped_column(String(320), nullable=False)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    first_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    avatar_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    # Operators deactivate a user (`mlgraph user-status`): none of their keys work then.
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    # When one of their keys last authenticated (to the minute, like the key's).
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # When an operator confirmed the email address is the user's (`mlgraph user-status`).
    email_verified_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    # The user's own settings (viewerSettingsUpdate), read only through `viewer` (0053).
    time_zone: Mapped[str] = mapped_column(String(64), nullable=False, server_default=text("'UTC'"))
    theme: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=text(f"'{Theme.SYSTEM.value}'")
    )
    default_organization_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organizations.id", ondelete="SET NULL"), nullable=True
    )
    preferences: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )


class Membership(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    """A user's role in an organization. Removing one stamps ``deleted_at`` (the row stays as
    history); inviting the user again makes a new membership."""

    __tablename__ = "memberships"
    __table_args__ = (
        Index(
            "uq_memberships_organization_id_user_id_live",
            "organization_id",
            "user_id",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        check_in("role", OrgRole),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(20), nullable=False)


class ProjectMember(IdMixin, TenantMixin, TimestampsMixin, Base):
    __tablename__ = "project_members"
    __table_args__ = (
        UniqueConstraint("project_id", "user_id"),
        check_in("role", ProjectRole),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(20), nullable=False)


class ApiKey(IdMixin, Base):
    """A user's key. Only a SHA-256 of the secret is stored; ``prefix`` identifies it."""

    __tablename__ = "api_keys"
    __table_args__ = (
        Index("uq_api_keys_prefix", "prefix", unique=True),
        Index("ix_api_keys_user_id", "user_id"),
        CheckConstraint(
            f"scopes <@ ARRAY[{', '.join(repr(s.value) for s in ApiKeyScope)}]::varchar[]"
            " AND cardinality(scopes) > 0",
            name="scopes_valid",
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    # A key may be restricted to one organization; NULL means all of its user's organizations.
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organizations.id", ondelete="CASCADE"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    prefix: Mapped[str] = mapped_column(String(32), nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(10)), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = utc_timestamp(nullable=False)


class AuditLog(IdMixin, Base):
    """Append-only (a trigger refuses UPDATE and DELETE): one row per mutation."""

    __tablename__ = "audit_logs"
    __table_args__ = (
        Index("ix_audit_logs_organization_id_created_at", "organization_id", "id"),
        Index("ix_audit_logs_actor_user_id_created_at", "actor_user_id", "created_at"),
        Index("ix_audit_logs_target", "target_type", "target_id"),
    )

    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organizations.id", ondelete="CASCADE"), nullable=True
    )
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("api_keys.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target_type: Mapped[str] = mapped_column(String(64), nullable=False)
    target_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    created_at: Mapped[datetime] = utc_timestamp(nullable=False)
    # The request's client: its address (through trusted proxies) and user agent.
    ip_address: Mapped[str | None] = mapped_column(String(45), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(512), nullable=True)


class Project(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    __tablename__ = "projects"
    __table_args__ = (
        # Slugs are unique among the live projects a caller can see (the service checks, under
        # a lock per slug); the database holds those every member sees unique (0037, 0064).
        Index(
            "uq_projects_organization_id_slug_shared",
            "organization_id",
            "slug",
            unique=True,
            postgresql_where=text("deleted_at IS NULL AND visibility <> 'private'"),
        ),
        check_in("visibility", ProjectVisibility),
    )

    slug: Mapped[str] = mapped_column(String(63), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Free-form settings for the tools that work on the project (a JSON object, ≤ 64 KiB).
    settings: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    visibility: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=ProjectVisibility.ORGANIZATION.value
    )
    # Bumped by every change to the rules that watch the project's runs as they log (0:
    # none ever): ingest reads it with the run's lock and asks for the rules only when
    # there are some, from a cache keyed by this version (app/domain/health/watching.py).
    rules_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
