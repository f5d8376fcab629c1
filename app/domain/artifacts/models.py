"""Files next to a run: the row says what and where; the bytes are in the object store."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, SoftDeleteMixin, TenantMixin, TimestampsMixin


class RunArtifact(IdMixin, TenantMixin, TimestampsMixin, SoftDeleteMixin, Base):
    """One file of a run at a normalised relative ``path`` (one live file per path: a new
    upload replaces it). ``storage_key`` names the object, made by the server from ids
    alone, never from the path a client sent."""

    __tablename__ = "run_artifacts"
    __under__ = ("run_id",)
    __table_args__ = (
        Index(
            "uq_run_artifacts_run_id_path_live",
            "run_id",
            "path",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
    )
    path: Mapped[str] = mapped_column(Text, nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    content_type: Mapped[str] = mapped_column(Text, nullable=False)
    storage_key: Mapped[str] = mapped_column(Text, nullable=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
