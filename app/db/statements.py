"""Single-statement reads straight through asyncpg: the compiled read path's transport.

A compiled query is one statement whose one value is the whole answer; at the rate
dashboards send them, what SQLAlchemy adds around it is most of the server's cost: the
pool's pre-ping (a round trip before every checkout, ~0.2 ms) and the checkout itself.
This pool skips both: asyncpg notices a connection the server closed and replaces it, and
a statement that meets a dead connection anyway (a restart, a failover, a terminated
backend, between the check and the query) is sent once more on a fresh one, every pooled
connection replaced — safe, since it only reads. Its connections are made on first use
(an idle server holds none); the prepared-statement cache keeps each distinct statement's
plan, and the plan is kept: ``plan_cache_mode = force_generic_plan``. PostgreSQL's own
choice re-planned a compiled statement at every execution (its generic plan's estimate
looked worse): 1.2 of a raw page's 2.6 ms were planning. The parameters are ids, the
caller's organizations, bounds and page sizes; the plans are index lookups whose shape
does not depend on their values, and partitions are still pruned when the plan runs.

SQLAlchemy's statement listeners on the engine still hear of every statement (the test
suite and the benchmarks count statements that way)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from typing import Any, cast

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.scope import APPLY_SQL, DbScope, current_scope
from app.db.url import plain_url

log = logging.getLogger("mlgraph.db")

# A dead or closing connection, not a fault of the statement: worth one more try.
RETRYABLE = (
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # e.g. terminated by an administrator
    asyncpg.exceptions.InternalClientError,  # a server's goodbye met mid-statement
    ConnectionError,
    OSError,
)


APPLICATION_NAME = "mlgraph-reads"  # how its connections show in pg_stat_activity


class ReadConnection(asyncpg.Connection):  # type: ignore[misc]  # asyncpg has no type hints
    """A connection that only ever runs one read statement at a time (no LISTEN, cursor,
    advisory lock or transaction is ever left on it; its one setting, the row-security
    scope, is sent before each statement whose scope differs): nothing to reset when it
    goes back to the pool, so no reset statement — a round trip per read — is sent.
    (An open transaction would still be rolled back: asyncpg does that apart.)"""

    db_scope: DbScope | None = None  # the rows its session may touch (app/db/scope.py)

    def get_reset_query(self) -> str:
        return ""

    async def hold_scope(self, scope: DbScope) -> None:
        """The session's row-security settings, sent only when they change (a round trip)."""
        if self.db_scope != scope:
            await self.execute(APPLY_SQL, *scope.settings())
            self.db_scope = scope


def _json_text(value: Any) -> str:
    """A json parameter: text as it is (what asyncpg takes without a codec), else orjson's."""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


async def python_values(connection: asyncpg.Connection) -> None:
    """Rows read here hold what SQLAlchemy's would (app/api/loaders/rows_by_id.py reads
    rows this way): uuid.UUID, not asyncpg's own UUID (orjson refuses to write that), and
    JSON decoded by orjson, as the engine's ``json_deserializer``."""
    await connection.set_type_codec(
        "uuid", schema="pg_catalog", encoder=str, decoder=uuid.UUID, format="text"
    )
    for name in ("json", "jsonb"):
        await connection.set_type_codec(
            name, schema="pg_catalog", encoder=_json_text, decoder=orjson.loads, format="text"
        )


class StatementPool:
    def __init__(self, engine: AsyncEngine, max_size: int, traced: bool = False) -> None:
        self.engine = engine
        self.traced = traced  # a span per statement (app/process/tracing.py)
        self.max_size = max(1, max_size)
        self._pool: asyncpg.Pool | None = None
        self._creating = asyncio.Lock()

    async def _get_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._creating:
                if self._pool is None:
                    dsn = plain_url(self.engine.url.render_as_string(hide_password=False))
                    self._pool = await asyncpg.create_pool(
                        dsn,
                        min_size=0,
                        max_size=self.max_size,
                        statement_cache_size=512,
                        connection_class=ReadConnection,
                        init=python_values,
                        server_settings={
                            "application_name": APPLICATION_NAME,
                            "plan_cache_mode": "force_generic_plan",
                        },
                    )
        return self._pool

    async def fetchval(self, sql: str, params: Sequence[Any]) -> Any:
        """The first value of the first row."""
        return await self._run("fetchval", sql, params)

    async def fetch(self, sql: str, params: Sequence[Any]) -> list[asyncpg.Record]:
        """Every row."""
        return cast(list[asyncpg.Record], await self._run("fetch", sql, params))

    async def _run(self, method: str, sql: str, params: Sequence[Any]) -> Any:
        if self.traced:
            from app.process.tracing import statement_span

            with statement_span(sql):
                return await self._send(method, sql, params)
        return await self._send(method, sql, params)

    async def _send(self, method: str, sql: str, params: Sequence[Any]) -> Any:
        self.engine.sync_engine.dispatch.before_cursor_execute(None, None, sql, params, None, False)
        pool = await self._get_pool()
        scope = current_scope()
        try:
            async with pool.acquire() as connection:
                await connection.hold_scope(scope)
                return await getattr(connection, method)(sql, *params)
        except RETRYABLE as error:
            log.info("read statement met a dead connection (%s); once more", type(error).__name__)
            # Its siblings are likely dead too (a restart, a failover): replace them all.
            await pool.expire_connections()
        async with pool.acquire() as connection:
            await connection.hold_scope(scope)
            return await getattr(connection, method)(sql, *params)

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()
