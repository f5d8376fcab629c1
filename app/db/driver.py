"""A statement sent on a session's own asyncpg connection, inside the session's transaction,
without SQLAlchemy's work around each execution.

For the hottest write path (a metric batch's run lock and its one write statement, ~45
parameters): SQLAlchemy around them (compiling the text's binds, its prepared-statement
adapter, the cursor and the result's metadata) cost the ingest service 1.6 of its 6.3 ms
of CPU a batch (6.26 → 4.67 ms, medians of 12 blocks alternating in one process, every
pair the same way; the write statement alone: 5.27 → 4.78).

The statement runs on the same connection and in the same transaction as the session's
other statements; SQLAlchemy's statement listeners still hear of it (the server's
statement counts, the tests' counters, a tracing span); and a database error reaches the
caller as the SQLAlchemy exception it would have been (``IntegrityError`` and the rest,
with asyncpg's error, its ``sqlstate`` included, as ``orig``). It leans on SQLAlchemy's
asyncpg adapter (its lock, its transaction, begun as SQLAlchemy begins it):
``tests/db/test_driver_statements.py`` checks that this still holds for the SQLAlchemy in
``constraints.txt``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
from sqlalchemy import exc, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession

DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]


class DriverStatement:
    """SQL with ``:name`` binds, sent positionally through asyncpg: the ``$n`` text and
    parameter order SQLAlchemy's compiler writes for it, compiled once."""

    def __init__(self, sql: str) -> None:
        self.named_sql = sql
        compiled = text(sql).compile(dialect=DIALECT)
        self.sql = compiled.string
        self.names: list[str] = list(compiled.positiontup or ())

    async def fetchrow(
        self, session: AsyncSession, params: Mapping[str, Any]
    ) -> asyncpg.Record | None:
        """The first row, if any, in the session's transaction (begun here if this is the
        session's first statement, as SQLAlchemy begins it before its own first one)."""
        connection = await session.connection()
        adapted: Any = (await connection.get_raw_connection()).dbapi_connection
        args = [params[name] for name in self.names]
        listeners = connection.sync_engine.dispatch
        context = _Context()  # what the listeners may tag (tracing: its span)
        listeners.before_cursor_execute(
            connection.sync_connection, None, self.sql, args, context, False
        )
        try:
            async with adapted._execute_mutex:  # SQLAlchemy's adapter: one statement at a time
                if adapted._transaction is None:
                    await adapted._start_transaction()  # (nothing in autocommit sessions)
                return await adapted._connection.fetchrow(self.sql, *args)
        except asyncpg.IntegrityConstraintViolationError as error:
            raise exc.IntegrityError(self.sql, args, error) from error
        except asyncpg.PostgresError as error:
            raise exc.DBAPIError(self.sql, args, error) from error
        finally:
            listeners.after_cursor_execute(
                connection.sync_connection, None, self.sql, args, context, False
            )


class _Context:
    """Stands for SQLAlchemy's execution context in its listeners' calls."""
