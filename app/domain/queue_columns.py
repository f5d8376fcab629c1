"""The columns and indexes of a table worked as a queue (app/domain/work_queue.py) with a
retry limit: artifact builds, pattern jobs, WORKFLOW serves' runs. Declared once here, so
the queue's columns mean the same everywhere and a fourth queue is a line, not a copy."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column


class QueuedMixin:
    """Who made the row, how its work went, and the queue's hold on it."""

    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # first claim
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # The queue: who holds it, until when, how many claims so far, and the retry limit.
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claims: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    max_attempts: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, server_default=text("3")
    )
    status_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))


def queue_table_args(table: str) -> tuple[Any, ...]:
    """The retry limit's bounds, the claim's index (oldest waiting rows of an
    organization) and the lease sweep's index (running rows by lease end)."""
    return (
        CheckConstraint("max_attempts BETWEEN 1 AND 10", name="max_attempts_valid"),
        Index(f"ix_{table}_queue", "organization_id", "status", "id"),
        Index(
            f"ix_{table}_leases",
            "lease_expires_at",
            postgresql_where=text("status = 'running' AND lease_expires_at IS NOT NULL"),
        ),
    )
