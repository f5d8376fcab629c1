"""Projects, models and versions through GraphQL: validation, uniqueness, quotas, stages."""

from __future__ import annotations

from tests.helpers import (
    MODEL_CREATE,
    PROJECT_CREATE,
    USER_ERRORS,
    VERSION_CREATE,
    assert_error,
    assert_ok,
    create_model,
    create_project,
    create_version,
    transition,
)
from tests.support.registry import MODEL_DELETE, MODEL_UPDATE, PROJECT_DELETE, PROJECT_UPDATE

ORG_CREATE = f"""
mutation($input: OrganizationCreateInput!) {{
  organizationCreate(input: $input) {{ organization {{ id slug plan viewerRole }} {USER_ERRORS} }}
}}"""
PROJECTS = """
query($slug: String!) {
  organization(slug: $slug) { projects(first: 50) { totalCount nodes { slug } } }
}"""


async def test_project_slug_must_be_kebab_case(tenant):
    for bad in ["Fraud", "fraud_detection", "-x", "a"]:
        payload = await tenant.client.mutate(
            PROJECT_CREATE, {"organizationId": tenant.org_id, "slug": bad, "name": "P"}
        )
        assert_error(payload, "VALIDATION", ["input", "slug"])


async def test_project_slug_unique_among_live_projects(tenant):
    project = await create_project(tenant.client, tenant.org_id, slug="fraud-detection")
    again = await tenant.client.mutate(
        PROJECT_CREATE, {"organizationId": tenant.org_id, "slug": "fraud-detection", "name": "P"}
    )
    assert_error(again, "CONFLICT", ["input", "slug"])
    assert_ok(await tenant.client.mutate(PROJECT_DELETE, {"projectId": project["id"]}))
    # The soft-deleted project frees its slug and leaves every listing.
    reborn = await create_project(tenant.client, tenant.org_id, slug="fraud-detection")
    assert reborn["id"] != project["id"]
    listing = await tenant.client.data(PROJECTS, {"slug": tenant.org_slug})
    assert listing["organization"]["projects"]["totalCount"] == 1
    gone = await tenant.client.data(
        "query($id: ID!) { node(id: $id) { id } }", {"id": project["id"]}
    )
    assert gone["node"] is None


async def test_project_update_changes_only_sent_fields(tenant):
    project = await create_project(tenant.client, tenant.org_id)
    payload = assert_ok(
        await tenant.client.mutate(
            PROJECT_UPDATE, {"projectId": project["id"], "description": "Card fraud"}
        )
    )
    assert payload["project"]["slug"] == project["slug"]
    assert payload["project"]["description"] == "Card fraud"
    bad = await tenant.client.mutate(PROJECT_UPDATE, {"projectId": project["id"], "name": None})
    assert_error(bad, "VALIDATION", ["input", "name"])


async def test_starter_plan_allows_two_models(tenant):
    org = assert_ok(
        await tenant.client.mutate(ORG_CREATE, {"slug": f"{tenant.org_slug}-s", "name": "S"})
    )["organization"]
    assert org["plan"] == "STARTER" and org["viewerRole"] == "ADMIN"
    project = await create_project(tenant.client, org["id"])
    await create_model(tenant.client, project["id"])
    second = await create_model(tenant.client, project["id"])
    third = await tenant.client.mutate(
        MODEL_CREATE,
        {"projectId": project["id"], "name": "third", "modelType": "NLP", "framework": "PYTORCH"},
    )
    assert_error(third, "QUOTA_EXCEEDED")
    # Deleting a model frees quota.
    assert_ok(await tenant.client.mutate(MODEL_DELETE, {"modelId": second["id"]}))
    await create_model(tenant.client, project["id"])


async def test_model_name_unique_per_project(tenant):
    project = await create_project(tenant.client, tenant.org_id)
    other = await create_project(tenant.client, tenant.org_id)
    await create_model(tenant.client, project["id"], name="churn")
    again = await tenant.client.mutate(
        MODEL_CREATE,
        {"projectId": project["id"], "name": "churn", "modelType": "NLP", "framework": "ONNX"},
    )
    assert_error(again, "CONFLICT", ["input", "name"])
    await create_model(tenant.client, other["id"], name="churn")  # another project: fine


