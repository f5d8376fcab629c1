"""Shared by the tests of api/tenancy and others (from tests/api/test_tenancy.py)."""

from __future__ import annotations

from app.db.engine import make_engine
from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
    assert_ok,
)

INVITE = f"""
mutation($input: MembershipInviteInput!) {{
  membershipInvite(input: $input) {{ membership {{ id role user {{ email }} }} {USER_ERRORS} }}
}}"""


ROLE_UPDATE = f"""
mutation($input: MembershipRoleUpdateInput!) {{
  membershipRoleUpdate(input: $input) {{ membership {{ id role }} {USER_ERRORS} }}
}}"""


REMOVE = f"""
mutation($input: MembershipRemoveInput!) {{
  membershipRemove(input: $input) {{ membership {{ id }} {USER_ERRORS} }}
}}"""


KEY_CREATE = f"""
mutation($input: ApiKeyCreateInput!) {{
  apiKeyCreate(input: $input) {{
    apiKey {{ id name prefix scopes expiresAt }} secret {USER_ERRORS}
  }}
}}"""


KEY_REVOKE = f"""
mutation($input: ApiKeyRevokeInput!) {{
  apiKeyRevoke(input: $input) {{ apiKey {{ id revokedAt }} {USER_ERRORS} }}
}}"""


VIEWER = """{ viewer { user { email } memberships { nodes { id role organization { slug } } } } }"""


ORG_CREATE = f"""
mutation($input: OrganizationCreateInput!) {{
  organizationCreate(input: $input) {{ organization {{ id slug }} {USER_ERRORS} }}
}}"""


async def my_membership_id(client: GraphQLClient, org_slug: str) -> str:
    data = await client.data(VIEWER)
    return next(
        m["id"]
        for m in data["viewer"]["memberships"]["nodes"]
        if m["organization"]["slug"] == org_slug
    )


async def key_for(client: GraphQLClient, http, **input) -> GraphQLClient:  # type: ignore[no-untyped-def]
    payload = assert_ok(await client.mutate(KEY_CREATE, {"name": "k", **input}))
    return GraphQLClient(http, payload["secret"])


async def bootstrap_key_for(database_url: str, http, email: str) -> GraphQLClient:  # type: ignore[no-untyped-def]
    """A key for an existing user, issued the way an operator would (create-key's service)."""
    return GraphQLClient(http, await issue_secret(database_url, email))


async def issue_secret(database_url: str, email: str) -> str:
    """A read-write key's secret for an existing user (create-key's service)."""
    from sqlalchemy import select

    from app.db.engine import make_session_factory
    from app.domain.tenancy.enums import ApiKeyScope
    from app.domain.tenancy.models import User
    from app.domain.tenancy.services import issue_key

    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            user = await session.scalar(select(User).where(User.email == email))
            created = await issue_key(
                session,
                None,
                user_id=user.id,
                name="t",
                organization_id=None,
                scopes=[ApiKeyScope.READ, ApiKeyScope.WRITE],
            )
    finally:
        await engine.dispose()
    return created.secret


MEMBER_SET = f"""
mutation($input: ProjectMemberSetInput!) {{
  projectMemberSet(input: $input) {{ projectMember {{ role user {{ email }} }} {USER_ERRORS} }}
}}"""
