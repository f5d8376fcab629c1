"""A second organization tries every id-taking query and mutation on the first one's objects.

Each answers NOT_FOUND (or null) exactly as for an id that does not exist, never FORBIDDEN,
and nothing changes."""

from __future__ import annotations

import uuid

from app.api.ids import encode_id
from tests.api.test_alert_rules import PREDICTIONS, RULE_CREATE, RULE_UPDATE
from tests.api.test_deployment_lifecycle import ROLLBACK, TRAFFIC, TRANSITION, UPDATE
from tests.api.test_drift_and_embeddings import DRIFT, EMBED
from tests.api.test_experiments import RUN_UPDATE
from tests.api.test_notifications import CHANNEL, NRULE
from tests.api.test_registry import MODEL_DELETE, MODEL_UPDATE, PROJECT_DELETE, PROJECT_UPDATE
from tests.api.test_tenancy import (
    INVITE,
    KEY_CREATE,
    KEY_REVOKE,
    MEMBER_SET,
    REMOVE,
    ROLE_UPDATE,
    VIEWER,
)
from tests.helpers import (
    DEPLOYMENT_CREATE,
    ENVIRONMENT_CREATE,
    EXPERIMENT_CREATE,
    METRICS_RECORD,
    MODEL_CREATE,
    PROJECT_CREATE,
    RUN_CREATE,
    RUN_FINISH,
    RUN_METRICS_LOG,
    VERSION_CREATE,
    VERSION_TRANSITION,
    assert_error,
    assert_ok,
    build_graph,
    create_environment,
)

SNAPSHOT = """
query($slug: String!) {
  organization(slug: $slug) {
    members { totalCount nodes { role } }
    environments { totalCount nodes { name } }
    auditLogs(first: 100) { totalCount }
    notificationChannels(first: 5) { nodes { name rules(first: 5) { nodes { trigger } } } }
    projects(first: 5) { totalCount nodes {
      slug name description
      alertRules(first: 5) { nodes { threshold enabled } }
      experiments(first: 5) { nodes { name runs(first: 5) { nodes {
        status tags params metricSummary { key count last } } } } }
      models(first: 5) { totalCount nodes {
        name tags
        versions(first: 5) { totalCount nodes {
          version stage
          deployments(first: 5) { totalCount nodes {
            name status maxInstances trafficPercentage embeddingDimension
            monitoringMetrics(first: 1) { totalCount }
            alerts(first: 5) { nodes { status } }
            driftReports(first: 1) { totalCount }
            predictionStats { count }
          } }
        } }
      } }
    } }
  }
}"""

NOW = "2026-01-01T00:00:00+00:00"
RULE_DELETE = "mutation($input: AlertRuleDeleteInput!) { alertRuleDelete(input: $input) { alertRule { id } userErrors { field code message } } }"
ALERT_ACK = "mutation($input: AlertStatusInput!) { alertAcknowledge(input: $input) { alert { id } userErrors { field code message } } }"
ALERT_RESOLVE = "mutation($input: AlertStatusInput!) { alertResolve(input: $input) { alert { id } userErrors { field code message } } }"


