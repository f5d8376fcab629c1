"""Connections the database closed (a restart, a failover, an administrator) cost no
answer: the pool pings a connection idle for more than a second before handing it out
(not every connection every time: that round trip was a good part of a small request),
and replaces a dead one. Every kind of request is tried after all the server's backends
were terminated: a mutation (a transaction), a resolver-path read, a compiled read."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from app.db.engine import APPLICATION_NAME, PING_AFTER_IDLE_SECONDS, make_engine
from app.db.statements import APPLICATION_NAME as READS_APPLICATION_NAME
from tests.helpers import assert_ok, create_project

RENAME = """mutation($input: ProjectUpdateInput!) {
  projectUpdate(input: $input) { project { name } userErrors { field code message } } }"""
ON_RESOLVERS = """query($id: ID!) { node(id: $id) { ... on Project {
  name organization { viewerRole } } } }"""  # viewerRole: Python, so the resolvers
COMPILED = """query($id: ID!) { node(id: $id) { ... on Project { name } } }"""


async def terminate_server_backends(database_url: str) -> int:
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            return int(
                await connection.scalar(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND application_name IN (:pool, :reads)"
                    ),
                    {"pool": APPLICATION_NAME, "reads": READS_APPLICATION_NAME},
                )
            )
    finally:
        await engine.dispose()


async def test_requests_after_every_backend_was_terminated_still_answer(tenant, database_url):
    client = tenant.client
    project = await create_project(client, tenant.org_id)
    variables = {"id": project["id"]}
    await client.data(ON_RESOLVERS, variables)
    await client.data(COMPILED, variables)
    assert await terminate_server_backends(database_url) >= 2
    # Longer than the idle threshold: every pooled connection is pinged before its next use
    # (waiting longer can only make that more true, so this does not depend on load).
    await asyncio.sleep(PING_AFTER_IDLE_SECONDS * 1.2)
    for name in ("after", "again"):
        renamed = await client.mutate(RENAME, {"projectId": project["id"], "name": name})
        assert assert_ok(renamed)["project"]["name"] == name
        assert (await client.data(ON_RESOLVERS, variables))["node"]["name"] == name
        assert (await client.data(COMPILED, variables))["node"]["name"] == name
