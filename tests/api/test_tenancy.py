"""Organizations, memberships, roles and API keys through GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from app.db.engine import make_engine
from tests.conftest import GraphQLClient
from tests.helpers import (
    MODEL_CREATE,
    PROJECT_CREATE,
    USER_ERRORS,
    assert_error,
    assert_ok,
    create_project,
)
from tests.support.tenancy import (
    INVITE,
    KEY_CREATE,
    KEY_REVOKE,
    MEMBER_SET,
    ORG_CREATE,
    REMOVE,
    ROLE_UPDATE,
    VIEWER,
    bootstrap_key_for,
    key_for,
    my_membership_id,
)


async def test_organization_create_makes_caller_admin(tenant):
    slug = f"{tenant.org_slug}-new"
    assert_ok(await tenant.client.mutate(ORG_CREATE, {"slug": slug, "name": "New"}))
    data = await tenant.client.data(VIEWER)
    roles = {m["organization"]["slug"]: m["role"] for m in data["viewer"]["memberships"]["nodes"]}
    assert roles[slug] == "ADMIN"
    taken = await tenant.client.mutate(ORG_CREATE, {"slug": slug, "name": "Again"})
    assert_error(taken, "CONFLICT", ["input", "slug"])


async def test_last_admin_cannot_leave_or_be_demoted(tenant, http):
    own = await my_membership_id(tenant.client, tenant.org_slug)
    assert_error(await tenant.client.mutate(REMOVE, {"membershipId": own}), "CONFLICT")
    demote = await tenant.client.mutate(ROLE_UPDATE, {"membershipId": own, "role": "VIEWER"})
    assert_error(demote, "CONFLICT", ["input", "role"])
    # With a second admin, the first may step down.
    second = assert_ok(
        await tenant.client.mutate(
            INVITE,
            {"organizationId": tenant.org_id, "email": "Second@Example.com", "role": "ADMIN"},
        )
    )["membership"]
    assert second["user"]["email"] == "second@example.com"
    assert_ok(await tenant.client.mutate(ROLE_UPDATE, {"membershipId": own, "role": "DEVELOPER"}))
    # Now a developer: cannot manage members any more.
    forbidden = await tenant.client.mutate(REMOVE, {"membershipId": second["id"]})
    assert_error(forbidden, "FORBIDDEN")


async def test_invite_validation_and_duplicates(tenant):
    bad = await tenant.client.mutate(
        INVITE, {"organizationId": tenant.org_id, "email": "not-an-email", "role": "VIEWER"}
    )
    assert_error(bad, "VALIDATION", ["input", "email"])
    ok = {"organizationId": tenant.org_id, "email": "dup@example.com", "role": "VIEWER"}
    assert_ok(await tenant.client.mutate(INVITE, ok))
    assert_error(await tenant.client.mutate(INVITE, ok), "CONFLICT", ["input", "email"])


async def test_starter_plan_member_quota(tenant):
    org = assert_ok(
        await tenant.client.mutate(ORG_CREATE, {"slug": f"{tenant.org_slug}-q", "name": "Q"})
    )["organization"]
    for i in range(4):  # the creator is the first of five members
        invite = {"organizationId": org["id"], "email": f"m{i}@example.com", "role": "VIEWER"}
        assert_ok(await tenant.client.mutate(INVITE, invite))
    sixth = await tenant.client.mutate(
        INVITE, {"organizationId": org["id"], "email": "m9@example.com", "role": "VIEWER"}
    )
    assert_error(sixth, "QUOTA_EXCEEDED")


async def test_viewer_and_read_only_keys_cannot_mutate(tenant, http, database_url):
    # A viewer of the organization, acting through its own key.
    invite = {
        "organizationId": tenant.org_id,
        "email": f"v-{tenant.org_slug}@example.com",
        "role": "VIEWER",
    }
    assert_ok(await tenant.client.mutate(INVITE, invite))
    viewer = await bootstrap_key_for(database_url, http, invite["email"])
    project = await create_project(tenant.client, tenant.org_id)
    denied = await viewer.mutate(
        MODEL_CREATE,
        {"projectId": project["id"], "name": "m", "modelType": "NLP", "framework": "ONNX"},
    )
    assert_error(denied, "FORBIDDEN")
    denied = await viewer.mutate(
        PROJECT_CREATE, {"organizationId": tenant.org_id, "slug": "vv", "name": "V"}
    )
    assert_error(denied, "FORBIDDEN")
    # But a viewer reads.
    data = await viewer.data("query($id: ID!) { node(id: $id) { id } }", {"id": project["id"]})
    assert data["node"]["id"] == project["id"]

    read_only = await key_for(tenant.client, http, scopes=["READ"])
    denied = await read_only.mutate(
        PROJECT_CREATE, {"organizationId": tenant.org_id, "slug": "ro", "name": "R"}
    )
    assert_error(denied, "FORBIDDEN")


async def test_project_contributor_can_write_in_that_project_only(tenant, http, database_url):
    email = f"c-{tenant.org_slug}@example.com"
    assert_ok(
        await tenant.client.mutate(
            INVITE, {"organizationId": tenant.org_id, "email": email, "role": "DEVELOPER"}
        )
    )
    developer = await bootstrap_key_for(database_url, http, email)
    own = await create_project(developer, tenant.org_id)  # developers create projects...
    admin_project = await create_project(tenant.client, tenant.org_id)
    # ...and, as org developers, contribute models anywhere in the org.
    model = {"name": "m", "modelType": "NLP", "framework": "ONNX"}
    assert_ok(await developer.mutate(MODEL_CREATE, {"projectId": admin_project["id"], **model}))
    # Only project owners update a project.
    update = f"""mutation($input: ProjectUpdateInput!) {{
      projectUpdate(input: $input) {{ project {{ id }} {USER_ERRORS} }} }}"""
    assert_error(
        await developer.mutate(update, {"projectId": admin_project["id"], "name": "x"}), "FORBIDDEN"
    )
    assert_ok(await developer.mutate(update, {"projectId": own["id"], "name": "mine"}))


async def test_api_key_secret_shown_once_and_only_hash_stored(tenant, http, database_url):
    payload = assert_ok(await tenant.client.mutate(KEY_CREATE, {"name": "ci"}))
    secret = payload["secret"]
    assert secret.startswith(payload["apiKey"]["prefix"])
    assert payload["apiKey"]["scopes"] == ["READ", "WRITE"]
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT * FROM api_keys"))).all()
            audit = (
                (await conn.execute(text("SELECT details::text FROM audit_logs"))).scalars().all()
            )
    finally:
        await engine.dispose()
    assert rows and not any(secret in str(tuple(row)) for row in rows)
    assert not any(secret in details for details in audit)
    # The new key works.
    data = await GraphQLClient(http, secret).data(VIEWER)
    assert data["viewer"]["user"]["email"] == tenant.email


async def test_revoked_expired_and_unknown_keys_are_refused(tenant, http):
    payload = assert_ok(await tenant.client.mutate(KEY_CREATE, {"name": "temp"}))
    client = GraphQLClient(http, payload["secret"])
    assert (await client.post(VIEWER)).status_code == 200
    assert_ok(await tenant.client.mutate(KEY_REVOKE, {"apiKeyId": payload["apiKey"]["id"]}))
    refused = await client.post(VIEWER)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "revoked" in refused.json()["errors"][0]["message"]

    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    expired = await tenant.client.mutate(KEY_CREATE, {"name": "old", "expiresAt": past})
    assert_error(expired, "VALIDATION", ["input", "expiresAt"])

    for header in ["Bearer mlg_00000000_nope", "Bearer garbage", "Basic abc"]:
        response = await http.post(
            "/graphql", json={"query": VIEWER}, headers={"Authorization": header}
        )
        assert response.status_code == 401, header


async def test_key_restricted_to_one_organization(tenant, http):
    other = assert_ok(
        await tenant.client.mutate(ORG_CREATE, {"slug": f"{tenant.org_slug}-o", "name": "O"})
    )["organization"]
    narrow = await key_for(tenant.client, http, organizationId=tenant.org_id)
    data = await narrow.data(VIEWER)
    assert [m["organization"]["slug"] for m in data["viewer"]["memberships"]["nodes"]] == [
        tenant.org_slug
    ]
    hidden = await narrow.data("query($id: ID!) { node(id: $id) { id } }", {"id": other["id"]})
    assert hidden["node"] is None


async def test_anonymous_callers_read_nothing_and_cannot_mutate(anonymous, tenant):
    data = await anonymous.data(
        "query($slug: String!) { viewer { user { email } } organization(slug: $slug) { id } }",
        {"slug": tenant.org_slug},
    )
    assert data == {"viewer": None, "organization": None}
    payload = await anonymous.mutate(ORG_CREATE, {"slug": "anon-org", "name": "A"})
    assert_error(payload, "UNAUTHENTICATED")


async def test_every_mutation_is_audited(tenant):
    project = await create_project(tenant.client, tenant.org_id)
    await tenant.client.mutate(
        PROJECT_CREATE, {"organizationId": tenant.org_id, "slug": "BAD", "name": "x"}
    )  # a failed mutation writes nothing, not even an audit row
    data = await tenant.client.data(
        """query($slug: String!) { organization(slug: $slug) { auditLogs(first: 10) {
             nodes { action targetType targetId actor { email } } } } }""",
        {"slug": tenant.org_slug},
    )
    entries = data["organization"]["auditLogs"]["nodes"]
    assert entries[0] == {
        "action": "project.create",
        "targetType": "Project",
        "targetId": project["id"],
        "actor": {"email": tenant.email},
    }
    assert [e["action"] for e in entries].count("project.create") == 1


async def test_audit_log_is_append_only(database_url):
    import pytest
    from sqlalchemy.exc import DBAPIError

    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as conn:  # row triggers need a row to fire on
            await conn.execute(
                text(
                    "INSERT INTO audit_logs (id, action, target_type, details) "
                    "VALUES (gen_random_uuid(), 'test', 'Test', '{}')"
                )
            )
        for statement in ("UPDATE audit_logs SET action = 'x'", "DELETE FROM audit_logs"):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def test_project_roles_lift_an_org_viewer_in_one_project(tenant, http, database_url):
    email = f"pv-{tenant.org_slug}@example.com"
    invite = {"organizationId": tenant.org_id, "email": email, "role": "VIEWER"}
    assert_ok(await tenant.client.mutate(INVITE, invite))
    viewer = await bootstrap_key_for(database_url, http, email)
    project = await create_project(tenant.client, tenant.org_id)
    other = await create_project(tenant.client, tenant.org_id)
    model = {"name": "m", "modelType": "NLP", "framework": "ONNX"}
    denied = await viewer.mutate(MODEL_CREATE, {"projectId": project["id"], **model})
    assert_error(denied, "FORBIDDEN")

    granted = assert_ok(
        await tenant.client.mutate(
            MEMBER_SET, {"projectId": project["id"], "email": email, "role": "CONTRIBUTOR"}
        )
    )
    assert granted["projectMember"] == {"role": "CONTRIBUTOR", "user": {"email": email}}
    assert_ok(await viewer.mutate(MODEL_CREATE, {"projectId": project["id"], **model}))
    # Only in that project; and a contributor cannot hand out roles.
    assert_error(
        await viewer.mutate(MODEL_CREATE, {"projectId": other["id"], **model}), "FORBIDDEN"
    )
    self_promote = await viewer.mutate(
        MEMBER_SET, {"projectId": project["id"], "email": email, "role": "OWNER"}
    )
    assert_error(self_promote, "FORBIDDEN")
    # Removing the role takes the right away again.
    assert_ok(
        await tenant.client.mutate(
            MEMBER_SET, {"projectId": project["id"], "email": email, "role": None}
        )
    )
    again = await viewer.mutate(MODEL_CREATE, {"projectId": project["id"], **model, "name": "n"})
    assert_error(again, "FORBIDDEN")
    stranger = await tenant.client.mutate(
        MEMBER_SET, {"projectId": project["id"], "email": "nobody@example.com", "role": "VIEWER"}
    )
    assert_error(stranger, "NOT_FOUND", ["input", "email"])


async def test_a_key_only_mints_keys_no_wider_than_itself(tenant, http):
    """A key limited to one organization, a READ key and an expiring key cannot create a
    key that reaches further (other organizations, WRITE, no or later expiry)."""
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    org_limited = await key_for(tenant.client, http, organizationId=tenant.org_id)
    denied = await org_limited.mutate(KEY_CREATE, {"name": "wider"})
    assert_error(denied, "FORBIDDEN", ["input", "organizationId"])
    assert_ok(
        await org_limited.mutate(KEY_CREATE, {"name": "same", "organizationId": tenant.org_id})
    )

    expiring = await key_for(tenant.client, http, expiresAt=soon)
    assert_error(
        await expiring.mutate(KEY_CREATE, {"name": "forever"}), "FORBIDDEN", ["input", "expiresAt"]
    )
    assert_error(
        await expiring.mutate(KEY_CREATE, {"name": "later", "expiresAt": later}),
        "FORBIDDEN",
        ["input", "expiresAt"],
    )
    assert_ok(await expiring.mutate(KEY_CREATE, {"name": "sooner", "expiresAt": soon}))

    write_only = await key_for(tenant.client, http, scopes=["WRITE"])
    # A key without READ selects no more of a payload than ids (and the new secret).
    ids_only = """mutation($input: ApiKeyCreateInput!) { apiKeyCreate(input: $input) {
      apiKey { id } secret userErrors { field code message } } }"""
    denied = await write_only.mutate(ids_only, {"name": "rw", "scopes": ["READ", "WRITE"]})
    assert_error(denied, "FORBIDDEN", ["input", "scopes"])


async def test_a_read_key_cannot_leave_the_organization(tenant, http, database_url):
    email = f"leaver-{tenant.org_slug}@example.com"
    invite = {"organizationId": tenant.org_id, "email": email, "role": "DEVELOPER"}
    membership = assert_ok(await tenant.client.mutate(INVITE, invite))["membership"]
    member = await bootstrap_key_for(database_url, http, email)
    read_only = await key_for(member, http, scopes=["READ"])
    denied = await read_only.mutate(REMOVE, {"membershipId": membership["id"]})
    assert_error(denied, "FORBIDDEN")
    assert_ok(await member.mutate(REMOVE, {"membershipId": membership["id"]}))  # WRITE may


async def test_a_removed_membership_stays_as_history_and_the_user_can_come_back(
    tenant, http, database_url
):
    email = f"back-{tenant.org_slug}@example.com"
    invite = {"organizationId": tenant.org_id, "email": email, "role": "DEVELOPER"}
    first = assert_ok(await tenant.client.mutate(INVITE, invite))["membership"]
    member = await bootstrap_key_for(database_url, http, email)
    project = await create_project(tenant.client, tenant.org_id)
    assert_ok(await tenant.client.mutate(
        MEMBER_SET, {"projectId": project["id"], "email": email, "role": "OWNER"}))  # fmt: skip
    user_id = (await member.data("{ viewer { user { id } } }"))["viewer"]["user"]["id"]
    assert_ok(await tenant.client.mutate(REMOVE, {"membershipId": first["id"]}))

    # Gone from every read path, for both sides; no project role survives the removal.
    members = """query($id: ID!) { node(id: $id) { ... on Organization {
        members(first: 50) { totalCount nodes { user { email } } } } } }"""
    listed = (await tenant.client.data(members, {"id": tenant.org_id}))["node"]["members"]
    assert email not in [m["user"]["email"] for m in listed["nodes"]]
    assert listed["totalCount"] == len(listed["nodes"])
    for client, node_id in ((tenant.client, first["id"]), (tenant.client, user_id),
                            (member, tenant.org_id), (member, project["id"])):  # fmt: skip
        assert (await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": node_id}))[
            "node"] is None  # fmt: skip
    assert (await member.data(VIEWER))["viewer"]["memberships"]["nodes"] == []
    assert_error(await tenant.client.mutate(REMOVE, {"membershipId": first["id"]}), "NOT_FOUND")

    # Invited again: a new membership, the organization role only.
    second = assert_ok(await tenant.client.mutate(INVITE, {**invite, "role": "VIEWER"}))
    assert second["membership"]["id"] != first["id"]
    model = {"projectId": project["id"], "name": "m", "modelType": "NLP", "framework": "ONNX"}
    assert_error(await member.mutate(MODEL_CREATE, model), "FORBIDDEN")
    assert_error(await tenant.client.mutate(INVITE, invite), "CONFLICT", ["input", "email"])

    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(text(
                "SELECT role, deleted_at IS NOT NULL FROM memberships m JOIN users u "
                "ON u.id = m.user_id WHERE u.email = :e ORDER BY m.created_at"), {"e": email}
            )).all()  # fmt: skip
    finally:
        await engine.dispose()
    assert [tuple(row) for row in rows] == [("developer", True), ("viewer", False)]
