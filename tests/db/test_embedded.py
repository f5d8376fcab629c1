"""The embedded PostgreSQL stops cleanly and is reused, data intact, on the next start."""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy import text

from app.db.embedded import start_embedded
from app.db.engine import make_engine


async def query(url: str, *statements: str) -> object:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as conn:
            *setup, last = statements
            for statement in setup:
                await conn.execute(text(statement))
            return await conn.scalar(text(last))
    finally:
        await engine.dispose()


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="uses the embedded server")
async def test_restart_reuses_the_data_folder(tmp_path):
    first = await asyncio.to_thread(start_embedded, tmp_path)
    system_id = await query(
        first.url,
        "CREATE TABLE kept (v int)",
        "INSERT INTO kept VALUES (42)",
        "SELECT system_identifier FROM pg_control_system()",
    )
    await asyncio.to_thread(first.stop)
    await asyncio.to_thread(first.stop)  # stopping twice is harmless (lifespan, then exit)
    assert not (tmp_path / "pg" / "postmaster.pid").exists()  # a clean shutdown

    second = await asyncio.to_thread(start_embedded, tmp_path)
    try:
        # Same cluster (no second initdb), same rows.
        assert (
            await query(second.url, "SELECT system_identifier FROM pg_control_system()")
            == system_id
        )
        assert await query(second.url, "SELECT v FROM kept") == 42
    finally:
        await asyncio.to_thread(second.stop)
