"""The server's connection pool (app/db/engine.py) hands out the connection used last: after
a burst opened several, steady traffic keeps to one, whose prepared statements are warm."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from app.db.engine import make_engine


async def test_after_a_burst_sequential_work_keeps_to_one_connection(database_url):
    engine = make_engine(database_url, pool_size=5, max_overflow=0)
    try:
        all_open = asyncio.Barrier(5)

        async def hold() -> int:
            async with engine.connect() as conn:
                await all_open.wait()  # five connections open at once
                return int(await conn.scalar(text("SELECT pg_backend_pid()")))

        burst = await asyncio.gather(*(hold() for _ in range(5)))
        assert len(set(burst)) == 5
        sequential = []
        for _ in range(10):
            async with engine.connect() as conn:
                sequential.append(int(await conn.scalar(text("SELECT pg_backend_pid()"))))
        assert len(set(sequential)) == 1  # first in, first out would rotate through all five
    finally:
        await engine.dispose()
