"""a deployment runtime's service type and region

deployments.service_type (kubernetes | cloud_run; null: not stated) and deployments.region.
A CLOUD_RUN service's rules (a Google Cloud region, the cloud-run framework, no namespace,
Cloud Run's limits) are the service's; the column keeps to the enum.

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-07 04:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0051"
down_revision = "0050"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE deployments ADD COLUMN service_type VARCHAR(16)",
    "ALTER TABLE deployments ADD COLUMN region VARCHAR(64)",
    "ALTER TABLE deployments ADD CONSTRAINT ck_deployments_service_type_valid "
    "CHECK (service_type IN ('kubernetes', 'cloud_run'))",
]

DOWNGRADE = [
    "ALTER TABLE deployments DROP COLUMN region",
    "ALTER TABLE deployments DROP COLUMN service_type",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
