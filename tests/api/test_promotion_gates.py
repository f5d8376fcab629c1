"""Registry rules as code (issue 29, item 4): a gate on a model's stage or alias wants
approvals from reviewers with a role and checks (a metric bound of the source run, no open
alert at a severity, verified datasets), enforced in the transition's transaction; the
requests that pass it are listed, reviewed, audited and notified."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
    VERSION_CREATE,
    VERSION_TRANSITION,
    assert_error,
    assert_ok,
    create_model,
    create_run,
)
from tests.support.datasets import INPUTS, SHA, dataset, verify, version
from tests.support.health import RESOLVE, log_series, rule, run_alerts
from tests.support.project_visibility import member_with_email

GATE = f"""mutation($input: PromotionGateSetInput!) {{ promotionGateSet(input: $input) {{
  promotionGate {{ id targetStage targetAlias requiredApprovals reviewerRole
    metricBounds {{ metric min max }} maxOpenAlertSeverity requireVerifiedDatasets }}
  {USER_ERRORS} }} }}"""
REQUEST_FIELDS = f"""promotionRequest {{ id status reason targetStage targetAlias
    reviews {{ nodes {{ approve comment reviewer {{ email }} }} }} }}
  approvals approvalsNeeded checks {{ name passed detail }} {USER_ERRORS}"""
CREATE = f"""mutation($input: PromotionRequestCreateInput!) {{
  promotionRequestCreate(input: $input) {{ {REQUEST_FIELDS} }} }}"""
REVIEW = f"""mutation($input: PromotionRequestReviewInput!) {{
  promotionRequestReview(input: $input) {{ {REQUEST_FIELDS} }} }}"""
APPLY = f"""mutation($input: PromotionRequestInput!) {{
  promotionRequestApply(input: $input) {{ {REQUEST_FIELDS} }} }}"""
ALIAS_SET = f"""mutation($input: ModelAliasSetInput!) {{
  modelAliasSet(input: $input) {{ modelAlias {{ name }} {USER_ERRORS} }} }}"""
STATE = """query($id: ID!) { node(id: $id) { ... on ModelVersion { stage
  promotionRequests { nodes { status } } } } }"""
AUDIT = """query($slug: String!) { organization(slug: $slug) {
  auditLogs(first: 100) { nodes { action } } } }"""


async def trained_version(client: GraphQLClient, org_id: str) -> dict[str, str]:
    """A run that logged val/auc 0.85 and consumed a dataset version not yet verified; a
    model version made from it."""
    ids = await create_run(client, org_id)
    assert_ok(await log_series(client, ids["run"], "val/auc", [0, 1], [0.7, 0.85]))
    data = await dataset(client, ids["project"], "reviews")
    made = assert_ok(await version(client, data, "1.0", versioningSystem="DVC",
                                   externalVersionId="a1", storageUri="s3://d/1",
                                   checksum={"algorithm": "SHA256", "digest": SHA}))  # fmt: skip
    data_version = made["datasetVersion"]["id"]
    assert_ok(await client.mutate(INPUTS, {"runId": ids["run"],
                                           "inputs": [{"datasetVersionId": data_version}]}))  # fmt: skip
    model = (await create_model(client, ids["project"]))["id"]
    made = await client.mutate(VERSION_CREATE, {"modelId": model, "version": "1.0.0",
                                                "runId": ids["run"]})  # fmt: skip
    return {**ids, "model": model, "version": assert_ok(made)["modelVersion"]["id"],
            "data_version": data_version}  # fmt: skip


def request_of(payload: dict[str, Any]) -> dict[str, Any]:
    return assert_ok(payload)["promotionRequest"]  # type: ignore[no-any-return]


async def test_production_needs_two_developer_approvals_and_passing_checks(
    tenant, make_tenant, http, database_url
):
    client = tenant.client
    ids = await trained_version(client, tenant.org_id)
    first, first_email = await member_with_email(tenant, http, database_url, "DEVELOPER")
    second, _ = await member_with_email(tenant, http, database_url, "DEVELOPER")
    gate = {"modelId": ids["model"], "stage": "PRODUCTION", "requiredApprovals": 2,
            "reviewerRole": "DEVELOPER", "metricBounds": [{"metric": "val/auc", "min": 0.9}],
            "maxOpenAlertSeverity": "HIGH", "requireVerifiedDatasets": True}  # fmt: skip
    assert_error(await first.mutate(GATE, gate), "FORBIDDEN")  # gates are admins' to set
    made = assert_ok(await client.mutate(GATE, gate))["promotionGate"]
    assert made["metricBounds"] == [{"metric": "val/auc", "min": 0.9, "max": None}]

    # Straight to production: refused, saying what to do; staging has no gate.
    direct = await client.mutate(VERSION_TRANSITION, {"modelVersionId": ids["version"],
                                                      "stage": "PRODUCTION"})  # fmt: skip
    assert_error(direct, "FORBIDDEN", ["input", "stage"])
    assert "needs 2 approval(s) from developers" in direct["userErrors"][0]["message"]
    assert_ok(await client.mutate(VERSION_TRANSITION, {"modelVersionId": ids["version"],
                                                       "stage": "STAGING"}))  # fmt: skip

    opened = await client.mutate(CREATE, {"modelVersionId": ids["version"],
                                          "stage": "PRODUCTION"})  # fmt: skip
    request = request_of(opened)
    assert (request["status"], opened["approvalsNeeded"]) == ("PENDING", 2)
    assert {c["name"]: c["passed"] for c in opened["checks"]} == {
        "metric:val/auc": False, "alerts": True, "datasets": False}  # fmt: skip
    again = await client.mutate(CREATE, {"modelVersionId": ids["version"], "stage": "PRODUCTION"})
    assert_error(again, "CONFLICT", ["input", "modelVersionId"])

    review = {"promotionRequestId": request["id"], "approve": True}
    assert_error(await client.mutate(REVIEW, review), "FORBIDDEN")  # not one's own
    stranger = (await make_tenant("gates")).client
    assert_error(await stranger.mutate(REVIEW, review), "NOT_FOUND",
                 ["input", "promotionRequestId"])  # fmt: skip
    one = await first.mutate(REVIEW, {**review, "comment": "looks good"})
    assert (request_of(one)["status"], one["approvals"]) == ("PENDING", 1)
    assert request_of(one)["reason"] == "1 of 2 approvals"
    assert_error(await first.mutate(REVIEW, review), "CONFLICT")  # once each
    two = await second.mutate(REVIEW, review)
    assert request_of(two)["status"] == "PENDING" and two["approvals"] == 2
    assert request_of(two)["reason"].startswith("approved; checks failing: metric:val/auc: "
                                                "last val/auc is 0.85 (wanted >= 0.9)")  # fmt: skip
    assert (await client.data(STATE, {"id": ids["version"]}))["node"]["stage"] == "STAGING"

    # The run gets better and its data is verified: applying now moves it.
    assert_ok(await log_series(client, ids["run"], "val/auc", [2], [0.93]))
    assert_ok(await verify(client, ids["data_version"]))
    applied = await client.mutate(APPLY, {"promotionRequestId": request["id"]})
    done = request_of(applied)
    assert (done["status"], done["reason"]) == ("APPLIED", "2 approval(s); checks passed")
    assert [r["reviewer"]["email"] for r in done["reviews"]["nodes"]][0] == first_email
    state = (await client.data(STATE, {"id": ids["version"]}))["node"]
    assert state == {"stage": "PRODUCTION", "promotionRequests": {"nodes": [{"status": "APPLIED"}]}}
    actions = {n["action"] for n in (await client.data(AUDIT, {"slug": tenant.org_slug}))[
        "organization"]["auditLogs"]["nodes"]}  # fmt: skip
    assert {"promotion_gate.set", "promotion_request.create", "promotion_request.review",
            "promotion_request.apply"} <= actions  # fmt: skip


async def test_an_alias_gate_with_checks_only_and_a_rejection(tenant, http, database_url):
    client = tenant.client
    ids = await trained_version(client, tenant.org_id)
    assert_ok(await client.mutate(GATE, {"modelId": ids["model"], "alias": "champion",
                                         "requiredApprovals": 0,
                                         "maxOpenAlertSeverity": "LOW"}))  # fmt: skip
    await rule(client, ids["project"], {"nonFinite": {}}, name="nan")
    assert_ok(await log_series(client, ids["run"], "loss", [0], ["NaN"]))  # opens an alert
    point = {"modelId": ids["model"], "name": "champion", "modelVersionId": ids["version"]}
    refused = await client.mutate(ALIAS_SET, point)
    assert_error(refused, "INVALID_TRANSITION", ["input", "name"])
    assert "alerts: 1 open alert(s) at low or above" in refused["userErrors"][0]["message"]
    [alert] = (await run_alerts(client, ids["run"]))["nodes"]
    assert_ok(await client.mutate(RESOLVE, {"alertId": alert["id"]}))
    assert assert_ok(await client.mutate(ALIAS_SET, point))["modelAlias"]["name"] == "champion"
    # Other aliases have no gate.
    assert_ok(await client.mutate(ALIAS_SET, {**point, "name": "challenger"}))

    # With approvals wanted, a reviewer's no ends the request.
    assert_ok(await client.mutate(GATE, {"modelId": ids["model"], "stage": "STAGING",
                                         "requiredApprovals": 1}))  # fmt: skip
    reviewer, _ = await member_with_email(tenant, http, database_url, "ADMIN")
    request = request_of(await client.mutate(CREATE, {"modelVersionId": ids["version"],
                                                      "stage": "STAGING"}))  # fmt: skip
    said = await reviewer.mutate(REVIEW, {"promotionRequestId": request["id"], "approve": False,
                                          "comment": "needs the fairness report"})  # fmt: skip
    assert (request_of(said)["status"], request_of(said)["reason"]) == (
        "REJECTED", "rejected: needs the fairness report")  # fmt: skip
    late = await reviewer.mutate(REVIEW, {"promotionRequestId": request["id"], "approve": True})
    assert_error(late, "INVALID_TRANSITION", ["input", "promotionRequestId"])
    assert (await client.data(STATE, {"id": ids["version"]}))["node"]["stage"] == "DEVELOPMENT"
