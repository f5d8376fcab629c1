"""docs/database-schema.md, made from the tables' declarations: what each table is for (its
model's docstring), its columns, keys, indexes and checks, table by table.

    make schema   # writes it with schema.graphql

tests/db/test_database_schema_doc.py fails when the file differs from what this makes now,
so the document cannot fall behind a migration."""

from __future__ import annotations

import inspect
from typing import Any, cast

from sqlalchemy import CheckConstraint, Index, MetaData, Table, UniqueConstraint
from sqlalchemy.dialects import postgresql

from app.db.base import Base

HEADER = """# Database schema

Generated from the table declarations (`app/domain/*/models.py`) by `make schema`; a test
fails when it is out of date. Every table with `organization_id` is a tenant's: row-level
security keeps each connection to its organizations' rows (and, under a private project,
to its members'), see docs/architecture.md, "Tenancy". Migrations: `migrations/versions/`.
"""

DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]  # SQLAlchemy's dialect class is untyped


def _purpose(table: Table) -> str:
    for mapper in Base.registry.mappers:
        if mapper.local_table is table:  # its own docstring, not a mixin's
            doc = inspect.cleandoc(mapper.class_.__dict__.get("__doc__") or "")
            return " ".join(doc.split("\n\n")[0].split())
    return ""


def _type(column: Any) -> str:
    return str(column.type.compile(dialect=DIALECT))


def _default(column: Any) -> str:
    if column.server_default is not None:
        arg = getattr(column.server_default, "arg", None)
        return f"`{getattr(arg, 'text', arg)}`"
    return ""


def _references(column: Any) -> str:
    keys = [
        f"{fk.column.table.name}.{fk.column.name}"
        + (f" ({fk.ondelete.lower()})" if fk.ondelete else "")
        for fk in sorted(column.foreign_keys, key=lambda fk: fk.target_fullname)
    ]
    return ", ".join(keys)


def _index(index: Index) -> str:
    parts = ", ".join(
        getattr(e, "name", None) or str(cast(Any, e).compile(dialect=DIALECT))
        for e in index.expressions
    )
    where = index.dialect_options["postgresql"].get("where")
    text = f"`{index.name}` ({parts})"
    if index.unique:
        text = "unique " + text
    if where is not None:
        text += f" where `{where}`"
    return text


def _table(table: Table) -> list[str]:
    lines = [f"## `{table.name}`", ""]
    purpose = _purpose(table)
    if purpose:
        lines += [purpose, ""]
    partitioned = table.dialect_options["postgresql"].get("partition_by")
    if partitioned:
        lines += [f"Partitioned by `{partitioned}`.", ""]
    primary = {c.name for c in table.primary_key.columns}
    lines += ["| column | type | null | default | references |", "|---|---|---|---|---|"]
    for column in table.columns:
        name = f"**{column.name}**" if column.name in primary else column.name
        null = "" if column.nullable else "not null"
        lines.append(
            f"| {name} | {_type(column)} | {null} | {_default(column)} | {_references(column)} |"
        )
    lines.append("")
    uniques = sorted(
        (c for c in table.constraints if isinstance(c, UniqueConstraint)),
        key=lambda c: str(c.name),
    )
    indexes = [_index(i) for i in sorted(table.indexes, key=lambda i: str(i.name))]
    indexes += [f"unique `{u.name}` ({', '.join(c.name for c in u.columns)})" for u in uniques]
    if indexes:
        lines += ["Indexes: " + "; ".join(indexes) + ".", ""]
    checks = sorted(
        (c for c in table.constraints if isinstance(c, CheckConstraint)),
        key=lambda c: str(c.name),
    )
    if checks:
        lines.append("Checks:")
        lines += [f"- `{c.name}`: `{' '.join(str(c.sqltext).split())}`" for c in checks]
        lines.append("")
    return lines


def render(metadata: MetaData) -> str:
    """The whole document (every table of ``metadata``, by name)."""
    lines = [HEADER]
    names = sorted(metadata.tables)
    lines += ["Tables: " + ", ".join(f"`{name}`" for name in names) + ".", ""]
    for name in names:
        lines += _table(metadata.tables[name])
    return "\n".join(lines).rstrip() + "\n"
