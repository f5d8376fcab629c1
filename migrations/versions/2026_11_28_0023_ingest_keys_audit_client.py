"""ingest keys, audit client and filters

- API keys may have the INGEST scope (log metrics, predictions and embeddings only).
- Audit rows keep the client's address and user agent; indexes for the audit log's
  filters: by actor and time, by target.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-28 16:08:42.166892
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


SCOPES = "ck_api_keys_scopes_valid"


def _scopes(values: str) -> None:
    op.execute(f"ALTER TABLE api_keys DROP CONSTRAINT {SCOPES}")
    op.execute(
        f"ALTER TABLE api_keys ADD CONSTRAINT {SCOPES} CHECK "
        f"(scopes <@ ARRAY[{values}]::varchar[] AND cardinality(scopes) > 0)"
    )


def upgrade() -> None:
    _scopes("'read', 'write', 'ingest'")
    op.add_column("audit_logs", sa.Column("ip_address", sa.String(length=45), nullable=True))
    op.add_column("audit_logs", sa.Column("user_agent", sa.String(length=512), nullable=True))
    op.create_index(
        "ix_audit_logs_actor_user_id_created_at",
        "audit_logs",
        ["actor_user_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_audit_logs_target", "audit_logs", ["target_type", "target_id"], unique=False
    )


def downgrade() -> None:
    # Ingest keys cannot exist before this revision: revoke them, then narrow the check.
    op.execute(
        "UPDATE api_keys SET scopes = array_remove(scopes, 'ingest'), "
        "revoked_at = coalesce(revoked_at, now()) WHERE 'ingest' = ANY(scopes)"
    )
    op.execute(
        "UPDATE api_keys SET scopes = ARRAY['read']::varchar[] WHERE cardinality(scopes) = 0"
    )
    _scopes("'read', 'write'")
    op.drop_index("ix_audit_logs_target", table_name="audit_logs")
    op.drop_index("ix_audit_logs_actor_user_id_created_at", table_name="audit_logs")
    op.drop_column("audit_logs", "user_agent")
    op.drop_column("audit_logs", "ip_address")
