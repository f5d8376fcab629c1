"""Shared by the tests of security/tenant_isolation and others (from tests/security/test_tenant_isolation.py)."""

from __future__ import annotations

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
)
from tests.support.alert_rules import PREDICTIONS, RULE_CREATE, RULE_UPDATE
from tests.support.deployment_lifecycle import ROLLBACK, TRAFFIC, TRANSITION, UPDATE
from tests.support.drift_and_embeddings import DRIFT, EMBED
from tests.support.experiments import RUN_UPDATE
from tests.support.notifications import CHANNEL, NRULE
from tests.support.registry import MODEL_DELETE, MODEL_UPDATE, PROJECT_DELETE, PROJECT_UPDATE
from tests.support.tenancy import (
    INVITE,
    KEY_CREATE,
    KEY_REVOKE,
    MEMBER_SET,
    REMOVE,
    ROLE_UPDATE,
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
