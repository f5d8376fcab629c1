"""The GPU catalogue of an environment: organization admins manage it, everyone in the
organization reads it. A GPU type's id is case-insensitive, stored lower-case, letters,
digits and dashes; unique per environment; listed by priority (nulls last), then label."""

from __future__ import annotations

import orjson

from tests.conftest import GraphQLClient
from tests.helpers import USER_ERRORS, assert_error, assert_ok, create_environment
from tests.support.gpu_types import FIELDS, create
from tests.support.tenancy import INVITE, ROLE_UPDATE, my_membership_id

UPDATE = f"""mutation($input: GpuTypeUpdateInput!) {{
  gpuTypeUpdate(input: $input) {{ gpuType {{ {FIELDS} }} {USER_ERRORS} }} }}"""
DELETE = f"""mutation($input: GpuTypeDeleteInput!) {{
  gpuTypeDelete(input: $input) {{ gpuType {{ id key }} {USER_ERRORS} }} }}"""
CATALOGUE = """query($id: ID!, $enabled: Boolean, $first: Int, $after: String) {
  node(id: $id) { ... on Environment { gpuTypes(enabled: $enabled, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { key label priority enabled } }
  } } } }"""


async def catalogue(client: GraphQLClient, environment: str, **variables: object) -> dict:  # type: ignore[type-arg]
    return (await client.data(CATALOGUE, {"id": environment, **variables}))["node"]["gpuTypes"]


async def test_a_gpu_type_id_is_canonical_and_unique_per_environment_whatever_its_case(tenant):
    client = tenant.client
    environment = (await create_environment(client, tenant.org_id))["id"]
    made = assert_ok(await create(client, environment, key=" NVIDIA-A100 ", label=" A100 80 GB "))
    gpu = made["gpuType"]
    assert (gpu["key"], gpu["label"], gpu["enabled"], gpu["priority"]) == (
        "nvidia-a100", "A100 80 GB", True, None)  # fmt: skip
    assert gpu["environment"]["id"] == environment
    again = await create(client, environment, key="nvidia-A100", label="again")
    assert_error(again, "CONFLICT", ["input", "key"])
    # Another environment may offer the same type.
    other = (await create_environment(client, tenant.org_id))["id"]
    assert_ok(await create(client, other, key="NVIDIA-a100", label="A100"))

    for key in ("", "   ", "a100_80gb", "-a100", "nvidia a100", "ä100", "x" * 65):
        assert_error(await create(client, environment, key=key, label="L"), "VALIDATION",
                     ["input", "key"])  # fmt: skip
    assert_error(await create(client, environment, key="t4", label="  "), "VALIDATION",
                 ["input", "label"])  # fmt: skip
    for priority in (-1, 1_000_001):
        assert_error(
            await create(client, environment, key="t4", label="T4", priority=priority),
            "VALIDATION",
            ["input", "priority"],
        )


