"""serving endpoints' status_version: an endpoint's page followed live

Every change an endpoint's page shows — its traffic split, active and previous deployment
(``sync_endpoint``, at the end of every deploy, status, traffic and promotion change), its
promotion policy, its URL — bumps ``status_version`` and NOTIFYs
``mlgraph_endpoint_changes``; the ``servingEndpointChanges`` subscription follows it.

Revision ID: 0067
Revises: 0066
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0067"
down_revision = "0066"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE serving_endpoints ADD COLUMN status_version integer DEFAULT 0 NOT NULL",
]

DOWNGRADE = [
    "ALTER TABLE serving_endpoints DROP COLUMN status_version",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