async def test_model_update_and_validation(tenant):
    project = await create_project(tenant.client, tenant.org_id)
    model = await create_model(tenant.client, project["id"], tags=["a"])
    updated = assert_ok(
        await tenant.client.mutate(
            MODEL_UPDATE,
            {
                "modelId": model["id"],
                "tags": ["b", "c"],
                "framework": "XGBOOST",
                "description": "d",
            },
        )
    )["model"]
    assert updated["tags"] == ["b", "c"] and updated["framework"] == "XGBOOST"
    bad_tags = await tenant.client.mutate(MODEL_UPDATE, {"modelId": model["id"], "tags": ["a b"]})
    assert_error(bad_tags, "VALIDATION", ["input", "tags", "0"])
    bad_meta = await tenant.client.mutate(
        MODEL_CREATE,
        {
            "projectId": project["id"],
            "name": "m",
            "modelType": "NLP",
            "framework": "ONNX",
            "metadata": [1, 2],
        },
    )
    assert_error(bad_meta, "VALIDATION", ["input", "metadata"])


MODELS_FILTERED = """
query($slug: String!, $filter: ModelFilterInput, $order: ModelOrder!) {
  organization(slug: $slug) {
    projects(first: 1) { nodes { models(first: 50, filter: $filter, orderBy: $order) {
      totalCount nodes { name } } } }
  }
}"""


async def test_model_filters_and_ordering(tenant):
    project = await create_project(tenant.client, tenant.org_id)
    await create_model(
        tenant.client,
        project["id"],
        name="fraud-xgb",
        framework="XGBOOST",
        tags=["fraud", "tabular"],
        description="Detects card fraud",
    )
    await create_model(
        tenant.client,
        project["id"],
        name="churn-torch",
        framework="PYTORCH",
        modelType="REGRESSION",
        tags=["churn"],
        description="Customer churn",
    )
    await create_model(
        tenant.client,
        project["id"],
        name="aml-xgb",
        framework="XGBOOST",
        tags=["fraud"],
        description="Money laundering",
    )

    async def names(filter, order="NAME_ASC"):  # type: ignore[no-untyped-def]
        data = await tenant.client.data(
            MODELS_FILTERED, {"slug": tenant.org_slug, "filter": filter, "order": order}
        )
        models = data["organization"]["projects"]["nodes"][0]["models"]
        assert models["totalCount"] == len(models["nodes"])
        return [m["name"] for m in models["nodes"]]

    assert await names(None) == ["aml-xgb", "churn-torch", "fraud-xgb"]
    assert await names(None, "NAME_DESC") == ["fraud-xgb", "churn-torch", "aml-xgb"]
    assert await names(None, "CREATED_ASC") == ["fraud-xgb", "churn-torch", "aml-xgb"]
    assert await names({"framework": ["XGBOOST"]}) == ["aml-xgb", "fraud-xgb"]
    assert await names({"modelType": ["REGRESSION"]}) == ["churn-torch"]
    assert await names({"tags": ["fraud"]}) == ["aml-xgb", "fraud-xgb"]
    assert await names({"tags": ["fraud", "tabular"]}) == ["fraud-xgb"]
    assert await names({"search": "frauds"}) == ["fraud-xgb"]  # stemmed full-text search
    assert await names({"search": "laundering"}) == ["aml-xgb"]
    assert await names({"search": "churn", "framework": ["XGBOOST"]}) == []


async def test_semver_and_unique_versions(tenant):
    project = await create_project(tenant.client, tenant.org_id)
    model = await create_model(tenant.client, project["id"])
    await create_version(tenant.client, model["id"], "1.0.0")
    duplicate = await tenant.client.mutate(
        VERSION_CREATE, {"modelId": model["id"], "version": "1.0.0"}
    )
    assert_error(duplicate, "CONFLICT", ["input", "version"])
    bad = await tenant.client.mutate(VERSION_CREATE, {"modelId": model["id"], "version": "1.0"})
    assert_error(bad, "VALIDATION", ["input", "version"])
    await create_version(tenant.client, model["id"], "1.1.0-rc.1")


PRODUCTION = """
query($id: ID!) { node(id: $id) { ... on Model {
  productionVersion { version stage }
  versions(first: 10, stage: [ARCHIVED]) { nodes { version } }
} } }"""


