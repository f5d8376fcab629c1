"""The one table MLflow's protocol needs that the graph had no place for."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, SoftDeleteMixin, TenantMixin, TimestampsMixin, check_in
from app.domain.mlflow.enums import LoggedModelStatus


class LoggedModel(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    """A model a run logged through MLflow's client (``mlflow.<flavor>.log_model``): its
    files are the run's artifacts under ``models/m-<id hex>/``, so they are listed, sized,
    quota-counted, retired and purged with the run's; a model version registered from it
    points at that folder."""

    __tablename__ = "logged_models"
    __under__ = ("run_id",)
    __table_args__ = (
        check_in("status", LoggedModelStatus),
        Index("ix_logged_models_run_id", "run_id"),
        Index(
            "ix_logged_models_experiment_id_live",
            "experiment_id",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
    )
    experiment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    model_type: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tags: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    params: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
