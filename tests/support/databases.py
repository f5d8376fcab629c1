"""A database of a test's own (beside the worker's shared one), for what a shared database
would disturb or be disturbed by: rate-limit counters, which process delivers."""

from __future__ import annotations

import os

from app.db.engine import make_engine, make_session_factory
from app.db.migrate import upgrade
from app.domain.tenancy.services import bootstrap_admin
from tests.conftest import create_database


async def fresh_database(pg_server_url: str, name: str) -> tuple[str, str]:
    """A migrated database with one organization (slug ``name`` with dashes); returns its
    URL and the admin's key."""
    url = await create_database(pg_server_url, f"mlgraph_{name}_{os.getpid()}")
    upgrade(url)
    engine = make_engine(url, pool_size=1, max_overflow=0)
    async with make_session_factory(engine)() as session, session.begin():
        created = await bootstrap_admin(
            session, email=f"{name}@example.com", org_slug=name.replace("_", "-")
        )
    await engine.dispose()
    return url, created.secret
