"""Governance tables: gates on a model's promotions, requests to pass them, reviews."""

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
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TenantMixin, TimestampsMixin, check_in, utc_timestamp
from app.domain.alert_kinds import AlertSeverity
from app.domain.governance.enums import PromotionRequestStatus
from app.domain.registry.enums import ModelStage

ONE_TARGET = "(target_stage IS NULL) <> (target_alias IS NULL)"


class PromotionGate(IdMixin, TenantMixin, TimestampsMixin, Base):
    """What moving a model's version to a stage, or pointing an alias of it, needs."""

    __tablename__ = "promotion_gates"
    __under__ = ("model_id",)
    __table_args__ = (
        CheckConstraint(ONE_TARGET, name="one_target"),
        check_in("target_stage", ModelStage),
        CheckConstraint("reviewer_role IN ('admin', 'developer')", name="reviewer_role_valid"),
        CheckConstraint("required_approvals BETWEEN 0 AND 10", name="approvals_range"),
        CheckConstraint(
            "max_open_alert_severity IS NULL OR max_open_alert_severity IN "
            + "("
            + ", ".join(f"'{s.value}'" for s in AlertSeverity)
            + ")",
            name="severity_valid",
        ),
        Index(
            "uq_promotion_gates_model_id_stage",
            "model_id",
            "target_stage",
            unique=True,
            postgresql_where=text("target_stage IS NOT NULL"),
        ),
        Index(
            "uq_promotion_gates_model_id_alias",
            "model_id",
            "target_alias",
            unique=True,
            postgresql_where=text("target_alias IS NOT NULL"),
        ),
    )

    model_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("models.id", ondelete="CASCADE"), nullable=False
    )
    target_stage: Mapped[str | None] = mapped_column(String(20), nullable=True)
    target_alias: Mapped[str | None] = mapped_column(String(63), nullable=True)
    required_approvals: Mapped[int] = mapped_column(Integer, nullable=False)
    reviewer_role: Mapped[str] = mapped_column(String(20), nullable=False)
    # [{"metric": key, "min": x | null, "max": y | null}] on the source run's last values.
    metric_bounds: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")
    )
    max_open_alert_severity: Mapped[str | None] = mapped_column(String(20), nullable=True)
    require_verified_datasets: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class PromotionRequest(IdMixin, TenantMixin, TimestampsMixin, Base):
    """A request to move a version through a gate: applied once enough reviewers approve
    and the checks pass."""

    __tablename__ = "promotion_requests"
    __under__ = ("model_version_id",)
    __table_args__ = (
        CheckConstraint(ONE_TARGET, name="one_target"),
        check_in("target_stage", ModelStage),
        check_in("status", PromotionRequestStatus),
        Index("ix_promotion_requests_model_version_id", "model_version_id", "id"),
        # One pending request per version and target.
        Index(
            "uq_promotion_requests_pending",
            "model_version_id",
            text("coalesce(target_stage, '')"),
            text("coalesce(target_alias, '')"),
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
    )

    model_version_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False
    )
    target_stage: Mapped[str | None] = mapped_column(String(20), nullable=True)
    target_alias: Mapped[str | None] = mapped_column(String(63), nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # Why it is where it is: what a REJECTED reviewer said, the checks still failing.
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PromotionReview(IdMixin, TenantMixin, Base):
    __tablename__ = "promotion_reviews"
    __under__ = ("request_id",)
    __table_args__ = (UniqueConstraint("request_id", "reviewer_id"),)

    request_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("promotion_requests.id", ondelete="CASCADE"),
        nullable=False,
    )
    reviewer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    approve: Mapped[bool] = mapped_column(Boolean, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = utc_timestamp(nullable=False)
