"""A server remembers who a key is for a while (app/server/auth_cache.py); a mutation that
takes access away must make the process that ran it forget at once, on its own. Other
processes forget when the NOTIFY arrives (tests/security/test_access_revocation.py); here
the server hears none (its listener is stopped) and remembers keys for ten minutes, so
only the mutation's own forgetting can close the door, and nothing depends on timing."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from app.settings import Settings
from tests.conftest import TEST_SETTINGS, GraphQLClient, Tenant, serve
from tests.helpers import assert_ok, create_project, unique
from tests.support.organization_admin import DELETE
from tests.support.project_visibility import VISIBILITY
from tests.support.tenancy import (
    INVITE,
    KEY_REVOKE,
    MEMBER_SET,
    REMOVE,
    ROLE_UPDATE,
    bootstrap_key_for,
)

NODE = "query($id: ID!) { node(id: $id) { id } }"


@dataclasses.dataclass
class Deaf:
    """Clients of a server that hears no NOTIFY: the admin's, and one member's."""

    admin: GraphQLClient
    member: GraphQLClient
    member_email: str
    tenant: Tenant
    project: str


@pytest.fixture
async def deaf_server(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=database_url, **{**TEST_SETTINGS, "auth_cache_seconds": 600})  # type: ignore[arg-type]
    async with serve(settings) as running:
        await running.app.state.listener.stop()  # deaf from here on
        async with httpx.AsyncClient(base_url=running.base_url, timeout=60) as http:
            yield http


async def member_of(tenant: Tenant, deaf_http: httpx.AsyncClient, database_url: str, role: str):  # type: ignore[no-untyped-def]
    email = f"{unique('member')}@example.com"
    invite = {"organizationId": tenant.org_id, "email": email, "role": role}
    assert_ok(await tenant.client.mutate(INVITE, invite))
    return await bootstrap_key_for(database_url, deaf_http, email), email


async def reads(client: GraphQLClient, node_id: str) -> bool:
    """Whether the client reads the node (by id, on both read paths: they must agree)."""
    found = []
    for reader in (client, client.on_resolvers()):
        response = await reader.post(NODE, {"id": node_id})
        if response.status_code == 401:
            found.append(False)
            continue
        found.append(response.json()["data"]["node"] is not None)
    assert found[0] == found[1], found
    return found[0]


async def remove_project_role(deaf: Deaf) -> None:
    grant = {"projectId": deaf.project, "email": deaf.member_email, "role": None}
    assert_ok(await deaf.admin.mutate(MEMBER_SET, grant))


async def lower_org_role(deaf: Deaf) -> None:
    membership = await membership_of(deaf)
    assert_ok(await deaf.admin.mutate(ROLE_UPDATE, {"membershipId": membership, "role": "VIEWER"}))


async def remove_member(deaf: Deaf) -> None:
    assert_ok(await deaf.admin.mutate(REMOVE, {"membershipId": await membership_of(deaf)}))


async def make_project_private(deaf: Deaf) -> None:
    payload = await deaf.admin.mutate(
        VISIBILITY, {"projectId": deaf.project, "visibility": "PRIVATE"}
    )
    assert assert_ok(payload)["project"]["visibility"] == "PRIVATE"


async def revoke_member_key(deaf: Deaf) -> None:
    keys = await deaf.member.data("{ viewer { apiKeys(revoked: false) { nodes { id } } } }")
    for key in keys["viewer"]["apiKeys"]["nodes"]:
        assert_ok(await deaf.member.mutate(KEY_REVOKE, {"apiKeyId": key["id"]}))


async def delete_organization(deaf: Deaf) -> None:
    confirm = {"organizationId": deaf.tenant.org_id, "confirmSlug": deaf.tenant.org_slug}
    assert_ok(await deaf.admin.mutate(DELETE, confirm))


async def membership_of(deaf: Deaf) -> str:
    members = await deaf.admin.data(
        """query($slug: String!) { organization(slug: $slug) {
             members(first: 100) { nodes { id user { email } } } } }""",
        {"slug": deaf.tenant.org_slug},
    )
    [found] = [
        m["id"]
        for m in members["organization"]["members"]["nodes"]
        if m["user"]["email"] == deaf.member_email
    ]
    return found


# (what takes access away, the member's organization role, whether the project starts
# private, whether the member holds a project role in it)
TAKEN_AWAY: dict[str, tuple[Callable[[Deaf], Awaitable[None]], str, bool, bool]] = {
    "project role removed": (remove_project_role, "VIEWER", True, True),
    "project made private": (make_project_private, "VIEWER", False, False),
    "organization role lowered": (lower_org_role, "ADMIN", True, False),
    "member removed": (remove_member, "DEVELOPER", False, False),
    "own key revoked": (revoke_member_key, "DEVELOPER", False, False),
    "organization deleted": (delete_organization, "DEVELOPER", False, False),
}


@pytest.mark.parametrize("change", list(TAKEN_AWAY))
async def test_the_process_that_takes_access_away_forgets_it_at_once(
    change: str, make_tenant: Any, deaf_server: httpx.AsyncClient, database_url: str
) -> None:
    take_away, org_role, private, project_role = TAKEN_AWAY[change]
    tenant = await make_tenant("deaf")
    admin = GraphQLClient(deaf_server, tenant.key)
    project = (await create_project(admin, tenant.org_id))["id"]
    member, email = await member_of(tenant, deaf_server, database_url, org_role)
    deaf = Deaf(admin, member, email, tenant, project)
    if private:
        await make_project_private(deaf)
    if project_role:
        grant = {"projectId": project, "email": email, "role": "VIEWER"}
        assert_ok(await admin.mutate(MEMBER_SET, grant))
    assert await reads(member, project)  # and the server now remembers the member's access

    await take_away(deaf)
    assert not await reads(member, project)
