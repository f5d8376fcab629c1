"""Declarative base with a naming convention, plus the column mixins every table shares."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any, ClassVar

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
    # Tenancy: a tenant-owned row carries its organization (``organization_id``); it is in
    # a project when it has ``project_id``, or through the rows it lives under: the
    # columns named here, each a foreign key to its parent (a version under its model, a
    # point under its run). The one declaration the loaders', the compiler's and the
    # services' predicates and the database's row-level security policies are made from
    # (app/domain/tenancy/visibility.py, app/db/row_security.py).
    __under__: ClassVar[tuple[str, ...]] = ()
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


def under(table_name: str) -> tuple[tuple[str, str], ...]:
    """The (column, parent table) pairs a table declares it lives under (``__under__``),
    each parent found by the column's foreign key."""
    if table_name not in _UNDER:
        model = next(
            (m.class_ for m in Base.registry.mappers if m.class_.__tablename__ == table_name), None
        )
        if model is None:  # not mapped (yet): nothing to remember
            return ()
        pairs = []
        for column in model.__under__:
            keys = model.__table__.c[column].foreign_keys
            if len(keys) != 1:
                raise TypeError(f"{table_name}.__under__: {column} is not a foreign key")
            pairs.append((column, next(iter(keys)).column.table.name))
        _UNDER[table_name] = tuple(pairs)
    return _UNDER[table_name]


_UNDER: dict[str, tuple[tuple[str, str], ...]] = {}
