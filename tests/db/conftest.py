"""Fixtures of the tests that hold SQL to Python, statement by statement."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import make_url


@pytest.fixture
async def connection(database_url):  # type: ignore[no-untyped-def]
    """A plain asyncpg connection to the test database (its owner: no row security)."""
    url = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(url)
    yield connection
    await connection.close()
