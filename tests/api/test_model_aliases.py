"""Model aliases (issue 12, release governance): movable names for versions with their full
history (who, when, from, to), time travel to any past instant, and protection (only
organization admins move, protect or unprotect a protected alias)."""

from __future__ import annotations

from tests.helpers import (
    assert_error,
    assert_ok,
    create_model,
    create_project,
    create_version,
)
from tests.support.model_aliases import ALIASES, set_alias
from tests.support.tenancy import INVITE, ROLE_UPDATE, my_membership_id


async def test_an_alias_moves_keeps_its_history_and_answers_for_the_past(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    v1 = (await create_version(client, model, "1.0.0"))["id"]
    v2 = (await create_version(client, model, "2.0.0"))["id"]
    first = assert_ok(await set_alias(client, model, v1))["modelAlias"]
    assert (first["name"], first["modelVersion"], first["protected"]) == (
        "champion", {"version": "1.0.0"}, False)  # fmt: skip
    between = (await client.data(ALIASES, {"id": model}))["node"]["aliases"]["nodes"][0]
    moved_at_first = between["history"]["nodes"][0]["createdAt"]
    assert_ok(await set_alias(client, model, v2))
    assert_ok(await set_alias(client, model, v2))  # no move: no history entry

    variables = {"id": model, "at": moved_at_first}
    data = (await client.data(ALIASES, variables))["node"]
    history = data["aliases"]["nodes"][0]["history"]["nodes"]
    assert [(h["fromVersion"], h["toVersion"]) for h in history] == [
        ({"version": "1.0.0"}, {"version": "2.0.0"}), (None, {"version": "1.0.0"})]  # fmt: skip
    assert {h["actor"]["email"] for h in history} == {tenant.email}
    assert data["champion"] == {"version": "1.0.0"}  # as it was at the first move
    assert data["now"] == {"version": "2.0.0"} and data["missing"] is None
    before = await client.data(ALIASES, {"id": model, "at": "2000-01-01T00:00:00Z"})
    assert before["node"]["champion"] is None  # it did not exist yet

    # Declared fields of aliases read on the compiled path, with the same bytes.
    plain = """query($id: ID!) { node(id: $id) { ... on Model { aliases { nodes { name
      modelVersion { version } history { nodes { toVersion { version } } } } } } } }"""
    compiled = await client.post(plain, {"id": model})
    reference = await client.on_resolvers().post(plain, {"id": model})
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    assert compiled.content == reference.content


async def test_aliases_point_only_at_versions_of_their_model_and_are_slugs(tenant, make_tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    other_model = (await create_model(client, project))["id"]
    foreign_version = (await create_version(client, other_model, "9.0.0"))["id"]
    assert_error(await set_alias(client, model, foreign_version), "NOT_FOUND",
                 ["input", "modelVersionId"])  # fmt: skip
    v1 = (await create_version(client, model, "1.0.0"))["id"]
    assert_error(await set_alias(client, model, v1, name="Not A Slug"), "VALIDATION",
                 ["input", "name"])  # fmt: skip
    outsider = await make_tenant("alias-outsider")
    assert_error(await set_alias(outsider.client, model, v1), "NOT_FOUND", ["input", "modelId"])


async def test_only_admins_move_or_change_a_protected_alias(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    v1 = (await create_version(client, model, "1.0.0"))["id"]
    v2 = (await create_version(client, model, "2.0.0"))["id"]
    made = assert_ok(await set_alias(client, model, v1, protected=True))["modelAlias"]
    assert made["protected"] is True
    assert_ok(await set_alias(client, model, v1, name="challenger"))  # unprotected

    # The caller steps down to developer (another admin takes over).
    assert_ok(await client.mutate(INVITE, {"organizationId": tenant.org_id,
                                           "email": "alias-admin@example.com", "role": "ADMIN"}))  # fmt: skip
    own = await my_membership_id(client, tenant.org_slug)
    assert_ok(await client.mutate(ROLE_UPDATE, {"membershipId": own, "role": "DEVELOPER"}))
    assert_error(await set_alias(client, model, v2), "FORBIDDEN")  # protected: admins only
    assert_error(await set_alias(client, model, v1, protected=False), "FORBIDDEN")
    assert_error(await set_alias(client, model, v2, name="challenger", protected=True),
                 "FORBIDDEN")  # fmt: skip
    moved = assert_ok(await set_alias(client, model, v2, name="challenger"))["modelAlias"]
    assert moved["modelVersion"] == {"version": "2.0.0"}
    unchanged = (await client.data(ALIASES, {"id": model}))["node"]["now"]
    assert unchanged == {"version": "1.0.0"}
