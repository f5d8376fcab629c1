"""Serve types (issue 30, item 1): an API serve is deployed behind endpoints; a WORKFLOW
serve is never deployed to an endpoint and instead has, per environment, head and worker
node configs validated as deployment runtimes are (GPUs from the environment's catalogue)."""

from __future__ import annotations

from typing import Any

from tests.helpers import (
    DEPLOYMENT_CREATE,
    USER_ERRORS,
    assert_error,
    assert_ok,
    create_environment,
    create_model,
    create_project,
    create_version,
)
from tests.support.gpu_types import create as create_gpu

SET = f"""mutation($input: WorkflowConfigSetInput!) {{
  workflowConfigSet(input: $input) {{ workflowConfig {{ id minWorkers maxWorkers
    headNode {{ instanceType cpuMillicores memoryMib gpuCount gpuType }}
    workerNode {{ instanceType gpuCount gpuType }} environment {{ id }} }} {USER_ERRORS} }} }}"""
DELETE = f"""mutation($input: WorkflowConfigDeleteInput!) {{
  workflowConfigDelete(input: $input) {{ workflowConfig {{ id }} {USER_ERRORS} }} }}"""
READ = """query($id: ID!) { node(id: $id) { ... on Model { serveType workflowConfigs {
  nodes { maxWorkers workerNode { gpuType } } } } } }"""

HEAD = {"instanceType": "n2-standard-4", "cpuMillicores": 4000, "memoryMib": 16384}
WORKER = {"instanceType": "a2-highgpu-1g", "cpuMillicores": 12000, "memoryMib": 87040,
          "gpuCount": 1, "gpuType": "NVIDIA-A100"}  # fmt: skip


async def test_a_workflow_serve_has_nodes_per_environment_and_no_endpoint(tenant, make_tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    workflow = (await create_model(client, project, serveType="WORKFLOW"))["id"]
    api = (await create_model(client, project))["id"]
    environment = (await create_environment(client, tenant.org_id))["id"]
    assert_ok(await create_gpu(client, environment, key="nvidia-a100", label="A100"))

    def config(**fields: Any) -> dict[str, Any]:
        return {"modelId": workflow, "environmentId": environment, "headNode": HEAD,
                "workerNode": WORKER, "minWorkers": 1, "maxWorkers": 8, **fields}  # fmt: skip

    made = assert_ok(await client.mutate(SET, config()))["workflowConfig"]
    assert made["workerNode"] == {"instanceType": "a2-highgpu-1g", "gpuCount": 1,
                                  "gpuType": "nvidia-a100"}  # fmt: skip
    assert (made["headNode"]["gpuCount"], made["minWorkers"], made["maxWorkers"]) == (0, 1, 8)
    again = assert_ok(await client.mutate(SET, config(maxWorkers=4)))["workflowConfig"]
    assert again["id"] == made["id"] and again["maxWorkers"] == 4  # one per environment
    read = await client.data(READ, {"id": workflow})
    assert read["node"]["serveType"] == "WORKFLOW"
    assert read["node"]["workflowConfigs"]["nodes"] == [
        {"maxWorkers": 4, "workerNode": {"gpuType": "nvidia-a100"}}]  # fmt: skip

    refused: list[tuple[dict[str, Any], str, list[str]]] = [
        ({"modelId": api}, "VALIDATION", ["modelId"]),  # an API serve deploys instead
        ({"workerNode": {**WORKER, "gpuType": "nvidia-h100"}}, "VALIDATION",
         ["workerNode", "gpuType"]),  # not in the catalogue
        ({"workerNode": {**WORKER, "gpuCount": 0}}, "VALIDATION", ["workerNode", "gpuCount"]),
        ({"headNode": {**HEAD, "cpuMillicores": 0}}, "VALIDATION", ["headNode", "cpuMillicores"]),
        ({"headNode": {**HEAD, "instanceType": "a b"}}, "VALIDATION",
         ["headNode", "instanceType"]),
        ({"minWorkers": 5, "maxWorkers": 2}, "VALIDATION", ["maxWorkers"]),
        ({"maxWorkers": 1001}, "VALIDATION", ["maxWorkers"]),
    ]  # fmt: skip
    for change, code, field in refused:
        assert_error(await client.mutate(SET, config(**change)), code, ["input", *field])
    other = await make_tenant()
    theirs = (await create_environment(other.client, other.org_id))["id"]
    assert_error(await client.mutate(SET, config(environmentId=theirs)), "NOT_FOUND",
                 ["input", "environmentId"])  # fmt: skip
    assert_error(await other.client.mutate(SET, config()), "NOT_FOUND", ["input", "modelId"])

    # A WORKFLOW serve's version is not deployed to an endpoint; an API serve's is.
    version = (await create_version(client, workflow, "1.0.0"))["id"]
    refused_deploy = await client.mutate(DEPLOYMENT_CREATE, {
        "modelVersionId": version, "environmentId": environment, "name": "wf"})  # fmt: skip
    assert_error(refused_deploy, "VALIDATION", ["input", "modelVersionId"])
    api_version = (await create_version(client, api, "1.0.0"))["id"]
    assert_ok(await client.mutate(DEPLOYMENT_CREATE, {
        "modelVersionId": api_version, "environmentId": environment, "name": "api"}))  # fmt: skip
    assert_ok(await client.mutate(DELETE, {"workflowConfigId": made["id"]}))
    read = await client.data(READ, {"id": workflow})
    assert read["node"]["workflowConfigs"]["nodes"] == []