async def test_the_catalogue_lists_by_priority_nulls_last_then_label_on_both_paths(tenant):
    client = tenant.client
    environment = (await create_environment(client, tenant.org_id))["id"]
    made = [("h100", "H100", 1), ("t4", "T4", None), ("a10", "A10", 5), ("l4", "L4", 5),
            ("v100", "V100", None), ("a100", "A100", 0)]  # fmt: skip
    for key, label, priority in made:
        assert_ok(await create(client, environment, key=key, label=label, priority=priority))
    expected = ["a100", "h100", "a10", "l4", "t4", "v100"]
    listed = await catalogue(client, environment)
    assert [e["node"]["key"] for e in listed["edges"]] == expected
    assert listed["totalCount"] == 6

    # Page by page (the keyset holds the stored sort key), and the same bytes on both paths.
    seen: list[str] = []
    after = None
    while True:
        variables = {"id": environment, "first": 4, "after": after}
        compiled = await client.post(CATALOGUE, variables)
        reference = await client.on_resolvers().post(CATALOGUE, variables)
        assert compiled.headers["x-mlgraph-path"] == "compiled"
        assert compiled.content == reference.content
        page = orjson.loads(compiled.content)["data"]["node"]["gpuTypes"]
        seen += [e["node"]["key"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected


async def test_admins_change_and_remove_gpu_types_and_enabled_filters(tenant):
    client = tenant.client
    environment = (await create_environment(client, tenant.org_id))["id"]
    a = assert_ok(await create(client, environment, key="a100", label="A100", priority=1))
    b = assert_ok(await create(client, environment, key="t4", label="T4", priority=2))
    a_id, b_id = a["gpuType"]["id"], b["gpuType"]["id"]

    changed = assert_ok(await client.mutate(UPDATE, {"gpuTypeId": a_id, "priority": None,
                                                     "enabled": False, "label": "A100 40GB"}))  # fmt: skip
    assert (changed["gpuType"]["priority"], changed["gpuType"]["enabled"]) == (None, False)
    assert [e["node"]["key"] for e in (await catalogue(client, environment))["edges"]] == [
        "t4", "a100"]  # fmt: skip
    enabled = await catalogue(client, environment, enabled=True)
    assert [e["node"]["key"] for e in enabled["edges"]] == ["t4"] and enabled["totalCount"] == 1
    disabled = await catalogue(client, environment, enabled=False)
    assert [e["node"]["label"] for e in disabled["edges"]] == ["A100 40GB"]
    assert_error(await client.mutate(UPDATE, {"gpuTypeId": a_id, "label": ""}), "VALIDATION",
                 ["input", "label"])  # fmt: skip

    removed = assert_ok(await client.mutate(DELETE, {"gpuTypeId": b_id}))
    assert removed["gpuType"] == {"id": b_id, "key": "t4"}
    assert (await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": b_id})) == {
        "node": None}  # fmt: skip
    assert_error(
        await client.mutate(DELETE, {"gpuTypeId": b_id}), "NOT_FOUND", ["input", "gpuTypeId"]
    )

    audit = await client.data(
        "query($slug: String!) { organization(slug: $slug) { auditLogs(first: 10) {"
        " nodes { action targetId } } } }",
        {"slug": tenant.org_slug},
    )
    actions = [(n["action"], n["targetId"]) for n in audit["organization"]["auditLogs"]["nodes"]]
    assert ("gpu_type.delete", b_id) in actions and ("gpu_type.update", a_id) in actions


async def test_members_read_the_catalogue_only_admins_manage_it_outsiders_see_nothing(
    tenant, make_tenant
):
    client = tenant.client
    environment = (await create_environment(client, tenant.org_id))["id"]
    gpu = assert_ok(await create(client, environment, key="a100", label="A100"))["gpuType"]["id"]
    outsider = await make_tenant("gpu-outsider")

    # Another organization: not found, whatever it tries.
    assert_error(await create(outsider.client, environment, key="x", label="X"), "NOT_FOUND",
                 ["input", "environmentId"])  # fmt: skip
    assert_error(await outsider.client.mutate(UPDATE, {"gpuTypeId": gpu, "label": "mine"}),
                 "NOT_FOUND", ["input", "gpuTypeId"])  # fmt: skip
    assert_error(await outsider.client.mutate(DELETE, {"gpuTypeId": gpu}), "NOT_FOUND")
    seen = await outsider.client.data("query($id: ID!) { node(id: $id) { id } }", {"id": gpu})
    assert seen == {"node": None}

    # The caller steps down to developer (a second admin takes over): reads, cannot manage.
    assert_ok(await client.mutate(INVITE, {"organizationId": tenant.org_id,
                                           "email": "gpu-admin@example.com", "role": "ADMIN"}))  # fmt: skip
    own = await my_membership_id(client, tenant.org_slug)
    assert_ok(await client.mutate(ROLE_UPDATE, {"membershipId": own, "role": "DEVELOPER"}))
    assert [e["node"]["key"] for e in (await catalogue(client, environment))["edges"]] == ["a100"]
    assert_error(await create(client, environment, key="t4", label="T4"), "FORBIDDEN")
    assert_error(await client.mutate(UPDATE, {"gpuTypeId": gpu, "enabled": False}), "FORBIDDEN")
    assert_error(await client.mutate(DELETE, {"gpuTypeId": gpu}), "FORBIDDEN")
