"""retention policies

Per-organization retention (``retention_policies``), and the one way audit rows may be
deleted: ``purge_audit_logs(organization, ids)``, a SECURITY DEFINER function the app role
may execute (it holds no DELETE on the table), which deletes only rows older than the
organization's own audit retention, flagging its transaction for the append-only trigger.
UPDATE stays refused, always.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-28 16:31:45.802600
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


PURGEABLE = """
CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('mlgraph.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_logs is append-only';
END;
$$
"""
PURGE_FUNCTION = """
CREATE FUNCTION purge_audit_logs(org uuid, ids uuid[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    keep_days integer;
    purged integer;
BEGIN
    SELECT audit_log_days INTO keep_days FROM retention_policies WHERE organization_id = org;
    IF keep_days IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM set_config('mlgraph.audit_purge', 'on', true);
    DELETE FROM audit_logs
    WHERE organization_id = org AND id = ANY(ids)
      AND created_at < now() - make_interval(days => keep_days);
    GET DIAGNOSTICS purged = ROW_COUNT;
    PERFORM set_config('mlgraph.audit_purge', 'off', true);
    RETURN purged;
END;
$$
"""
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_logs is append-only';
END;
$$
"""


def upgrade() -> None:
    op.execute(PURGEABLE)
    op.create_table(
        "retention_policies",
        sa.Column("run_metrics_days", sa.Integer(), nullable=True),
        sa.Column("monitoring_metrics_days", sa.Integer(), nullable=True),
        sa.Column("predictions_days", sa.Integer(), nullable=True),
        sa.Column("embeddings_days", sa.Integer(), nullable=True),
        sa.Column("audit_log_days", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.UUID(), nullable=True),
        sa.Column("last_applied_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint(
            "audit_log_days IS NULL OR audit_log_days BETWEEN 1 AND 3650",
            name=op.f("ck_retention_policies_audit_log_days"),
        ),
        sa.CheckConstraint(
            "embeddings_days IS NULL OR embeddings_days BETWEEN 1 AND 3650",
            name=op.f("ck_retention_policies_embeddings_days"),
        ),
        sa.CheckConstraint(
            "monitoring_metrics_days IS NULL OR monitoring_metrics_days BETWEEN 1 AND 3650",
            name=op.f("ck_retention_policies_monitoring_metrics_days"),
        ),
        sa.CheckConstraint(
            "predictions_days IS NULL OR predictions_days BETWEEN 1 AND 3650",
            name=op.f("ck_retention_policies_predictions_days"),
        ),
        sa.CheckConstraint(
            "run_metrics_days IS NULL OR run_metrics_days BETWEEN 1 AND 3650",
            name=op.f("ck_retention_policies_run_metrics_days"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_retention_policies_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_retention_policies_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_policies")),
        sa.UniqueConstraint("organization_id", name="uq_retention_policies_organization_id"),
    )
    op.create_index(
        op.f("ix_retention_policies_organization_id"),
        "retention_policies",
        ["organization_id"],
        unique=False,
    )
    op.execute(PURGE_FUNCTION)
    op.execute("REVOKE ALL ON FUNCTION purge_audit_logs(uuid, uuid[]) FROM PUBLIC")
    op.execute("GRANT EXECUTE ON FUNCTION purge_audit_logs(uuid, uuid[]) TO mlgraph_app")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS purge_audit_logs(uuid, uuid[])")
    op.execute(APPEND_ONLY)
    op.drop_index(op.f("ix_retention_policies_organization_id"), table_name="retention_policies")
    op.drop_table("retention_policies")
