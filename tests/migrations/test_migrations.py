"""Migrations: up, down and up again on a database holding data; models match migrations."""

from __future__ import annotations

import os
import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, text

from app.db.base import not_a_partition
from app.db.engine import make_engine, make_session_factory
from app.db.migrate import current_revision, downgrade, head_revision, upgrade
from app.db.models import Base
from app.seed.demo import seed_demo
from tests.conftest import create_database


async def table_names(url: str) -> set[str]:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                    "AND relkind IN ('r', 'p') AND NOT relispartition"
                )
            )
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade_with_data(pg_server_url):
    url = await create_database(pg_server_url, f"mlgraph_migrations_{os.getpid()}")
    upgrade(url)
    assert await current_revision(url) == head_revision()
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            assert await seed_demo(session)
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM monitoring_metrics")) > 0
    finally:
        await engine.dispose()

    downgrade(url, "base")
    assert await table_names(url) == {"alembic_version"}
    assert await current_revision(url) is None

    upgrade(url)
    expected = {table.name for table in Base.metadata.sorted_tables} | {"alembic_version"}
    assert await table_names(url) == expected
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            assert await seed_demo(session)  # the schema works again from scratch
    finally:
        await engine.dispose()


async def test_models_and_migrations_agree(database_url):
    """Autogenerate finds nothing to do: every model change has a migration."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync_conn: compare_metadata(
                    MigrationContext.configure(
                        sync_conn, opts={"compare_type": True, "include_name": not_a_partition}
                    ),
                    Base.metadata,
                )
            )
    finally:
        await engine.dispose()
    assert diff == []


async def test_vector_extension_is_installed(database_url):
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(
                text("SELECT extname FROM pg_extension WHERE extname = 'vector'")
            )
    finally:
        await engine.dispose()


async def test_every_check_constraint_of_the_models_is_in_the_database(database_url):
    """Autogenerate does not compare CHECK constraints: a new enum value (an alert type)
    once reached a model's check but not the migrated table's, and the first write of it
    failed as INTERNAL. Each named check of the models is in the database, naming the same
    values (its quoted literals: an enum's members)."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                    "JOIN pg_class t ON t.oid = c.conrelid "
                    "WHERE c.contype = 'c' AND NOT t.relispartition"
                )
            )
            in_database = {name: definition for name, definition in rows}
    finally:
        await engine.dispose()
    literals = re.compile(r"'((?:[^']|'')*)'")
    wrong = []
    for table in Base.metadata.sorted_tables:
        for constraint in table.constraints:
            if not isinstance(constraint, CheckConstraint) or not constraint.name:
                continue
            name = str(constraint.name)
            if name not in in_database:
                wrong.append(f"{table.name}: {name} was never migrated")
                continue
            want = set(literals.findall(str(constraint.sqltext)))
            if set(literals.findall(in_database[name])) != want:
                wrong.append(f"{name}: {in_database[name]}")
    assert not wrong, "\n".join(wrong)
