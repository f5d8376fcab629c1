"""least privilege: the role the server connects as

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 07:05:00

The server runs as ``mlgraph_app``: it reads and writes rows, but owns nothing, so it
cannot ALTER, TRUNCATE or DISABLE TRIGGER on any table, cannot change
session_replication_role (superusers only), and may only INSERT into the audit log (plus
the append-only trigger). Migrations run as the owner. Tables added by later migrations
get the same row privileges through default privileges; an append-only table revokes
UPDATE and DELETE itself, as audit_logs does here.

The role belongs to the cluster, not to one database, so the downgrade only takes its
privileges in this database away.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ROLE = "mlgraph_app"


def upgrade() -> None:
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
                CREATE ROLE {ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
            END IF;
        END $$
        """
    )
    op.execute(f"GRANT CONNECT ON DATABASE {_current_database()} TO {ROLE}")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {ROLE}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {ROLE}"
    )
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_logs FROM {ROLE}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {ROLE}")


def downgrade() -> None:
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {ROLE}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {ROLE}"
    )
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE CONNECT ON DATABASE {_current_database()} FROM {ROLE}")


def _current_database() -> str:
    name = op.get_bind().exec_driver_sql("SELECT current_database()").scalar()
    return '"' + str(name).replace('"', '""') + '"'
