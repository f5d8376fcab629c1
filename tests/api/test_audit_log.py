"""The audit log (issue 13): every entry keeps the client's address (through trusted
proxies only) and user agent, and admins filter it by actor, action, target and time."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import GraphQLClient, server_process
from tests.helpers import assert_ok, build_graph, create_project
from tests.support.tenancy import INVITE

LOG = """query($slug: String!, $filter: AuditLogFilterInput) { organization(slug: $slug) {
  auditLogs(filter: $filter, first: 100) { totalCount
    nodes { action targetType targetId ipAddress userAgent actor { email } } } } }"""


async def entries(client: GraphQLClient, slug: str, **filter: Any) -> list[dict[str, Any]]:
    data = await client.data(LOG, {"slug": slug, "filter": filter or None})
    return data["organization"]["auditLogs"]["nodes"]


async def test_entries_keep_the_client_and_ignore_what_an_untrusted_peer_forwards(tenant, http):
    headers = {"User-Agent": "fraud-trainer/2.1", "X-Forwarded-For": "6.6.6.6"}
    client = GraphQLClient(http, tenant.key, headers)
    project = await create_project(client, tenant.org_id)
    [entry] = await entries(client, tenant.org_slug, targetId=project["id"])
    assert (entry["action"], entry["ipAddress"], entry["userAgent"]) == (
        "project.create", "127.0.0.1", "fraud-trainer/2.1")  # fmt: skip


async def test_behind_a_trusted_proxy_the_forwarded_client_is_recorded(tenant, database_url):
    async with server_process(database_url, MLGRAPH_TRUSTED_PROXIES="127.0.0.0/8"
                              ) as behind:  # fmt: skip
        async with httpx.AsyncClient(base_url=behind.base_url) as raw:
            proxied = GraphQLClient(
                raw, tenant.key, {"X-Forwarded-For": "6.6.6.6, 198.51.100.23", "User-Agent": "t"}
            )
            project = await create_project(proxied, tenant.org_id)
            [entry] = await entries(proxied, tenant.org_slug, targetId=project["id"])
    assert entry["ipAddress"] == "198.51.100.23"  # not what the client claimed (6.6.6.6)


async def test_admins_filter_by_actor_action_target_and_time(tenant, make_tenant):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    assert_ok(await client.mutate(INVITE, {"organizationId": tenant.org_id,
                                           "email": "auditee@example.com", "role": "VIEWER"}))  # fmt: skip
    deployments = await entries(client, tenant.org_slug, action=["deployment.*"])
    assert {e["action"] for e in deployments} == {"deployment.create"}
    exact = await entries(client, tenant.org_slug, action=["project.create", "model.create"])
    assert sorted(e["action"] for e in exact) == ["model.create", "project.create"]
    about = await entries(client, tenant.org_slug, targetId=ids["model"])
    assert [e["action"] for e in about] == ["model.create"]
    by_type = await entries(client, tenant.org_slug, targetType="Environment")
    assert {e["action"] for e in by_type} == {"environment.create"}
    me = (await client.data("{ viewer { user { id } } }"))["viewer"]["user"]["id"]
    mine = await entries(client, tenant.org_slug, actorId=[me])
    assert mine and {e["actor"]["email"] for e in mine} == {tenant.email}
    assert await entries(client, tenant.org_slug, actorId=[ids["model"]]) == []  # not a user
    later = await entries(client, tenant.org_slug, createdFrom="2100-01-01T00:00:00Z")
    assert later == []
    wrong = await client.execute(
        LOG, {"slug": tenant.org_slug, "filter": {"createdFrom": "2026-02-01T00:00:00Z",
                                                  "createdTo": "2026-01-01T00:00:00Z"}},
    )  # fmt: skip
    assert wrong["errors"]
    # Another organization's admin filters to our objects and sees nothing.
    other = await make_tenant("auditx")
    assert await entries(other.client, other.org_slug, targetId=ids["model"]) == []