async def test_promotion_archives_previous_production_version(tenant):
    project = await create_project(tenant.client, tenant.org_id)
    model = await create_model(tenant.client, project["id"])
    v1 = await create_version(tenant.client, model["id"], "1.0.0")
    v2 = await create_version(tenant.client, model["id"], "1.1.0")
    skipped = await transition(tenant.client, v1["id"], "PRODUCTION")
    assert_error(skipped, "INVALID_TRANSITION", ["input", "stage"])
    for version in (v1, v2):
        assert_ok(await transition(tenant.client, version["id"], "STAGING"))
    promoted = assert_ok(await transition(tenant.client, v1["id"], "PRODUCTION"))
    assert promoted["archivedVersion"] is None
    data = await tenant.client.data(PRODUCTION, {"id": model["id"]})
    assert data["node"]["productionVersion"] == {"version": "1.0.0", "stage": "PRODUCTION"}

    replaced = assert_ok(await transition(tenant.client, v2["id"], "PRODUCTION"))
    assert replaced["archivedVersion"] == {"id": v1["id"], "version": "1.0.0", "stage": "ARCHIVED"}
    data = await tenant.client.data(PRODUCTION, {"id": model["id"]})
    assert data["node"]["productionVersion"]["version"] == "1.1.0"
    assert data["node"]["versions"]["nodes"] == [{"version": "1.0.0"}]
    # archived -> production is not a legal move
    assert_error(await transition(tenant.client, v1["id"], "PRODUCTION"), "INVALID_TRANSITION")


async def test_concurrent_promotions_leave_one_production_version(tenant):
    import asyncio

    project = await create_project(tenant.client, tenant.org_id)
    model = await create_model(tenant.client, project["id"])
    versions = [await create_version(tenant.client, model["id"], f"1.{i}.0") for i in range(4)]
    for version in versions:
        assert_ok(await transition(tenant.client, version["id"], "STAGING"))
    await asyncio.gather(*(transition(tenant.client, v["id"], "PRODUCTION") for v in versions))
    data = await tenant.client.data(
        "query($id: ID!) { node(id: $id) { ... on Model { versions(first: 10, stage: [PRODUCTION]) "
        "{ totalCount } } } }",
        {"id": model["id"]},
    )
    assert data["node"]["versions"]["totalCount"] == 1


async def test_concurrent_creates_with_one_slug_give_one_project_and_conflicts(tenant):
    """The service's own check can miss a concurrent insert; the partial unique index settles
    it and the loser gets a CONFLICT userError, not a 500."""
    import asyncio

    input = {"organizationId": tenant.org_id, "slug": "race", "name": "Race"}
    payloads = await asyncio.gather(
        *(tenant.client.mutate(PROJECT_CREATE, input) for _ in range(6))
    )
    created = [p for p in payloads if p["project"]]
    assert len(created) == 1
    for payload in payloads:
        if not payload["project"]:
            assert payload["userErrors"][0]["code"] == "CONFLICT"
    listing = await tenant.client.data(PROJECTS, {"slug": tenant.org_slug})
    assert [p["slug"] for p in listing["organization"]["projects"]["nodes"]] == ["race"]


async def test_deleting_a_project_retires_everything_in_it(tenant, receiver):
    from tests.helpers import USER_ERRORS, create_run
    from tests.support.notifications import NRULE, channel

    ids = await create_run(tenant.client, tenant.org_id)
    rule = assert_ok(
        await tenant.client.mutate(
            f"""mutation($input: AlertRuleCreateInput!) {{
              alertRuleCreate(input: $input) {{ alertRule {{ id }} {USER_ERRORS} }} }}""",
            {
                "projectId": ids["project"],
                "name": "r",
                "metricName": "latency_ms",
                "comparator": "GT",
                "threshold": 1,
            },
        )  # fmt: skip
    )["alertRule"]
    hook = await channel(tenant.client, tenant.org_id, f"{receiver.base_url}/cascade")
    scoped = assert_ok(
        await tenant.client.mutate(
            NRULE,
            {
                "channelId": hook["id"],
                "trigger": "EXPERIMENT_COMPLETE",
                "projectId": ids["project"],
            },
        )
    )["notificationRule"]
    retired = [ids["experiment"], ids["run"], rule["id"], scoped["id"]]
    node = "query($id: ID!) { node(id: $id) { id } }"
    for global_id in retired:
        assert (await tenant.client.data(node, {"id": global_id}))["node"] is not None
    assert_ok(await tenant.client.mutate(PROJECT_DELETE, {"projectId": ids["project"]}))
    for global_id in retired:
        assert (await tenant.client.data(node, {"id": global_id}))["node"] is None, global_id
    # The organization's channel stays.
    assert (await tenant.client.data(node, {"id": hook["id"]}))["node"] is not None
