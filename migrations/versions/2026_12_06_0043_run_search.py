"""runs: full text over the name, description, tag values and param values

A stored generated column (the 'simple' text search configuration: run names, ids and
values are not prose to stem) and its GIN index: the run query's ``search = "..."`` and
``RunFilterInput.search``.

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE runs ADD COLUMN search_vector TSVECTOR GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(name, '')), 'A') || "
    "to_tsvector('simple'::regconfig, coalesce(description, '')) || "
    "jsonb_to_tsvector('simple'::regconfig, tags, '[\"string\", \"numeric\"]'::jsonb) || "
    "jsonb_to_tsvector('simple'::regconfig, params, '[\"string\", \"numeric\"]'::jsonb)"
    ") STORED",
    "CREATE INDEX ix_runs_search_vector ON runs USING gin (search_vector)",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX ix_runs_search_vector")
    op.execute("ALTER TABLE runs DROP COLUMN search_vector")