def attempts(ids: dict[str, str], own_env: str) -> list[tuple[str, str, dict, list[str]]]:  # type: ignore[type-arg]
    """(name, document, input, expected error field) for every id-taking mutation."""
    return [
        (
            "projectCreate",
            PROJECT_CREATE,
            {"organizationId": ids["organization"], "slug": "x-x", "name": "x"},
            ["input", "organizationId"],
        ),
        (
            "projectUpdate",
            PROJECT_UPDATE,
            {"projectId": ids["project"], "name": "pwned"},
            ["input", "projectId"],
        ),
        (
            "projectMemberSet",
            MEMBER_SET,
            {"projectId": ids["project"], "email": "e@example.com", "role": "OWNER"},
            ["input", "projectId"],
        ),
        ("projectDelete", PROJECT_DELETE, {"projectId": ids["project"]}, ["input", "projectId"]),
        (
            "modelCreate",
            MODEL_CREATE,
            {"projectId": ids["project"], "name": "m", "modelType": "NLP", "framework": "ONNX"},
            ["input", "projectId"],
        ),
        (
            "modelUpdate",
            MODEL_UPDATE,
            {"modelId": ids["model"], "tags": ["pwned"]},
            ["input", "modelId"],
        ),
        ("modelDelete", MODEL_DELETE, {"modelId": ids["model"]}, ["input", "modelId"]),
        (
            "modelVersionCreate",
            VERSION_CREATE,
            {"modelId": ids["model"], "version": "9.9.9"},
            ["input", "modelId"],
        ),
        (
            "modelVersionTransition",
            VERSION_TRANSITION,
            {"modelVersionId": ids["version"], "stage": "STAGING"},
            ["input", "modelVersionId"],
        ),
        (
            "environmentCreate",
            ENVIRONMENT_CREATE,
            {"organizationId": ids["organization"], "name": "evil"},
            ["input", "organizationId"],
        ),
        (
            "deploymentCreate",
            DEPLOYMENT_CREATE,
            {"modelVersionId": ids["version"], "environmentId": ids["environment"], "name": "evil"},
            ["input", "modelVersionId"],
        ),
        (
            "deploymentCreate/own-env",
            DEPLOYMENT_CREATE,
            {"modelVersionId": ids["version"], "environmentId": own_env, "name": "evil"},
            ["input", "modelVersionId"],
        ),
        (
            "monitoringMetricsRecord",
            METRICS_RECORD,
            {
                "deploymentId": ids["deployment"],
                "points": [{"name": "x", "value": 1, "recordedAt": NOW}],
            },
            ["input", "deploymentId"],
        ),
        (
            "membershipInvite",
            INVITE,
            {"organizationId": ids["organization"], "email": "evil@example.com", "role": "ADMIN"},
            ["input", "organizationId"],
        ),
        (
            "membershipRoleUpdate",
            ROLE_UPDATE,
            {"membershipId": ids["membership"], "role": "VIEWER"},
            ["input", "membershipId"],
        ),
        (
            "membershipRemove",
            REMOVE,
            {"membershipId": ids["membership"]},
            ["input", "membershipId"],
        ),
        (
            "apiKeyCreate",
            KEY_CREATE,
            {"name": "evil", "organizationId": ids["organization"]},
            ["input", "organizationId"],
        ),
        ("apiKeyRevoke", KEY_REVOKE, {"apiKeyId": ids["api_key"]}, ["input", "apiKeyId"]),
        (
            "experimentCreate",
            EXPERIMENT_CREATE,
            {"projectId": ids["project"], "name": "evil"},
            ["input", "projectId"],
        ),
        ("runCreate", RUN_CREATE, {"experimentId": ids["experiment"]}, ["input", "experimentId"]),
        (
            "runUpdate",
            RUN_UPDATE,
            {"runId": ids["run"], "tags": {"pwned": True}},
            ["input", "runId"],
        ),
        ("runFinish", RUN_FINISH, {"runId": ids["run"], "status": "KILLED"}, ["input", "runId"]),
        (
            "runMetricsLog",
            RUN_METRICS_LOG,
            {"runId": ids["run"], "points": [{"key": "loss", "step": 1, "value": 9.0}]},
            ["input", "runId"],
        ),
        ("alertAcknowledge", ALERT_ACK, {"alertId": ids["alert"]}, ["input", "alertId"]),
        ("alertResolve", ALERT_RESOLVE, {"alertId": ids["alert"]}, ["input", "alertId"]),
        (
            "deploymentTransition",
            TRANSITION,
            {"deploymentId": ids["deployment"], "status": "DEPLOYING"},
            ["input", "deploymentId"],
        ),
        (
            "deploymentUpdate",
            UPDATE,
            {"deploymentId": ids["deployment"], "maxInstances": 9},
            ["input", "deploymentId"],
        ),
        (
            "deploymentRollback",
            ROLLBACK,
            {"deploymentId": ids["deployment"]},
            ["input", "deploymentId"],
        ),
        (
            "deploymentTrafficSet",
            TRAFFIC,
            {
                "modelId": ids["model"],
                "environmentId": ids["environment"],
                "splits": [{"deploymentId": ids["deployment"], "percentage": 100}],
            },
            ["input", "environmentId"],
        ),
        (
            "alertRuleCreate",
            RULE_CREATE,
            {
                "projectId": ids["project"],
                "name": "x",
                "metricName": "m",
                "comparator": "GT",
                "threshold": 1.0,
            },
            ["input", "projectId"],
        ),
        (
            "alertRuleUpdate",
            RULE_UPDATE,
            {"alertRuleId": ids["alert_rule"], "threshold": 5.0},
            ["input", "alertRuleId"],
        ),
        (
            "alertRuleDelete",
            RULE_DELETE,
            {"alertRuleId": ids["alert_rule"]},
            ["input", "alertRuleId"],
        ),
        (
            "predictionsRecord",
            PREDICTIONS,
            {"deploymentId": ids["deployment"], "predictions": [{"latencyMs": 1.0}]},
            ["input", "deploymentId"],
        ),
        (
            "driftReportCreate",
            DRIFT,
            {
                "deploymentId": ids["deployment"],
                "features": [
                    {"name": "f", "referenceCounts": [1.0, 1.0], "currentCounts": [1.0, 1.0]}
                ],
            },
            ["input", "deploymentId"],
        ),
        (
            "predictionEmbeddingsRecord",
            EMBED,
            {"deploymentId": ids["deployment"], "vectors": [[1.0, 0.0]]},
            ["input", "deploymentId"],
        ),
        (
            "notificationChannelCreate",
            CHANNEL,
            {
                "organizationId": ids["organization"],
                "name": "evil",
                "type": "WEBHOOK",
                "url": "http://127.0.0.1:9/evil",
            },
            ["input", "organizationId"],
        ),
        (
            "notificationRuleCreate",
            NRULE,
            {"channelId": ids["channel"], "trigger": "ALERT"},
            ["input", "channelId"],
        ),
    ]


