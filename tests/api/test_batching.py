"""A deep query costs one SQL statement on the compiled path, and one per level on the
resolver path, whatever the fan-out."""

from __future__ import annotations

import pytest

from app.api.ids import decode_id
from app.db.engine import make_engine, make_session_factory
from app.seed.fanout import FanoutShape, seed_fanout

NESTED = """
query($slug: String!) {
  organization(slug: $slug) {
    projects(first: 10) { totalCount nodes {
      slug
      models(first: 10) { nodes {
        name
        productionVersion { version }
        versions(first: 10) { totalCount nodes {
          version
          deployments(first: 10) { nodes {
            name status environment { name }
            monitoringMetrics(first: 10) { nodes { name value recordedAt } }
            alerts(first: 5) { nodes { title severity } }
          } }
        } }
      } }
    } }
  }
}"""


async def seeded_tenant(make_tenant, database_url: str, fanout: int):  # type: ignore[no-untyped-def]
    tenant = await make_tenant(f"fan{fanout}")
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            org_id = decode_id(tenant.org_id, "Organization", ["org"])
            await seed_fanout(session, org_id, FanoutShape(fanout=fanout))
    finally:
        await engine.dispose()
    return tenant


async def statements_for(tenant, count_statements, client=None) -> tuple[int, dict]:  # type: ignore[no-untyped-def,type-arg]
    client = client or tenant.client
    await client.data(NESTED, {"slug": tenant.org_slug})  # warm: key last-used update
    with count_statements() as counter:
        data = await client.data(NESTED, {"slug": tenant.org_slug})
    return len(counter.statements), data


@pytest.mark.parametrize("fanout", [2, 10])
async def test_nested_query_returns_the_whole_tree(
    make_tenant, database_url, count_statements, fanout
):
    tenant = await seeded_tenant(make_tenant, database_url, fanout)
    _, data = await statements_for(tenant, count_statements)
    projects = data["organization"]["projects"]
    assert projects["totalCount"] == fanout
    models = [m for p in projects["nodes"] for m in p["models"]["nodes"]]
    assert len(models) == fanout * fanout
    deployments = [
        d for m in models for v in m["versions"]["nodes"] for d in v["deployments"]["nodes"]
    ]
    assert len(deployments) == fanout * fanout * 2
    assert all(len(d["monitoringMetrics"]["nodes"]) == 3 for d in deployments)
    assert all(d["environment"]["name"] == "production" for d in deployments)


async def test_the_compiled_path_answers_in_one_statement(
    make_tenant, database_url, count_statements
):
    small = await seeded_tenant(make_tenant, database_url, 2)
    large = await seeded_tenant(make_tenant, database_url, 10)
    for tenant in (small, large):
        count, _ = await statements_for(tenant, count_statements)
        assert count == 1  # authentication is cached; the whole tree is one statement
        response = await tenant.client.post(NESTED, {"slug": tenant.org_slug})
        assert response.headers["x-mlgraph-path"] == "compiled"


async def test_statement_count_does_not_grow_with_fan_out(
    make_tenant, database_url, count_statements
):
    small = await seeded_tenant(make_tenant, database_url, 2)
    large = await seeded_tenant(make_tenant, database_url, 10)
    small_count, _ = await statements_for(small, count_statements, small.client.on_resolvers())
    large_count, _ = await statements_for(large, count_statements, large.client.on_resolvers())
    assert small_count == large_count
    # organization + projects page + count + models + production versions + versions page
    # + count + deployments + environments + metrics + alerts (the key is known already:
    # authentication is cached for a few seconds, see test_authentication_is_one_statement)
    assert large_count == 11


async def test_authentication_is_one_statement_then_cached(tenant, http, count_statements):
    from tests.conftest import GraphQLClient
    from tests.helpers import assert_ok
    from tests.support.tenancy import KEY_CREATE

    created = assert_ok(await tenant.client.mutate(KEY_CREATE, {"name": "counted"}))
    client = GraphQLClient(http, created["secret"])
    query = "{ viewer { user { email } } }"

    def auth_statements(counter) -> list[str]:  # type: ignore[no-untyped-def]
        return [s for s in counter.statements if "api_keys" in s]

    with count_statements() as first:
        await client.data(query)
    # One read (key and roles together) and, on first use, the last-used stamp.
    reads = [s for s in auth_statements(first) if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1 and len(auth_statements(first)) <= 2
    with count_statements() as second:
        await client.data(query)
    assert auth_statements(second) == []
