"""Declarative base with a naming convention, plus the column mixins every table shares."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, MetaData, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.db.ids import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Fetch server-made values (timestamps, generated columns) with RETURNING at flush time:
    # rows outlive their session, and lazy loads are impossible under asyncio.
    __mapper_args__ = {"eager_defaults": True}


def utc_timestamp(**kwargs: Any) -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), **kwargs)


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid7)


class TimestampsMixin:
    created_at: Mapped[datetime] = utc_timestamp(nullable=False)
    updated_at: Mapped[datetime] = utc_timestamp(nullable=False, onupdate=func.now())


class SoftDeleteMixin:
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TenantMixin:
    """Every tenant-owned row carries its organization (the tenancy and sharding key)."""

    organization_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


def check_in(column: str, values: type[enum.Enum], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that keeps a text column within an enum's values."""
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or f"{column}_valid")


def not_a_partition(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """Alembic's ``include_name``: partitions (``<table>_p<N>``, created by their table's
    migration) are not tables of the models, so autogenerate must not drop them."""
    if type_ != "table" or name is None:
        return True
    table, _, number = name.rpartition("_p")
    return not (number.isdigit() and table in Base.metadata.tables)
