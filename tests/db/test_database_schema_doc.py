"""docs/database-schema.md is what the table declarations make now (app/db/schema_doc.py):
a table, column, index or check added without `make schema` fails here."""

from __future__ import annotations

from pathlib import Path

import app.db.models  # noqa: F401 - every table in the metadata
from app.db.base import Base
from app.db.schema_doc import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "database-schema.md"


def test_the_database_schema_document_is_current() -> None:
    assert DOC.read_text() == render(Base.metadata), "stale: run `make schema`"


def test_it_names_every_table_and_what_it_is_for() -> None:
    text = DOC.read_text()
    for name, table in Base.metadata.tables.items():
        assert f"## `{name}`" in text
        for column in table.columns:
            assert f"| {column.name} |" in text or f"| **{column.name}** |" in text
    assert "One point of a sweep's space, tried by one training job" in text
