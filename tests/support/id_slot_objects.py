"""Objects of every kind in a project, and the requests that put them in mutation id slots
(from tests/security/test_every_id_slot.py; shared with test_public_projects.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.api.ids import decode_any
from tests.conftest import GraphQLClient
from tests.helpers import EXPERIMENT_CREATE, RUN_CREATE, USER_ERRORS, VERSION_CREATE, assert_ok
from tests.id_slots import IdSlot
from tests.security.conftest import insert_alert
from tests.support.alert_rules import RULE_CREATE
from tests.support.compiled_reads import INVENTORY, collect_ids
from tests.support.health import RULE_CREATE as HEALTH_RULE_CREATE
from tests.support.pipelines import RUN_CREATE as PIPELINE_RUN_CREATE
from tests.support.pipelines import create_pipeline
from tests.support.sweeps import CREATE as SWEEP_CREATE
from tests.support.sweeps import sweep_input
from tests.support.training_queue import queued_job

MODEL_OF = "query($id: ID!) { node(id: $id) { ... on ModelVersion { model { id } } } }"
GATE_SET = """mutation($input: PromotionGateSetInput!) { promotionGateSet(input: $input) {
  promotionGate { id } userErrors { field code message } } }"""
REQUEST_CREATE = """mutation($input: PromotionRequestCreateInput!) {
  promotionRequestCreate(input: $input) { promotionRequest { id } userErrors { field code message } } }"""


def rules_of(slot: IdSlot, mine: dict[str, str]) -> Any:
    """What a mutation's own rules need beyond values of the right type, so the request
    gets as far as the id (the slot's id is set after this)."""
    needs: dict[str, dict[str, Any]] = {
        "deploymentTrafficSet": {"splits": [{"deploymentId": mine["Deployment"], "percentage": 100}]},
        "artifactBuildFinish": {"status": "FAILED", "errorMessage": "x"},
        "patternJobFinish": {"status": "FAILED", "errorMessage": "x"},
        "workflowRunFinish": {"status": "FAILED", "errorMessage": "x"},
        "runMetricsLog": {"points": [{"key": "loss", "step": 0, "value": 1.0}]},
        "trainingJobCreate": {"image": "ghcr.io/acme/train:1"},
        "trainingJobTransition": {"trainingJobId": mine["queued"], "status": "RUNNING"},
        # A run or a training job, not both: the slot may be the one.
        "datasetInputsRecord": {} if slot.path[-1] in {"runId", "trainingJobId"}
                               else {"runId": mine["Run"]},
        # Only an EVALUATION step has an evaluation (its two ids: the slot is one of them).
        "pipelineCreate": {"steps": [{"name": "e", "kind": "EVALUATION", "evaluation": {
            "modelVersionId": mine["ModelVersion"],
            "datasetVersionId": mine["DatasetVersion"]}}]} if "evaluation" in slot.path else {},
    }  # fmt: skip

    def adjust(variables: dict[str, Any]) -> None:
        variables["input"].update(needs.get(slot.mutation, {}))

    return adjust


def by_type(global_ids: Iterable[str]) -> dict[str, str]:
    """The first id of each node type among ``global_ids``."""
    found: dict[str, str] = {}
    for global_id in global_ids:
        decoded = decode_any(global_id)
        if decoded is not None:
            found.setdefault(decoded[0], global_id)
    return found


async def ids_by_type(client: GraphQLClient, slug: str, extra: dict[str, str]) -> dict[str, str]:
    """One id of each node type in an organization (its seeded objects, and ``extra``)."""
    data = await client.on_resolvers().data(INVENTORY, {"slug": slug})
    return by_type([*collect_ids(data), *extra.values()])


def answer(body: dict[str, Any], sent: str) -> tuple[bool, Any]:
    """(failed, what the caller learns): error codes, fields and messages, the sent id
    replaced; success is a payload without userErrors."""
    errors = [(e.get("extensions", {}).get("code"), e["message"].replace(sent, "<id>"))
              for e in body.get("errors") or []]  # fmt: skip
    payload = next(iter((body.get("data") or {}).values()), None) or {}
    user_errors = [(u["code"], tuple(u["field"] or ()), u["message"].replace(sent, "<id>"))
                   for u in payload.get("userErrors") or []]  # fmt: skip
    return bool(errors or user_errors or not payload), (errors, user_errors)


EVALUATION_CREATE = f"""mutation($input: EvaluationRunCreateInput!) {{
  evaluationRunCreate(input: $input) {{ evaluationRun {{ id }} {USER_ERRORS} }} }}"""
PATTERN_JOB_CREATE = f"""mutation($input: PatternJobCreateInput!) {{
  patternJobCreate(input: $input) {{ patternJob {{ id }} {USER_ERRORS} }} }}"""
SCHEDULE_CREATE = f"""mutation($input: PipelineScheduleCreateInput!) {{
  pipelineScheduleCreate(input: $input) {{ pipelineSchedule {{ id }} {USER_ERRORS} }} }}"""
WORKFLOW_MODEL = f"""mutation($input: ModelCreateInput!) {{
  modelCreate(input: $input) {{ model {{ id }} {USER_ERRORS} }} }}"""
WORKFLOW_SET = f"""mutation($input: WorkflowConfigSetInput!) {{
  workflowConfigSet(input: $input) {{ workflowConfig {{ id }} {USER_ERRORS} }} }}"""
WORKFLOW_RUN_CREATE = f"""mutation($input: WorkflowRunCreateInput!) {{
  workflowRunCreate(input: $input) {{ workflowRun {{ id }} {USER_ERRORS} }} }}"""
PENDING_PREDICTION = f"""mutation($input: PredictionsRecordInput!) {{
  predictionsRecord(input: $input) {{ predictionIds {USER_ERRORS} }} }}"""


async def complete(
    client: GraphQLClient, ids: dict[str, str], database_url: str, *, admin: bool = True
) -> None:
    """What seeding leaves out of ``ids["Project"]`` (some kinds only sometimes, pipeline
    runs never), made through the API; and, in ``queued``, a training job waiting for a
    worker."""
    project = ids["Project"]
    if "Run" not in ids:
        made = await client.mutate(EXPERIMENT_CREATE, {"projectId": project, "name": "e"})
        ids["Experiment"] = assert_ok(made)["experiment"]["id"]
        made = await client.mutate(RUN_CREATE, {"experimentId": ids["Experiment"]})
        ids["Run"] = assert_ok(made)["run"]["id"]
    if "AlertRule" not in ids:
        rule = {"projectId": project, "name": "r", "metricName": "latency_ms",
                "comparator": "GT", "threshold": 1.0}  # fmt: skip
        ids["AlertRule"] = assert_ok(await client.mutate(RULE_CREATE, rule))["alertRule"]["id"]
    if "HealthRule" not in ids:
        rule = {"projectId": project, "name": "h", "condition": {"nonFinite": {}}}
        made = await client.mutate(HEALTH_RULE_CREATE, rule)
        ids["HealthRule"] = assert_ok(made)["healthRule"]["id"]
    if "Sweep" not in ids:
        where = {"experiment": ids["Experiment"], "environment": ids["Environment"]}
        ids["Sweep"] = assert_ok(await client.mutate(SWEEP_CREATE, sweep_input(where)))["sweep"][
            "id"
        ]
    if admin and "ModelVersion" in ids and "PromotionRequest" not in ids:  # gates: admins'
        found = await client.data(MODEL_OF, {"id": ids["ModelVersion"]})
        gate = {"modelId": found["node"]["model"]["id"], "stage": "STAGING"}
        made = assert_ok(await client.mutate(GATE_SET, gate))
        ids.setdefault("PromotionGate", made["promotionGate"]["id"])
        made = await client.mutate(REQUEST_CREATE, {"modelVersionId": ids["ModelVersion"],
                                                    "stage": "STAGING"})  # fmt: skip
        ids["PromotionRequest"] = assert_ok(made)["promotionRequest"]["id"]
    if "Alert" not in ids and "Deployment" in ids:
        ids["Alert"] = await insert_alert(database_url, ids["Deployment"])
    if "EvaluationRun" not in ids and {"ModelVersion", "DatasetVersion"} <= ids.keys():
        made = await client.mutate(EVALUATION_CREATE, {"modelVersionId": ids["ModelVersion"],
                                                       "datasetVersionId": ids["DatasetVersion"]})  # fmt: skip
        ids["EvaluationRun"] = assert_ok(made)["evaluationRun"]["id"]
    if "PatternJob" not in ids and "DatasetVersion" in ids:
        made = await client.mutate(PATTERN_JOB_CREATE, {
            "datasetVersionId": ids["DatasetVersion"], "name": "p", "patternType": "CLUSTERING",
            "algorithm": "KMEANS"})  # fmt: skip
        ids["PatternJob"] = assert_ok(made)["patternJob"]["id"]
    if "Prediction" not in ids and "Deployment" in ids:  # a pending one, for predictionsComplete
        made = await client.mutate(PENDING_PREDICTION, {"deploymentId": ids["Deployment"],
                                                        "predictions": [{"status": "PENDING"}]})  # fmt: skip
        ids["Prediction"] = assert_ok(made)["predictionIds"][0]
    if "Pipeline" not in ids:
        made = await create_pipeline(client, project, environment=ids["Environment"])
        ids["Pipeline"] = assert_ok(made)["pipeline"]["id"]
    if "WorkflowConfig" not in ids:  # a WORKFLOW serve of the project, configured, run once
        made = await client.mutate(WORKFLOW_MODEL, {"projectId": project, "name": "wf",
                                                    "modelType": "OTHER", "framework": "OTHER",
                                                    "serveType": "WORKFLOW"})  # fmt: skip
        serve = assert_ok(made)["model"]["id"]
        node = {"instanceType": "n2", "cpuMillicores": 1000, "memoryMib": 1024}
        made = await client.mutate(WORKFLOW_SET, {
            "modelId": serve, "environmentId": ids["Environment"],
            "headNode": node, "workerNode": node})  # fmt: skip
        ids["WorkflowConfig"] = assert_ok(made)["workflowConfig"]["id"]
        version = await client.mutate(VERSION_CREATE, {"modelId": serve, "version": "1.0.0"})
        made = await client.mutate(WORKFLOW_RUN_CREATE, {
            "workflowConfigId": ids["WorkflowConfig"],
            "modelVersionId": assert_ok(version)["modelVersion"]["id"]})  # fmt: skip
        ids["WorkflowRun"] = assert_ok(made)["workflowRun"]["id"]
    if "PipelineSchedule" not in ids:
        made = await client.mutate(SCHEDULE_CREATE, {"pipelineId": ids["Pipeline"],
                                                     "cron": "0 3 1 1 *"})  # fmt: skip
        ids["PipelineSchedule"] = assert_ok(made)["pipelineSchedule"]["id"]
    made = await client.mutate(PIPELINE_RUN_CREATE, {"pipelineId": ids["Pipeline"]})
    ids["PipelineRun"] = assert_ok(made)["pipelineRun"]["id"]
    ids["queued"] = await queued_job(
        client, {"project": project, "environment": ids["Environment"]}
    )
    ids.setdefault("TrainingJob", ids["queued"])
