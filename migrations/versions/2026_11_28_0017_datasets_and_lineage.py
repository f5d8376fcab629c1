"""datasets and lineage

Datasets per project (searchable like models), their versions (a versioning system and
its external id, storage URI, checksum as algorithm + hex digest, indexed for lookups,
counts, a status), derivations between versions (parents named at creation, so no cycle
can form), and the dataset versions runs and training jobs consumed, in a role.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 13:52:08.665853
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("dataset_type", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("format", sa.String(length=64), nullable=True),
        sa.Column("schema", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.String(length=64)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(
                "to_tsvector('english', coalesce(name, '') || ' ' || coalesce(description, ''))",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "dataset_type IN ('image', 'text', 'tabular', 'time_series', 'audio', 'other')",
            name=op.f("ck_datasets_dataset_type_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_datasets_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_datasets_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_datasets_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
    )
    op.create_index(
        op.f("ix_datasets_organization_id"), "datasets", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_datasets_project_id_live",
        "datasets",
        ["project_id", "id"],
        unique=False,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "ix_datasets_search_vector",
        "datasets",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index("ix_datasets_tags", "datasets", ["tags"], unique=False, postgresql_using="gin")
    op.create_index(
        "uq_datasets_project_id_name_live",
        "datasets",
        ["project_id", "name"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "dataset_versions",
        sa.Column("dataset_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("versioning_system", sa.String(length=32), nullable=False),
        sa.Column("external_version_id", sa.String(length=256), nullable=True),
        sa.Column("storage_uri", sa.String(length=2048), nullable=True),
        sa.Column("checksum_algorithm", sa.String(length=16), nullable=True),
        sa.Column("checksum", sa.String(length=128), nullable=True),
        sa.Column("file_count", sa.BigInteger(), nullable=True),
        sa.Column("total_size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("record_count", sa.BigInteger(), nullable=True),
        sa.Column("diff_summary", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "checksum ~ '^[0-9a-f]+$'", name=op.f("ck_dataset_versions_checksum_hex")
        ),
        sa.CheckConstraint(
            "checksum_algorithm IN ('md5', 'sha1', 'sha256', 'sha512', 'blake2b')",
            name=op.f("ck_dataset_versions_checksum_algorithm_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('created', 'verified', 'active', 'deprecated')",
            name=op.f("ck_dataset_versions_status_valid"),
        ),
        sa.CheckConstraint(
            "(checksum_algorithm IS NULL) = (checksum IS NULL)",
            name=op.f("ck_dataset_versions_checksum_complete"),
        ),
        sa.CheckConstraint(
            "(file_count IS NULL OR file_count >= 0) AND (total_size_bytes IS NULL OR total_size_bytes >= 0) AND (record_count IS NULL OR record_count >= 0)",
            name=op.f("ck_dataset_versions_counts_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_dataset_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_versions_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_dataset_versions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_versions")),
    )
    op.create_index(
        "ix_dataset_versions_checksum",
        "dataset_versions",
        ["checksum", "checksum_algorithm"],
        unique=False,
    )
    op.create_index(
        "ix_dataset_versions_dataset_id_live",
        "dataset_versions",
        ["dataset_id", "id"],
        unique=False,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        op.f("ix_dataset_versions_organization_id"),
        "dataset_versions",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "uq_dataset_versions_dataset_id_version_live",
        "dataset_versions",
        ["dataset_id", "version"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "uq_dataset_versions_external",
        "dataset_versions",
        ["dataset_id", "versioning_system", "external_version_id"],
        unique=True,
        postgresql_where=sa.text("external_version_id IS NOT NULL AND deleted_at IS NULL"),
    )
    op.create_table(
        "dataset_version_parents",
        sa.Column("child_id", sa.UUID(), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "child_id <> parent_id", name=op.f("ck_dataset_version_parents_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["dataset_versions.id"],
            name=op.f("fk_dataset_version_parents_child_id_dataset_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_dataset_version_parents_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["dataset_versions.id"],
            name=op.f("fk_dataset_version_parents_parent_id_dataset_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("child_id", "parent_id", name=op.f("pk_dataset_version_parents")),
    )
    op.create_index(
        op.f("ix_dataset_version_parents_organization_id"),
        "dataset_version_parents",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "ix_dataset_version_parents_parent_id",
        "dataset_version_parents",
        ["parent_id"],
        unique=False,
    )
    op.create_table(
        "dataset_inputs",
        sa.Column("dataset_version_id", sa.UUID(), nullable=False),
        sa.Column("run_id", sa.UUID(), nullable=True),
        sa.Column("training_job_id", sa.UUID(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "role IN ('train', 'validation', 'test', 'other')",
            name=op.f("ck_dataset_inputs_role_valid"),
        ),
        sa.CheckConstraint(
            "(run_id IS NULL) <> (training_job_id IS NULL)",
            name=op.f("ck_dataset_inputs_one_consumer"),
        ),
        sa.ForeignKeyConstraint(
            ["dataset_version_id"],
            ["dataset_versions.id"],
            name=op.f("fk_dataset_inputs_dataset_version_id_dataset_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_dataset_inputs_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_dataset_inputs_run_id_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["training_job_id"],
            ["training_jobs.id"],
            name=op.f("fk_dataset_inputs_training_job_id_training_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_inputs")),
    )
    op.create_index(
        "ix_dataset_inputs_dataset_version_id",
        "dataset_inputs",
        ["dataset_version_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_dataset_inputs_organization_id"),
        "dataset_inputs",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "uq_dataset_inputs_job",
        "dataset_inputs",
        ["training_job_id", "dataset_version_id", "role"],
        unique=True,
        postgresql_where=sa.text("training_job_id IS NOT NULL"),
    )
    op.create_index(
        "uq_dataset_inputs_run",
        "dataset_inputs",
        ["run_id", "dataset_version_id", "role"],
        unique=True,
        postgresql_where=sa.text("run_id IS NOT NULL"),
    )


def downgrade() -> None:
    for table in ("dataset_inputs", "dataset_version_parents", "dataset_versions", "datasets"):
        op.drop_table(table)  # with their indexes
