"""A deployment's typed runtime (issue 12): framework and resource (unique per environment),
resources with request <= limit, GPUs checked against the environment's catalogue, replicas
within the instance bounds, what the runtime's controller reports; integrations per
environment (tools from one catalogue, configs checked by each tool's JSON schema) decide
the serving frameworks allowed there; predictions carry the version that served them."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
    assert_error,
    assert_ok,
    create_environment,
)
from tests.support.gpu_types import CREATE as GPU_CREATE
from tests.support.serving_runtime import CONFIG_SET, setup

RUNTIME = """servingFramework frameworkResourceId frameworkNamespace machineType
  cpuRequestMillicores cpuLimitMillicores memoryRequestMib memoryLimitMib gpuCount gpuType
  replicaCount autoscalingTargetCpuPercent autoscalingTargetRps autoscalingTargetConcurrency
  capacityType healthCheckPath serviceType region health healthReportedAt frameworkStatus"""
CREATE = f"""mutation($input: DeploymentCreateInput!) {{
  deploymentCreate(input: $input) {{ deployment {{ id {RUNTIME} }} {USER_ERRORS} }} }}"""
UPDATE = f"""mutation($input: DeploymentUpdateInput!) {{
  deploymentUpdate(input: $input) {{ deployment {{ id {RUNTIME} }} {USER_ERRORS} }} }}"""
REPORT = f"""mutation($input: DeploymentRuntimeReportInput!) {{
  deploymentRuntimeReport(input: $input) {{ deployment {{ id {RUNTIME} }} {USER_ERRORS} }} }}"""
CONFIG_DELETE = f"""mutation($input: IntegrationConfigDeleteInput!) {{
  integrationConfigDelete(input: $input) {{ integrationConfig {{ id }} {USER_ERRORS} }} }}"""
PREDICT = f"""mutation($input: PredictionsRecordInput!) {{
  predictionsRecord(input: $input) {{ recordedCount {USER_ERRORS} }} }}"""
PREDICTIONS = """query($id: ID!, $filter: PredictionFilterInput, $order: PredictionOrder,
  $first: Int, $after: String) { node(id: $id) { ... on Deployment {
  predictions(filter: $filter, orderBy: $order, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { recordedAt latencyMs confidence input output modelVersion { version } } } } } }"""


n = iter(range(1_000_000))


async def deploy(client: GraphQLClient, ids: dict[str, str], **fields: Any) -> dict[str, Any]:
    input = {
        "modelVersionId": ids["v1"],
        "environmentId": ids["env"],
        "name": f"rt-{next(n)}",
        **fields,
    }
    return await client.mutate(CREATE, input)


KSERVE = {
    "servingFramework": "KServe",
    "frameworkResourceId": "fraud-v1",
    "frameworkNamespace": "models",
    "machineType": "n2-standard-4",
    "cpuRequestMillicores": 500,
    "cpuLimitMillicores": 2000,
    "memoryRequestMib": 1024,
    "memoryLimitMib": 4096,
    "autoscalingTargetCpuPercent": 70,
    "autoscalingTargetRps": 250.5,
    "autoscalingTargetConcurrency": 8,
    "capacityType": "SPOT",
    "healthCheckPath": "/v2/health/ready",
}


async def test_a_deployment_has_a_typed_runtime(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    made = assert_ok(await deploy(client, ids, maxInstances=4, runtime=KSERVE))["deployment"]
    assert made["servingFramework"] == "kserve"  # any case in, canonical out
    assert {k: made[k] for k in KSERVE if k != "servingFramework"} == {
        k: v for k, v in KSERVE.items() if k != "servingFramework"
    }
    assert (made["gpuCount"], made["gpuType"], made["replicaCount"]) == (0, None, None)
    bare = assert_ok(await deploy(client, ids))["deployment"]
    assert (bare["servingFramework"], bare["capacityType"]) == (None, "ON_DEMAND")

    # An update changes only what it names; null clears.
    changes = {"cpuLimitMillicores": 4000, "healthCheckPath": None}
    updated = assert_ok(
        await client.mutate(UPDATE, {"deploymentId": made["id"], "runtime": changes})
    )["deployment"]
    assert (updated["cpuLimitMillicores"], updated["healthCheckPath"]) == (4000, None)
    assert updated["memoryLimitMib"] == 4096 and updated["servingFramework"] == "kserve"


async def test_bad_runtimes_are_refused_field_by_field(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"servingFramework": "tomcat"}, "VALIDATION", "servingFramework"),
        ({"frameworkResourceId": "x"}, "VALIDATION", "servingFramework"),
        ({"servingFramework": "kserve", "frameworkNamespace": "Bad_NS"}, "VALIDATION",
         "frameworkNamespace"),
        ({"frameworkResourceId": "a b", "servingFramework": "kserve"}, "VALIDATION",
         "frameworkResourceId"),
        ({"cpuRequestMillicores": 2000, "cpuLimitMillicores": 1000}, "VALIDATION",
         "cpuLimitMillicores"),
        ({"memoryRequestMib": 0}, "VALIDATION", "memoryRequestMib"),
        ({"memoryRequestMib": 4096, "memoryLimitMib": 1024}, "VALIDATION", "memoryLimitMib"),
        ({"gpuType": "nvidia-a100"}, "VALIDATION", "gpuCount"),
        ({"gpuCount": 65}, "VALIDATION", "gpuCount"),
        ({"gpuCount": 1, "gpuType": "NOT A GPU"}, "VALIDATION", "gpuType"),
        ({"replicaCount": 3}, "VALIDATION", "replicaCount"),  # bounds are 1..1
        ({"autoscalingTargetCpuPercent": 101}, "VALIDATION", "autoscalingTargetCpuPercent"),
        ({"autoscalingTargetRps": 0}, "VALIDATION", "autoscalingTargetRps"),
        ({"autoscalingTargetConcurrency": 0}, "VALIDATION", "autoscalingTargetConcurrency"),
        ({"healthCheckPath": "health"}, "VALIDATION", "healthCheckPath"),
        ({"healthCheckPath": "/a b"}, "VALIDATION", "healthCheckPath"),
        ({"machineType": "x" * 65}, "VALIDATION", "machineType"),
    ]  # fmt: skip
    for runtime, code, field in cases:
        assert_error(await deploy(client, ids, runtime=runtime), code, ["input", "runtime", field])
    # Nothing was made by a refused call.
    data = await client.data(
        """query($id: ID!) { node(id: $id) { ... on Model { endpoints { nodes { id } } } } }""",
        {"id": ids["model"]},
    )
    assert data["node"]["endpoints"]["nodes"] == []
    # A framework resource serves one live deployment per environment.
    resource = {
        "servingFramework": "seldon",
        "frameworkResourceId": "r1",
        "frameworkNamespace": "a",
    }
    assert_ok(await deploy(client, ids, runtime=resource))
    taken = await deploy(client, ids, runtime={**resource, "servingFramework": "SELDON"})
    assert_error(taken, "CONFLICT", ["input", "runtime", "frameworkResourceId"])
    assert_ok(await deploy(client, ids, runtime={**resource, "frameworkNamespace": "b"}))
    other_env = (await create_environment(client, tenant.org_id))["id"]
    assert_ok(await deploy(client, {**ids, "env": other_env}, runtime=resource))
    no_namespace = {"servingFramework": "seldon", "frameworkResourceId": "r2"}
    assert_ok(await deploy(client, ids, runtime=no_namespace))
    again = await deploy(client, ids, runtime=no_namespace)
    assert_error(again, "CONFLICT", ["input", "runtime", "frameworkResourceId"])


CLOUD_RUN = {
    "serviceType": "CLOUD_RUN",
    "region": "europe-west4",
    "servingFramework": "cloud-run",
    "frameworkResourceId": "fraud-scorer",
    "cpuLimitMillicores": 8000,
    "memoryLimitMib": 32768,
}


async def test_a_cloud_run_service_has_a_region_and_cloud_runs_limits(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    made = assert_ok(await deploy(client, ids, runtime=CLOUD_RUN))["deployment"]
    assert {k: made[k] for k in CLOUD_RUN} == CLOUD_RUN
    # A Kubernetes deployment may state its region (any cloud's form) or not.
    k8s = {**KSERVE, "serviceType": "KUBERNETES", "region": "us-east-1"}
    assert assert_ok(await deploy(client, ids, runtime=k8s))["deployment"]["region"] == "us-east-1"

    cases: list[tuple[dict[str, Any], str]] = [
        ({"region": None}, "region"),
        ({"region": "us-east-1"}, "region"),  # AWS's form, not Google Cloud's
        ({"region": "Europe West"}, "region"),
        ({"servingFramework": "kserve"}, "servingFramework"),
        ({"frameworkNamespace": "models"}, "frameworkNamespace"),
        ({"frameworkResourceId": "Fraud_Scorer"}, "frameworkResourceId"),
        ({"frameworkResourceId": "a" * 50}, "frameworkResourceId"),
        ({"cpuLimitMillicores": 8001}, "cpuLimitMillicores"),
        ({"memoryLimitMib": 32769}, "memoryLimitMib"),
        ({"capacityType": "SPOT"}, "capacityType"),
        ({"serviceType": "KUBERNETES", "region": None}, "serviceType"),  # cloud-run on k8s
    ]  # fmt: skip
    for change, field in cases:
        runtime = {**CLOUD_RUN, "frameworkResourceId": f"svc-{next(n)}", **change}
        assert_error(
            await deploy(client, ids, runtime=runtime), "VALIDATION", ["input", "runtime", field]
        )
    # An update is checked against the whole runtime it leaves.
    moved = await client.mutate(
        UPDATE, {"deploymentId": made["id"], "runtime": {"frameworkNamespace": "x"}}
    )
    assert_error(moved, "VALIDATION", ["input", "runtime", "frameworkNamespace"])
    # A service name is one service per region; the same name elsewhere is another.
    taken = await deploy(client, ids, runtime=CLOUD_RUN)
    assert_error(taken, "CONFLICT", ["input", "runtime", "frameworkResourceId"])
    assert_ok(await deploy(client, ids, runtime={**CLOUD_RUN, "region": "us-central1"}))


async def test_gpus_are_checked_against_the_environments_catalogue(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    # No catalogue: any well-formed GPU type.
    assert_ok(await deploy(client, ids, runtime={"gpuCount": 1, "gpuType": "nvidia-h100"}))
    for key, enabled in (("nvidia-a100", True), ("nvidia-t4", False)):
        gpu = {"environmentId": ids["env"], "key": key, "label": key, "enabled": enabled}
        assert_ok(await client.mutate(GPU_CREATE, gpu))
    ok = await deploy(client, ids, runtime={"gpuCount": 2, "gpuType": "NVIDIA-A100"})
    assert assert_ok(ok)["deployment"]["gpuType"] == "nvidia-a100"
    for refused in ("nvidia-h100", "nvidia-t4"):  # not offered; offered but disabled
        error = assert_error(
            await deploy(client, ids, runtime={"gpuCount": 1, "gpuType": refused}),
            "VALIDATION",
            ["input", "runtime", "gpuType"],
        )
        assert "nvidia-a100" in error["message"]


async def test_a_controller_reports_replicas_health_and_raw_status(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    made = assert_ok(await deploy(client, ids, minInstances=1, maxInstances=3))["deployment"]
    status = {"conditions": [{"type": "Ready", "status": "True"}], "url": "http://x"}
    input = {"deploymentId": made["id"], "replicaCount": 2, "health": "DEGRADED"}
    reported = assert_ok(await client.mutate(REPORT, {**input, "frameworkStatus": status}))
    d = reported["deployment"]
    assert (d["replicaCount"], d["health"], d["frameworkStatus"]) == (2, "DEGRADED", status)
    assert d["healthReportedAt"] is not None
    # Fields not given keep their value; frameworkStatus null clears it.
    kept = assert_ok(await client.mutate(REPORT, {"deploymentId": made["id"]}))["deployment"]
    assert (kept["replicaCount"], kept["frameworkStatus"]) == (2, status)
    cleared = await client.mutate(REPORT, {"deploymentId": made["id"], "frameworkStatus": None})
    assert assert_ok(cleared)["deployment"]["frameworkStatus"] is None
    too_many = await client.mutate(REPORT, {"deploymentId": made["id"], "replicaCount": 4})
    assert_error(too_many, "VALIDATION", ["input", "replicaCount"])
    # Bounds cannot shrink below the live replicas.
    shrink = await client.mutate(UPDATE, {"deploymentId": made["id"], "maxInstances": 1})
    assert_error(shrink, "VALIDATION", ["input", "runtime", "replicaCount"])
    huge = {"deploymentId": made["id"], "frameworkStatus": {"blob": "x" * 20_000}}
    assert_error(await client.mutate(REPORT, huge), "VALIDATION", ["input", "frameworkStatus"])


async def test_integrations_are_validated_per_tool_and_decide_the_serving_frameworks(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    catalog = await client.data(
        "{ integrationCatalog(type: [SERVING, TRACKING]) { type tool configSchema } }"
    )
    tools = {(t["type"], t["tool"]) for t in catalog["integrationCatalog"]}
    assert ("SERVING", "kserve") in tools and ("TRACKING", "mlflow") in tools
    assert not any(kind == "REGISTRY" for kind, _ in tools)

    def config(tool: str, type: str = "SERVING", **fields: Any) -> dict[str, Any]:
        return {"environmentId": ids["env"], "type": type, "tool": tool, **fields}

    refused = [
        (config("tomcat"), ["input", "tool"]),
        (config("kserve", config={}), ["input", "config"]),  # namespace is required
        (config("kserve", config={"namespace": "m", "extra": 1}), ["input", "config"]),
        (config("mlflow", "TRACKING", config={"tracking_uri": "ftp://x"}), ["input", "config"]),
        (config("bentoml", config={"api_token": "s3cr3t"}), ["input", "config"]),  # a secret
        (config("bentoml", config={"nested": {"a": 1}}), ["input", "config"]),
        (config("bentoml", featureFlags={"canary": "yes"}), ["input", "featureFlags"]),
        (config("bentoml", featureFlags=[1]), ["input", "featureFlags"]),
    ]
    for input, field in refused:
        assert_error(await client.mutate(CONFIG_SET, input), "VALIDATION", field)

    kserve = config("kserve", config={"namespace": "models"}, featureFlags={"canary": True})
    made = assert_ok(await client.mutate(CONFIG_SET, kserve))["integrationConfig"]
    assert (made["type"], made["tool"], made["enabled"]) == ("SERVING", "kserve", True)
    assert made["featureFlags"] == {"canary": True} and made["createdBy"]["email"] == tenant.email
    # The environment now serves through KServe only.
    refused_framework = await deploy(client, ids, runtime={"servingFramework": "seldon"})
    error = assert_error(refused_framework, "VALIDATION", ["input", "runtime", "servingFramework"])
    assert "kserve" in error["message"]
    assert_ok(await deploy(client, ids, runtime={"servingFramework": "kserve"}))
    # Replacing keeps one row per tool; disabling leaves no serving framework allowed.
    again = assert_ok(await client.mutate(CONFIG_SET, {**kserve, "enabled": False}))
    assert again["integrationConfig"]["id"] == made["id"]
    none_left = await deploy(client, ids, runtime={"servingFramework": "kserve"})
    assert_error(none_left, "VALIDATION", ["input", "runtime", "servingFramework"])
    listed = await client.data(
        """query($id: ID!) { node(id: $id) { ... on Environment {
          integrations(type: [SERVING]) { nodes { tool enabled } } } } }""",
        {"id": ids["env"]},
    )
    assert listed["node"]["integrations"]["nodes"] == [{"tool": "kserve", "enabled": False}]
    gone = await client.mutate(CONFIG_DELETE, {"integrationConfigId": made["id"]})
    assert assert_ok(gone)["integrationConfig"]["id"] == made["id"]
    assert_ok(await deploy(client, ids, runtime={"servingFramework": "seldon"}))  # all again


async def test_integrations_belong_to_admins_of_their_organization(tenant, make_tenant):
    client = tenant.client
    env = (await create_environment(client, tenant.org_id))["id"]
    input = {"environmentId": env, "type": "TRACKING", "tool": "wandb", "config": {"entity": "a"}}
    made = assert_ok(await client.mutate(CONFIG_SET, input))["integrationConfig"]
    other = await make_tenant("intx")
    assert_error(await other.client.mutate(CONFIG_SET, input), "NOT_FOUND")
    delete = await other.client.mutate(CONFIG_DELETE, {"integrationConfigId": made["id"]})
    assert_error(delete, "NOT_FOUND")
    seen = await other.client.data("query($id: ID!) { node(id: $id) { id } }", {"id": made["id"]})
    assert seen["node"] is None


async def test_predictions_carry_their_version_and_page_with_filters(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    deployment = assert_ok(await deploy(client, ids))["deployment"]["id"]

    def at(second: int) -> str:
        return f"2026-05-01T10:00:{second:02d}+00:00"

    first = [
        {"latencyMs": 10.0 + i, "confidence": i / 10, "recordedAt": at(i), "input": {"i": i}}
        for i in range(5)
    ]
    assert_ok(await client.mutate(PREDICT, {"deploymentId": deployment, "predictions": first}))
    assert_ok(
        await client.mutate(UPDATE, {"deploymentId": deployment, "modelVersionId": ids["v2"]})
    )
    second = [{"latencyMs": 100.0 + i, "recordedAt": at(10 + i)} for i in range(3)]
    assert_ok(await client.mutate(PREDICT, {"deploymentId": deployment, "predictions": second}))

    async def page(**variables: Any) -> dict[str, Any]:
        data = await client.data(PREDICTIONS, {"id": deployment, **variables})
        return data["node"]["predictions"]

    everything = await page()
    assert everything["totalCount"] == 8
    assert [p["latencyMs"] for p in everything["nodes"]][:2] == [102.0, 101.0]  # newest first
    by_version = await page(filter={"modelVersionId": [ids["v1"]]}, order="RECORDED_AT_ASC")
    assert [p["modelVersion"] for p in by_version["nodes"]] == [{"version": "1.0.0"}] * 5
    assert by_version["nodes"][0]["input"] == {"i": 0}
    v2 = await page(filter={"modelVersionId": [ids["v2"]]})
    assert {p["modelVersion"]["version"] for p in v2["nodes"]} == {"2.0.0"} and len(
        v2["nodes"]
    ) == 3
    window = await page(filter={"from": at(1), "to": at(3)}, order="RECORDED_AT_ASC")
    assert [p["latencyMs"] for p in window["nodes"]] == [11.0, 12.0]
    slow = await page(filter={"minLatencyMs": 12, "maxLatencyMs": 101})
    assert sorted(p["latencyMs"] for p in slow["nodes"]) == [12.0, 13.0, 14.0, 100.0, 101.0]
    sure = await page(filter={"minConfidence": 0.25})
    assert sorted(p["confidence"] for p in sure["nodes"]) == [0.3, 0.4]
    nothing = await page(filter={"modelVersionId": [ids["model"]]})  # not a version id
    assert nothing["totalCount"] == 0
    # Pages follow one another without overlap.
    one = await page(first=3, order="RECORDED_AT_ASC")
    two = await page(first=3, after=one["pageInfo"]["endCursor"], order="RECORDED_AT_ASC")
    seen = [p["latencyMs"] for p in one["nodes"] + two["nodes"]]
    assert seen == [10.0, 11.0, 12.0, 13.0, 14.0, 100.0]
    for bad in ({"from": at(5), "to": at(1)}, {"minLatencyMs": 5, "maxLatencyMs": 1}):
        response = await client.post(PREDICTIONS, {"id": deployment, "filter": bad})
        assert response.json()["errors"], bad
