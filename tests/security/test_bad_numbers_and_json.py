"""Numbers out of range and JSON nested too deep are validation errors naming the field,
never internal errors (each case once answered INTERNAL_SERVER_ERROR)."""

from __future__ import annotations

from sqlalchemy import text

from app.db.engine import make_engine
from tests.helpers import (
    RUN_CREATE,
    USER_ERRORS,
    VERSION_CREATE,
    assert_error,
    assert_ok,
    build_graph,
    create_model,
    create_project,
    create_run,
)
from tests.support.datasets import dataset, version
from tests.support.organization_admin import ORG as ORG_UPDATE
from tests.support.pipelines import create_pipeline, steps
from tests.support.training_jobs import create_job, setup

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
    # No stored number is that large (they are held within 64 bits): a clear refusal.
    assert big["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert big["errors"][0]["message"] == "filter.params numbers must be within ±2^63 (64 bits)"
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


async def test_counts_and_latencies_have_ranges(tenant):
    """1e300 bytes or records overflowed the bigint column (INTERNAL); a latency of 1e300
    ms was stored."""
    graph = await build_graph(tenant.client, tenant.org_id)
    data = await dataset(tenant.client, graph["project"], "sizes")
    for field in ("totalSizeBytes", "recordCount"):
        for value in (1e300, 2.0**63, -(2.0**63)):
            huge = await version(tenant.client, data, "1", **{field: value})
            assert_error(huge, "VALIDATION", ["input", field])
    fits = assert_ok(await version(tenant.client, data, "1", totalSizeBytes=2.0**62))
    assert fits["datasetVersion"]["totalSizeBytes"] == 2.0**62
    for latency in (1e300, 86_400_001, -1):
        slow = await tenant.client.mutate(
            PREDICT, {"deploymentId": graph["deployment"], "predictions": [{"latencyMs": latency}]}
        )
        assert_error(slow, "VALIDATION", ["input", "predictions", "0", "latencyMs"])


async def test_json_numbers_past_64_bits_are_refused_and_none_stored_breaks_a_read(
    tenant, database_url
):
    """A JSON number past 64 bits was stored (as a float, which PostgreSQL keeps as a
    whole number of 20+ digits) and every resolver-path read of it answered HTTP 500."""
    settings_of = "query($slug: String!) { organization(slug: $slug) { settings } }"
    for big in (2**64, 1e20, -1e300, 2**63):
        refused = await tenant.client.mutate(
            ORG_UPDATE, {"organizationId": tenant.org_id, "settings": {"n": big}}
        )
        assert_error(refused, "VALIDATION", ["input", "settings"])
    kept = {"n": 2**63 - 1, "m": -(2**63), "f": 1.5e18}
    stored = await tenant.client.mutate(
        ORG_UPDATE, {"organizationId": tenant.org_id, "settings": kept}
    )
    assert assert_ok(stored)["organization"]["settings"] == kept
    # A value written before the edge refused it (here by SQL) still reads on both paths.
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE organizations SET settings = '{\"n\": 1e300}' WHERE slug = :s"),
                {"s": tenant.org_slug},
            )
    finally:
        await engine.dispose()
    for reader in (tenant.client, tenant.client.on_resolvers()):
        answer = await reader.post(settings_of, {"slug": tenant.org_slug})
        assert answer.status_code == 200, answer.text
        assert float(answer.json()["data"]["organization"]["settings"]["n"]) == 1e300


async def test_values_that_reach_command_lines_never_read_as_options(tenant):
    """Images and entry points are handed to executors' command lines; pipeline step names
    name jobs (a trailing newline passed a "$"-anchored pattern)."""
    ids = await setup(tenant.client, tenant.org_id)
    for field, value in (("image", "--privileged"), ("entryPoint", "-rf /"),
                         ("image", "ghcr.io/a\nb"), ("entryPoint", "train.py\x1b[2J")):  # fmt: skip
        bad = await create_job(tenant.client, ids, **{field: value})
        assert_error(bad, "VALIDATION", ["input", field])
    assert_ok(await create_job(tenant.client, ids, entryPoint="python train.py --lr 0.1"))
    defined = steps(ids["environment"])
    defined[1]["trainingJob"]["image"] = "--privileged"
    bad = await create_pipeline(tenant.client, ids["project"], steps=defined)
    assert_error(bad, "VALIDATION", ["input", "steps", "1", "trainingJob", "image"])
    defined = steps(ids["environment"])
    defined[0]["name"] = "prepare\n"
    bad = await create_pipeline(tenant.client, ids["project"], steps=defined)
    assert_error(bad, "VALIDATION", ["input", "steps", "0", "name"])
