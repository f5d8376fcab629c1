"""The server connects as a role that reads and writes rows but owns nothing: it cannot
truncate, alter, disable triggers, change session_replication_role, or rewrite the audit
log, whatever SQL it were tricked into running."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db.engine import make_engine

FORBIDDEN = [
    "TRUNCATE audit_logs",
    "ALTER TABLE audit_logs DISABLE TRIGGER ALL",
    "SET session_replication_role = replica",
    "UPDATE audit_logs SET action = 'rewritten'",
    "DELETE FROM audit_logs",
    "DROP TABLE audit_logs",
    "CREATE TABLE sneaky (id int)",
    "UPDATE alembic_version SET version_num = '0001'",
    "ALTER ROLE mlgraph_app SUPERUSER",
]


async def test_the_server_runs_as_the_least_privileged_role(server):
    assert server.app.state.engine.url.username == "mlgraph_app"
    engine = make_engine(server.settings.server_database_url, pool_size=1, max_overflow=0)
    try:
        for statement in FORBIDDEN:
            async with engine.connect() as conn:
                with pytest.raises(DBAPIError) as refused:
                    await conn.execute(text(statement))
                assert "permission denied" in str(refused.value) or "must be" in str(
                    refused.value
                ), statement
        async with engine.connect() as conn:  # what it needs still works
            assert await conn.scalar(text("SELECT count(*) FROM audit_logs")) >= 0
            assert await conn.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await engine.dispose()
