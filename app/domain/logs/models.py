"""A run's console output: lines numbered per run in commit order, append-only."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TenantMixin, check_in
from app.domain.logs.enums import LogStream


class RunLogLine(IdMixin, TenantMixin, Base):
    """One line a run printed. ``line_number`` is the run's, 1-based, given at commit
    order (under the run's ``RunLogState`` row lock), so reading after a number after a
    notification never skips a line committed later with a smaller one."""

    __tablename__ = "run_log_lines"
    __under__ = ("run_id",)
    __table_args__ = (
        check_in("stream", LogStream),
        Index("uq_run_log_lines_run_id_line_number", "run_id", "line_number", unique=True),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
    )
    line_number: Mapped[int] = mapped_column(BigInteger, nullable=False)
    stream: Mapped[str] = mapped_column(Text, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    truncated: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    logged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class RunLogState(TenantMixin, Base):
    """Per run: the last line number given, and this minute's count (the rate limit)."""

    __tablename__ = "run_log_states"
    __under__ = ("run_id",)

    run_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    last_line: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    window_start: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    window_lines: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
