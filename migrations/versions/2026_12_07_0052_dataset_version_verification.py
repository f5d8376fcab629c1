"""dataset versions are verified against a verifier's digest

dataset_versions.verified_at and verified_by_id: set by datasetVersionVerify when the digest
a verifier computed matches the recorded checksum, the only way to VERIFIED from now on.
Versions already VERIFIED or ACTIVE keep their status (verified before this rule, by hand).

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-07 04:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0052"
down_revision = "0051"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE dataset_versions ADD COLUMN verified_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE dataset_versions ADD COLUMN verified_by_id UUID",
    "ALTER TABLE dataset_versions ADD CONSTRAINT fk_dataset_versions_verified_by_id_users "
    "FOREIGN KEY(verified_by_id) REFERENCES users (id) ON DELETE SET NULL",
]

DOWNGRADE = [
    "ALTER TABLE dataset_versions DROP COLUMN verified_by_id",
    "ALTER TABLE dataset_versions DROP COLUMN verified_at",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
