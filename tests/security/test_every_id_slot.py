"""Ids the caller may not see, in every id slot of every mutation, taken from the schema
(tests/id_slots.py): a mutation added tomorrow is tried the day it is added.

Two callers: a member of another organization, and a developer of the same organization
from whom a project is private. For each slot, the same request is sent twice: once with
an unseen object of the slot's type, once with an id of that type that exists nowhere. Both
must fail, with the same answer (the id aside): no error tells the two apart, no answer
names anything unseen, and nothing unseen changes. Every slot must reach its lookup
(NOT_FOUND on the slot itself) unless ANSWERED_ELSEWHERE says which check answers first."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pytest

from app.api.ids import decode_any
from app.server.schema import build_schema
from tests.conftest import TEST_LIMITS, GraphQLClient
from tests.helpers import EXPERIMENT_CREATE, RUN_CREATE, USER_ERRORS, assert_ok, build_graph
from tests.id_slots import IdSlot, Twins, id_slots, request_for
from tests.security.conftest import insert_alert
from tests.support.alert_rules import RULE_CREATE
from tests.support.compiled_reads import INVENTORY, collect_ids, seed_varied
from tests.support.health import RULE_CREATE as HEALTH_RULE_CREATE
from tests.support.pipelines import RUN_CREATE as PIPELINE_RUN_CREATE
from tests.support.pipelines import create_pipeline
from tests.support.project_visibility import UNDER, member_with_email, set_visibility
from tests.support.sweeps import CREATE as SWEEP_CREATE
from tests.support.sweeps import sweep_input
from tests.support.tenancy import MEMBER_SET
from tests.support.tenant_isolation import SNAPSHOT
from tests.support.training_queue import queued_job

SCHEMA = build_schema(TEST_LIMITS)._schema
SLOTS = id_slots(SCHEMA)
IDS = re.compile(r"[A-Za-z0-9_-]{20,}")


# Types a member of the organization sees whatever the project visibility.
MODEL_OF = "query($id: ID!) { node(id: $id) { ... on ModelVersion { model { id } } } }"
GATE_SET = """mutation($input: PromotionGateSetInput!) { promotionGateSet(input: $input) {
  promotionGate { id } userErrors { field code message } } }"""
REQUEST_CREATE = """mutation($input: PromotionRequestCreateInput!) {
  promotionRequestCreate(input: $input) { promotionRequest { id } userErrors { field code message } } }"""

ORGANIZATION_LEVEL = {"Organization", "Environment", "GpuType", "IntegrationConfig",
                      "NotificationChannel", "NotificationRule", "Membership", "ApiKey",
                      "ServingEndpoint", "Alert"}  # fmt: skip

# Slots another check answers for, before the lookup, the same for a foreign id and a
# missing one: (caller, slot) -> (code, field).
ANSWERED_ELSEWHERE = {
    # The splits' deployments are looked up within the model and the environment: with a
    # model the caller cannot see, they are not found.
    ("outsider", "deploymentTrafficSet(input.modelId)"): (
        "NOT_FOUND", ("input", "splits", "0", "deploymentId")),
    ("hidden", "deploymentTrafficSet(input.modelId)"): (
        "NOT_FOUND", ("input", "splits", "0", "deploymentId")),
    # Notification rules are for organization admins, who see every project.
    ("hidden", "notificationRuleCreate(input.projectId)"): ("FORBIDDEN", ("input", "channelId")),
    ("hidden", "notificationRuleCreate(input.deploymentId)"): ("FORBIDDEN", ("input", "channelId")),
}  # fmt: skip


def rules_of(slot: IdSlot, mine: dict[str, str]) -> Any:
    """What a mutation's own rules need beyond values of the right type, so the request
    gets as far as the id (the slot's id is set after this)."""
    needs: dict[str, dict[str, Any]] = {
        "deploymentTrafficSet": {"splits": [{"deploymentId": mine["Deployment"], "percentage": 100}]},
        "artifactBuildFinish": {"status": "FAILED", "errorMessage": "x"},
        "patternJobFinish": {"status": "FAILED", "errorMessage": "x"},
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


def reached(outcome: Any, slot: IdSlot) -> bool:
    """The answer is NOT_FOUND on the slot itself: the request got as far as the id."""
    return any(
        code == "NOT_FOUND"
        and tuple(f for f in field if not f.isdigit())[: len(slot.path)] == slot.path
        for code, field, _ in outcome[1][1]
    )


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
    if "WorkflowConfig" not in ids:  # a WORKFLOW serve of the project, configured
        made = await client.mutate(WORKFLOW_MODEL, {"projectId": project, "name": "wf",
                                                    "modelType": "OTHER", "framework": "OTHER",
                                                    "serveType": "WORKFLOW"})  # fmt: skip
        node = {"instanceType": "n2", "cpuMillicores": 1000, "memoryMib": 1024}
        made = await client.mutate(WORKFLOW_SET, {
            "modelId": assert_ok(made)["model"]["id"], "environmentId": ids["Environment"],
            "headNode": node, "workerNode": node})  # fmt: skip
        ids["WorkflowConfig"] = assert_ok(made)["workflowConfig"]["id"]
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


async def outsider(victim: Any, make_tenant: Any, database_url: str) -> Any:
    """The victim's objects of every type; a member of another organization, with its own."""
    owner, extra = victim
    await seed_varied(database_url, owner.org_id, 21)
    attacker = await make_tenant("slots")
    await seed_varied(database_url, attacker.org_id, 22)
    theirs = await ids_by_type(owner.client, owner.org_slug, extra)
    mine = await ids_by_type(attacker.client, attacker.org_slug, {"o": attacker.org_id})
    mine.update(by_type((await build_graph(attacker.client, attacker.org_id)).values()))
    await complete(owner.client, theirs, database_url)
    await complete(attacker.client, mine, database_url)
    return owner, theirs, attacker.client, mine


async def hidden(make_tenant: Any, database_url: str, http: Any) -> Any:
    """The objects of a private project; a developer of the same organization who is not
    its member (owner of the other projects, so its own requests get as far as the id)."""
    owner = await make_tenant("slots-private")
    await seed_varied(database_url, owner.org_id, 23)
    inventory = await owner.client.on_resolvers().data(INVENTORY, {"slug": owner.org_slug})
    projects = inventory["organization"]["projects"]["nodes"]
    found = [{k: v for k, v in by_type(collect_ids(p)).items() if k in UNDER} for p in projects]
    richest = max(range(len(projects)), key=lambda i: len(found[i]))
    private, theirs = projects[richest], found[richest]
    public = projects[:richest] + projects[richest + 1 :]
    theirs["Project"] = private["id"]
    theirs["Environment"] = (await ids_by_type(owner.client, owner.org_slug, {}))["Environment"]
    await complete(owner.client, theirs, database_url)  # in the private project
    del theirs["Environment"]  # the organization's: every member sees it
    await set_visibility(owner, private["id"], "PRIVATE")
    developer, email = await member_with_email(owner, http, database_url, "DEVELOPER")
    graph = await build_graph(owner.client, owner.org_id)  # a deployment the developer owns
    for project in [*public, {"id": graph["project"]}]:
        role = {"projectId": project["id"], "email": email, "role": "OWNER"}
        assert_ok(await owner.client.mutate(MEMBER_SET, role))
    mine = await ids_by_type(developer, owner.org_slug, {"o": owner.org_id})
    mine.update(by_type(graph.values()))  # live ones, in a project the developer owns
    await complete(developer, mine, database_url, admin=False)
    overlap = set(mine.values()) & set(theirs.values())
    assert not overlap, [decode_any(i) for i in overlap]
    return owner, theirs, developer, mine


@pytest.fixture(params=["outsider", "hidden"])
async def unseen(request, victim, make_tenant, database_url, http):  # type: ignore[no-untyped-def]
    if request.param == "outsider":
        return request.param, await outsider(victim, make_tenant, database_url)
    return request.param, await hidden(make_tenant, database_url, http)


async def test_no_id_slot_tells_an_unseen_object_from_a_missing_one(unseen):
    """``outsider``: the objects are another organization's. ``hidden``: they are under a
    private project of the caller's own organization (slots of organization-level types,
    which a member may see, are not tried)."""
    caller, (owner, theirs, attacker, mine) = unseen
    before = await owner.client.data(SNAPSHOT, {"slug": owner.org_slug})
    twins = Twins()
    untried = sorted({slot.node_type for slot in SLOTS} - set(theirs))
    if caller == "outsider":
        assert not untried, f"the victim has no object of these types: {untried}"
    else:
        assert set(untried) <= ORGANIZATION_LEVEL, untried
    not_reached = {}
    for slot in SLOTS:
        if slot.node_type not in theirs:
            continue
        foreign, missing = theirs[slot.node_type], twins[slot.node_type]
        outcomes = []
        for value in (foreign, missing):
            adjust = rules_of(slot, mine)
            document, variables = request_for(SCHEMA, slot, value, mine, twins, adjust)
            response = await attacker.post(document, variables)
            assert response.status_code == 200, (str(slot), response.text)
            body = response.json()
            leaked = {i for i in IDS.findall(response.text) if i in theirs.values()} - {value}
            assert not leaked, (str(slot), leaked)
            outcomes.append(answer(body, value))
        (failed, learned), (_, twin_learned) = outcomes
        assert failed, f"{slot} accepted an unseen {slot.node_type}: {learned}"
        assert learned == twin_learned, (str(slot), learned, twin_learned)
        if not reached(outcomes[0], slot):
            not_reached[str(slot)] = learned
    for (who, name), answer_ in ANSWERED_ELSEWHERE.items():
        if who == caller and name in not_reached:
            assert answer_ in [u[:2] for u in not_reached.pop(name)[1]], name
    assert not not_reached, "\n".join(f"{k}: {v}" for k, v in not_reached.items())
    assert len(SLOTS) >= 100  # the walk found the schema's id slots
    after = await owner.client.data(SNAPSHOT, {"slug": owner.org_slug})
    assert after == before
