"""The database itself keeps each tenant's rows to that tenant: statements run as the
server's role with no tenancy predicate at all see the caller's rows and no others —
nothing of another organization, nothing under a private project hidden from the
caller, and nothing whatever on a connection whose caller was never set."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from app.api.ids import decode_any
from app.db.base import Base
from app.db.engine import make_engine
from app.db.scope import NOBODY, SYSTEM, DbScope, caller_scope, scoped
from app.domain.tenancy.row_security import POLICY, policies
from tests.support.compiled_reads import seed_varied

APP_ROLE_TABLES = {policy.table for policy in policies()}


def row_keys(table_name: str) -> str:
    table = Base.metadata.tables[table_name]
    return "(" + ", ".join(f"{table_name}.{c.name}::text" for c in table.primary_key.columns) + ")"


async def rows(engine: Any, sql: str) -> set[str]:
    async with engine.connect() as connection:
        return {str(row[0]) for row in await connection.execute(text(sql))}


async def test_the_databases_policies_are_the_declarations(database_url: str) -> None:
    """Every tenant-owned table has row security on and the policy its declaration makes
    now (compared as PostgreSQL prints both), so a new table or a changed ``__under__``
    without a migration fails here."""
    owner = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        tenant_tables = {
            name
            for name, table in Base.metadata.tables.items()
            if "organization_id" in table.c or name == "organizations"
        }
        assert tenant_tables <= APP_ROLE_TABLES
        async with owner.connect() as connection:
            for policy in policies():
                enabled = await connection.scalar(
                    text("SELECT relrowsecurity FROM pg_class WHERE relname = :t"),
                    {"t": policy.table},
                )
                assert enabled, policy.table
                await connection.execute(
                    text(
                        f"CREATE POLICY expected ON {policy.table} TO mlgraph_app "
                        f"USING ({policy.using}) WITH CHECK ({policy.check})"
                    )
                )
                printed = (
                    await connection.execute(
                        text(
                            "SELECT policyname, roles::text, cmd, qual, with_check "
                            "FROM pg_policies WHERE tablename = :t ORDER BY policyname"
                        ),
                        {"t": policy.table},
                    )
                ).all()
                by_name = {row[0]: row[1:] for row in printed}
                assert set(by_name) == {POLICY, "expected"}, policy.table
                assert by_name[POLICY] == by_name["expected"], policy.table
            await connection.rollback()
    finally:
        await owner.dispose()


async def test_unfiltered_statements_see_only_the_callers_rows(  # type: ignore[no-untyped-def]
    server, database_url, make_tenant
) -> None:
    first, second = await make_tenant("rls"), await make_tenant("rls")
    await seed_varied(database_url, first.org_id, seed=7)
    await seed_varied(database_url, second.org_id, seed=8)
    org = _db_id(first.org_id)
    owner = make_engine(database_url, pool_size=1, max_overflow=0)
    app = make_engine(server.settings.server_database_url, pool_size=1, max_overflow=0)
    try:
        # One of the first organization's projects made private: hidden from a member.
        hidden = uuid.UUID(
            str(
                (
                    await rows(
                        owner,
                        f"SELECT id FROM projects WHERE organization_id = '{org}' "
                        "ORDER BY id LIMIT 1",
                    )
                ).pop()
            )
        )
        async with owner.begin() as connection:
            await connection.execute(
                text("UPDATE projects SET visibility = 'private' WHERE id = :p"), {"p": hidden}
            )
        user = uuid.UUID(
            (
                await rows(
                    owner, f"SELECT user_id FROM memberships WHERE organization_id = '{org}'"
                )
            ).pop()
        )
        member = caller_scope([org], [hidden], user)
        seen_under_hidden = 0
        for table_name in sorted(APP_ROLE_TABLES):
            keys = row_keys(table_name)
            everything = await rows(owner, f"SELECT {keys} FROM {table_name}")
            mine = await _owner_view(owner, table_name, keys, org, hidden, user)
            assert await _as(app, member, f"SELECT {keys} FROM {table_name}") == mine, table_name
            assert await _as(app, NOBODY, f"SELECT {keys} FROM {table_name}") == set(), table_name
            assert await _as(app, SYSTEM, f"SELECT {keys} FROM {table_name}") == everything
            whole_org = await _owner_view(owner, table_name, keys, org, None, user)
            seen_under_hidden += len(whole_org - mine)
        # The data reach what the test claims: rows of other organizations, and rows
        # under the hidden project, existed to be refused.
        assert seen_under_hidden > 10
        assert await rows(owner, f"SELECT 1 FROM runs WHERE organization_id <> '{org}'")
        # Writes are held to the same rows: a forgotten predicate touches nothing foreign.
        with scoped(member):  # the scope is given to a connection at checkout
            async with app.connect() as connection:
                result = await connection.execute(
                    text("UPDATE experiments SET description = description")
                )
                await connection.rollback()
        assert result.rowcount == len(
            await _owner_view(owner, "experiments", "experiments.id", org, hidden, user)
        )
    finally:
        await app.dispose()
        await owner.dispose()


async def _as(engine: Any, scope: DbScope, sql: str) -> set[str]:
    with scoped(scope):
        return await rows(engine, sql)


async def _owner_view(
    owner: Any,
    table_name: str,
    keys: str,
    org: uuid.UUID,
    hidden: uuid.UUID | None,
    user: uuid.UUID,
) -> set[str]:
    """The rows a member of ``org`` with ``hidden`` hidden may see, as the owner reads
    them with the conditions written out by hand (not the policies' text)."""
    if table_name == "organizations":
        where = f"id = '{org}'"
    elif table_name == "api_keys":
        where = f"user_id = '{user}'"
    elif table_name == "audit_logs":
        where = (
            f"organization_id = '{org}' OR (organization_id IS NULL AND actor_user_id = '{user}')"
        )
    else:
        where = f"organization_id = '{org}'"
    if hidden is not None and table_name not in ("organizations", "api_keys", "audit_logs"):
        where = f"({where}) AND NOT ({_under(table_name, table_name, hidden)})"
    return await rows(owner, f"SELECT {keys} FROM {table_name} WHERE {where}")


def _under(table_name: str, alias: str, project: uuid.UUID, depth: int = 0) -> str:
    """Whether the row ``alias`` of ``table_name`` is under ``project``: by its project_id,
    or by the parents its model's ``__under__`` names (followed by foreign key)."""
    from app.db.base import under

    table = Base.metadata.tables[table_name]
    if table_name == "projects":
        return f"{alias}.id = '{project}'"
    paths = []
    if "project_id" in table.c:
        paths.append(f"coalesce({alias}.project_id = '{project}', false)")
    for index, (column, parent) in enumerate(under(table_name)):
        inner_alias = f"p{depth}_{index}"
        inner = _under(parent, inner_alias, project, depth + 1)
        paths.append(
            f"EXISTS (SELECT 1 FROM {parent} {inner_alias} "
            f"WHERE {inner_alias}.id = {alias}.{column} AND ({inner}))"
        )
    return " OR ".join(paths) if paths else "false"


def _db_id(global_id: str) -> uuid.UUID:
    decoded = decode_any(global_id)
    assert decoded is not None
    return decoded[1]
