"""Async engine and session factory. Sessions are short-lived and never shared across tasks."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import orjson
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.db.scope import scope_connections
from app.db.url import async_url, plain_url

SessionFactory = async_sessionmaker[AsyncSession]


APPLICATION_NAME = "mlgraph"  # how the pool's connections show in pg_stat_activity
PING_AFTER_IDLE_SECONDS = 1.0


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10) -> AsyncEngine:
    """The pool hands out the connection used last (LIFO): after a burst opened several,
    steady traffic keeps to the one whose statements are already prepared — FIFO rotated
    through them all, each preparing the ingest statement and the others again (a
    1,000-subscriber benchmark's first six writes took 16–33 ms instead of 8)."""
    dsn = plain_url(url)

    async def connect() -> asyncpg.Connection:
        # asyncpg reads the URL itself, as the listener and the read pool do: sslmode and
        # the other libpq parameters work (SQLAlchemy would pass them as unknown keywords).
        return await asyncpg.connect(dsn, server_settings={"application_name": APPLICATION_NAME})

    engine = create_async_engine(
        async_url(url),
        async_creator=connect,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_use_lifo=True,
        # JSON columns read back with orjson: an integer past 64 bits that PostgreSQL holds
        # (jsonb keeps 1e20 as 100000000000000000000) arrives as a float, which every
        # answer can encode, instead of a Python int that orjson refuses to write.
        json_deserializer=orjson.loads,
    )
    ping_idle_connections(engine, PING_AFTER_IDLE_SECONDS)
    scope_connections(engine)  # after the ping: a connection replaced is scoped anew
    return engine


def ping_idle_connections(engine: AsyncEngine, idle_seconds: float) -> None:
    """SQLAlchemy's ``pool_pre_ping``, only for connections idle longer than
    ``idle_seconds``. Its ping is a round trip before every checkout — three (BEGIN, the
    ping, ROLLBACK) for a transactional session — which was a good part of a small
    request's cost. A connection back in use within the second is trusted if asyncpg has
    not seen it close; one idle for longer (where a restart or a failover has had time to
    happen) is pinged first, and a dead one is replaced before anyone uses it."""

    @event.listens_for(engine.sync_engine, "checkin")
    def remember_when(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def check(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if dbapi_connection._connection.is_closed():
            raise exc.DisconnectionError("the server closed this connection")
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            raise exc.DisconnectionError("the ping failed") from error


def make_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def make_read_session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions for single-statement reads (loaders, authentication): autocommit, so a read
    costs one round trip instead of BEGIN + statement + ROLLBACK."""
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        expire_on_commit=False,
        autoflush=False,
    )
