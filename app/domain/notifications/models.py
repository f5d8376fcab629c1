"""Notification tables: channels, rules, the delivery outbox and its attempts."""

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
from app.domain.alert_kinds import AlertSeverity, AlertType
from app.domain.notifications.enums import ChannelType, DeliveryStatus, Outcome, Trigger

LIVE = text("deleted_at IS NULL")


class NotificationChannel(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    """Where notifications go: a webhook, Slack, Teams or email recipients. A paused one
    (``enabled`` false) is sent nothing: no delivery is queued for it, and deliveries
    queued before the pause wait until it resumes."""

    __tablename__ = "notification_channels"
    __table_args__ = (
        check_in("channel_type", ChannelType),
        Index(
            "uq_notification_channels_organization_id_name_live",
            "organization_id",
            "name",
            unique=True,
            postgresql_where=LIVE,
        ),
    )

    name: Mapped[str] = mapped_column(String(100), nullable=False)
    channel_type: Mapped[str] = mapped_column(String(16), nullable=False)
    config: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    # Signing secret / token: used to deliver, never returned by the API.
    secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    enabled: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true")
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class NotificationRule(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    """Which events go to which channel; scope: the organization, a project or a deployment."""

    __tablename__ = "notification_rules"
    __under__ = ("deployment_id",)
    __table_args__ = (
        check_in("trigger", Trigger),
        check_in("min_severity", AlertSeverity),
        CheckConstraint(
            f"alert_types <@ ARRAY[{', '.join(repr(t.value) for t in AlertType)}]::varchar[]"
            " AND cardinality(alert_types) > 0",
            name="alert_types",
        ),
        CheckConstraint(
            f"outcomes <@ ARRAY[{', '.join(repr(o.value) for o in Outcome)}]::varchar[]"
            " AND cardinality(outcomes) > 0",
            name="outcomes",
        ),
        Index(
            "ix_notification_rules_org_trigger_live",
            "organization_id",
            "trigger",
            postgresql_where=LIVE,
        ),
        Index("ix_notification_rules_channel_id", "channel_id"),
    )

    channel_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("notification_channels.id", ondelete="CASCADE"),
        nullable=False,
    )
    trigger: Mapped[str] = mapped_column(String(32), nullable=False)
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"), nullable=True
    )
    deployment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("deployments.id", ondelete="CASCADE"), nullable=True
    )
    min_severity: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # Conditions beyond the scope; null matches every event.
    alert_types: Mapped[list[str] | None] = mapped_column(ARRAY(String(64)), nullable=True)
    outcomes: Mapped[list[str] | None] = mapped_column(ARRAY(String(16)), nullable=True)
    environment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("environments.id", ondelete="CASCADE"), nullable=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class NotificationDelivery(IdMixin, TenantMixin, Base):
    """The outbox: written in the same transaction as the event, sent by the worker."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        check_in("status", DeliveryStatus),
        Index(
            "ix_notification_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_notification_deliveries_channel_id", "channel_id", "id"),
    )

    rule_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("notification_rules.id", ondelete="SET NULL"), nullable=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("notification_channels.id", ondelete="CASCADE"),
        nullable=False,
    )
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default=DeliveryStatus.PENDING.value
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = utc_timestamp(nullable=False)


class NotificationAttempt(IdMixin, TenantMixin, Base):
    __tablename__ = "notification_attempts"
    __table_args__ = (Index("ix_notification_attempts_delivery_id", "delivery_id", "attempt"),)

    delivery_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("notification_deliveries.id", ondelete="CASCADE"),
        nullable=False,
    )
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    duration_ms: Mapped[float] = mapped_column(nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False)
