"""A statement sent straight through the session's asyncpg connection (app/db/driver.py):
the SQL and parameter order SQLAlchemy would have sent, in the session's transaction,
heard by SQLAlchemy's statement listeners, its errors SQLAlchemy's."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.db.driver import DriverStatement
from app.db.engine import make_engine, make_session_factory
from app.domain.experiments.services import LOG_POINTS, STORED_STEPS

SQL = """
    SELECT CAST(:a AS int8) + CAST(:b AS int8) AS total, CAST(:a AS text)::text AS again,
           (ARRAY[1, 2, 3])[2 : 3] AS sliced, CAST(:c AS text) AS c
"""


@pytest.mark.parametrize("sql", [SQL, LOG_POINTS.named_sql, STORED_STEPS.text])
def test_the_sql_and_its_parameters_are_what_sqlalchemy_sends(sql: str) -> None:
    compiled = text(sql).compile(dialect=asyncpg_dialect.dialect())
    statement = DriverStatement(sql)
    assert statement.sql == compiled.string
    assert statement.names == list(compiled.positiontup or [])


@pytest.fixture
async def sessions(database_url):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    yield engine, make_session_factory(engine)
    await engine.dispose()


async def test_it_runs_in_the_sessions_transaction_and_is_heard(sessions) -> None:  # type: ignore[no-untyped-def]
    engine, factory = sessions
    heard: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: heard.append(a[2]))
    statement = DriverStatement(SQL)
    insert = DriverStatement("INSERT INTO t VALUES (CAST(:n AS int)) RETURNING n")
    async with factory() as session:  # one pooled connection: its temporary table stays
        await session.execute(text("CREATE TEMPORARY TABLE t (n int)"))
        await session.commit()
    for ending in ("rollback", "commit"):
        async with factory() as session:
            # The session's first statement: it begins the session's transaction.
            assert (await insert.fetchrow(session, {"n": 7}))["n"] == 7  # type: ignore[index]
            row = await statement.fetchrow(session, {"a": 1, "b": 2, "c": "y"})
            assert dict(row or {}) == {"total": 3, "again": "1", "sliced": [2, 3], "c": "y"}
            # The session sees the row: one connection, one transaction.
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 1
            await getattr(session, ending)()
        async with factory() as session:
            stored = (await session.execute(text("SELECT count(*) FROM t"))).scalar_one()
            assert stored == (0 if ending == "rollback" else 1), ending
    assert heard.count(statement.sql) == 2 and heard.count(insert.sql) == 2


async def test_its_errors_are_sqlalchemys(sessions) -> None:  # type: ignore[no-untyped-def]
    _, factory = sessions
    async with factory() as session:
        await session.execute(text("CREATE TEMPORARY TABLE u (n int PRIMARY KEY)"))
        insert = DriverStatement("INSERT INTO u VALUES (:n) RETURNING n")
        await insert.fetchrow(session, {"n": 1})
        with pytest.raises(IntegrityError) as caught:
            await insert.fetchrow(session, {"n": 1})
        assert caught.value.orig.sqlstate == "23505"  # what the API's conflict handling reads
        await session.rollback()
        await session.execute(text("SELECT 1"))
        with pytest.raises(DBAPIError) as failed:
            await DriverStatement("SELECT 1 / CAST(:z AS int) AS q").fetchrow(session, {"z": 0})
        assert failed.value.orig.sqlstate == "22012"
        await session.rollback()