def random_twin(global_id: str) -> str:
    """An id of the same type that exists nowhere."""
    import base64

    padded = global_id + "=" * (-len(global_id) % 4)
    type_name = base64.urlsafe_b64decode(padded).decode().split(":")[0]
    return encode_id(type_name, uuid.uuid4())


async def test_other_tenant_cannot_touch_anything(victim, make_tenant):
    owner, ids = victim
    before = await owner.client.data(SNAPSHOT, {"slug": owner.org_slug})
    attacker = await make_tenant("attacker")
    own_env = (await create_environment(attacker.client, attacker.org_id))["id"]

    for name, document, input, field in attempts(ids, own_env):
        payload = await attacker.client.mutate(document, input)
        error = assert_error(payload, "NOT_FOUND", field)
        # Indistinguishable from an id that does not exist at all.
        twin_input = {k: random_twin(v) if v in ids.values() else v for k, v in input.items()}
        twin = assert_error(await attacker.client.mutate(document, twin_input), "NOT_FOUND", field)
        assert twin["message"] == error["message"], name

    # Lineage cannot point at another tenant's run either.
    own = await build_graph(attacker.client, attacker.org_id)
    lineage = await attacker.client.mutate(
        VERSION_CREATE, {"modelId": own["model"], "version": "6.6.6", "runId": ids["run"]}
    )
    assert_error(lineage, "NOT_FOUND", ["input", "runId"])

    # Reads: null, like a missing id.
    for global_id in ids.values():
        data = await attacker.client.data(
            "query($id: ID!) { node(id: $id) { id } }", {"id": global_id}
        )
        assert data["node"] is None
    data = await attacker.client.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": list(ids.values())}
    )
    assert data["nodes"] == [None] * len(ids)
    data = await attacker.client.data(SNAPSHOT, {"slug": owner.org_slug})
    assert data["organization"] is None
    # A deployment filter naming the victim's environment matches nothing of the attacker's.
    data = await attacker.client.data(
        "query($s: String!, $e: ID!) { organization(slug: $s) { projects { nodes { "
        "deployments(filter: {environmentId: [$e]}) { totalCount } } } } }",
        {"s": attacker.org_slug, "e": ids["environment"]},
    )
    projects = data["organization"]["projects"]["nodes"]
    assert projects and all(p["deployments"]["totalCount"] == 0 for p in projects)

    after = await owner.client.data(SNAPSHOT, {"slug": owner.org_slug})
    assert after == before
    # The victim's key still works (it was not revoked).
    assert (await owner.client.post(VIEWER)).status_code == 200


async def test_narrowed_key_still_sees_its_own_organization(victim, make_tenant, http):
    """The isolation above is not blanket denial: the owner reads its objects by id."""
    from tests.conftest import GraphQLClient

    owner, ids = victim
    narrow = assert_ok(
        await owner.client.mutate(KEY_CREATE, {"name": "n", "organizationId": owner.org_id})
    )
    client = GraphQLClient(http, narrow["secret"])
    data = await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": ids["project"]})
    assert data["node"] == {"id": ids["project"]}
