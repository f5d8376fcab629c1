"""Numbers out of range and JSON nested too deep are validation errors naming the field,
never internal errors (each case once answered INTERNAL_SERVER_ERROR)."""

from __future__ import annotations

from tests.helpers import (
    RUN_CREATE,
    USER_ERRORS,
    VERSION_CREATE,
    assert_ok,
    build_graph,
    create_model,
    create_project,
    create_run,
)

RUNS = """query($id: ID!, $filter: RunFilterInput) { node(id: $id) { ... on Experiment {
  runs(filter: $filter) { totalCount } } } }"""
PREDICT = f"""mutation($input: PredictionsRecordInput!) {{
  predictionsRecord(input: $input) {{ recordedCount {USER_ERRORS} }} }}"""


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = {"a": value}
    return value


async def test_out_of_range_numbers_and_deep_json(tenant):
    project = await create_project(tenant.client, tenant.org_id)
    model = await create_model(tenant.client, project["id"])
    huge = await tenant.client.mutate(
        VERSION_CREATE, {"modelId": model["id"], "version": "1.0.0", "artifactSizeBytes": 1e300}
    )
    assert huge["userErrors"][0]["code"] == "VALIDATION"
    assert huge["userErrors"][0]["field"] == ["input", "artifactSizeBytes"]

    ids = await create_run(tenant.client, tenant.org_id)
    variables = {"id": ids["experiment"], "filter": {"params": {"lr": 10**30}}}
    big = await tenant.client.execute(RUNS, variables)
    assert big["data"]["node"]["runs"]["totalCount"] == 0  # a (float) number like any other
    variables = {"id": ids["experiment"], "filter": {"params": nested(50)}}
    deep = await tenant.client.execute(RUNS, variables)
    assert deep["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", deep
    assert "nested at most 32" in deep["errors"][0]["message"]
    deep_params = await tenant.client.mutate(
        RUN_CREATE, {"experimentId": ids["experiment"], "params": nested(50)}
    )
    assert deep_params["userErrors"][0]["code"] == "VALIDATION"

    graph = await build_graph(tenant.client, tenant.org_id)
    deep_input = await tenant.client.mutate(
        PREDICT,
        {
            "deploymentId": graph["deployment"],
            "predictions": [{"input": nested(50), "latencyMs": 3}],
        },
    )
    assert deep_input["userErrors"][0]["code"] == "VALIDATION"
    ok = assert_ok(
        await tenant.client.mutate(
            PREDICT,
            {
                "deploymentId": graph["deployment"],
                "predictions": [{"input": nested(10), "latencyMs": 3}],
            },
        )
    )
    assert ok["recordedCount"] == 1


async def test_json_nested_past_the_edge_limit_is_a_bad_request(tenant):
    """Deeper than any input may be (255 levels): refused before any resolver runs."""
    graph = await build_graph(tenant.client, tenant.org_id)
    variables = {
        "input": {
            "deploymentId": graph["deployment"],
            "predictions": [{"input": nested(255), "latencyMs": 3}],
        }
    }
    response = await tenant.client.post(PREDICT, variables)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
