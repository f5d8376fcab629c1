"""modelVersionCreateAndDeploy (issue 12): a version and its deployment in one transaction —
both or neither — with userErrors pointing into the part of the input that failed."""

from __future__ import annotations

from typing import Any

from tests.helpers import (
    USER_ERRORS,
    assert_error,
    assert_ok,
    create_deployment,
    create_environment,
    create_model,
    create_project,
    create_version,
)

CREATE_AND_DEPLOY = f"""mutation($input: ModelVersionCreateAndDeployInput!) {{
  modelVersionCreateAndDeploy(input: $input) {{
    modelVersion {{ id version stage }}
    deployment {{ id name status modelVersion {{ version model {{ name }} }}
      environment {{ name }} }}
    {USER_ERRORS} }} }}"""
VERSIONS = """query($id: ID!) { node(id: $id) { ... on Model { versions { totalCount } } } }"""


async def test_a_version_and_its_deployment_are_made_together_or_not_at_all(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    environment = (await create_environment(client, tenant.org_id, name="canary"))["id"]

    def input(version: str, name: str, **deployment: Any) -> dict[str, Any]:
        return {"modelVersion": {"modelId": model, "version": version},
                "deployment": {"environmentId": environment, "name": name, **deployment}}  # fmt: skip

    response = await client.post(CREATE_AND_DEPLOY, {"input": input("1.0.0", "api")})
    made = assert_ok(response.json()["data"]["modelVersionCreateAndDeploy"])
    assert made["modelVersion"]["version"] == "1.0.0"
    assert made["deployment"]["modelVersion"]["version"] == "1.0.0"
    assert made["deployment"]["environment"] == {"name": "canary"}
    assert response.headers["x-mlgraph-path"] == "resolvers+compiled-payload"

    # The deployment fails (its name is taken): the version is not kept either.
    taken = await client.mutate(CREATE_AND_DEPLOY, input("2.0.0", "api"))
    assert_error(taken, "CONFLICT", ["input", "deployment", "name"])
    assert taken["modelVersion"] is None and taken["deployment"] is None
    count = await client.data(VERSIONS, {"id": model})
    assert count["node"]["versions"]["totalCount"] == 1
    bounds = await client.mutate(CREATE_AND_DEPLOY, input("2.0.0", "api2", minInstances=3,
                                                          maxInstances=1))  # fmt: skip
    assert_error(bounds, "VALIDATION", ["input", "deployment", "maxInstances"])
    # The version fails: nothing is deployed.
    again = await client.mutate(CREATE_AND_DEPLOY, input("1.0.0", "api3"))
    assert_error(again, "CONFLICT", ["input", "modelVersion", "version"])
    # Every error of a part names its place under that part, also those the API checks.
    partial = input("3.0.0", "api4")
    partial["modelVersion"]["artifactSizeBytes"] = 1.5
    fraction = await client.mutate(CREATE_AND_DEPLOY, partial)
    assert_error(fraction, "VALIDATION", ["input", "modelVersion", "artifactSizeBytes"])
    partial = input("3.0.0", "api4")
    partial["modelVersion"]["runId"] = environment  # an id of another type
    foreign = await client.mutate(CREATE_AND_DEPLOY, partial)
    assert_error(foreign, "NOT_FOUND", ["input", "modelVersion", "runId"])
    other = (await create_version(client, model, "1.5.0"))["id"]
    await create_deployment(client, other, environment)  # the environment still works
    assert (await client.data(VERSIONS, {"id": model}))["node"]["versions"]["totalCount"] == 2
