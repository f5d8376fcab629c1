"""Alerts opened by hand (issue 13): about a deployment or the whole organization, of a
checked type; they notify ALERT rules, are listed under the organization, and move
through acknowledge and resolve like any alert."""

from __future__ import annotations

from app.api.ids import decode_id
from tests.helpers import USER_ERRORS, assert_error, assert_ok, build_graph
from tests.support.notifications import NRULE, channel, deliveries
from tests.support.tenancy import INVITE, ROLE_UPDATE, my_membership_id

CREATE = f"""mutation($input: AlertCreateInput!) {{
  alertCreate(input: $input) {{ alert {{ id alertType severity status title message
    deployment {{ id }} createdBy {{ email }} }} {USER_ERRORS} }} }}"""
RESOLVE = f"""mutation($input: AlertStatusInput!) {{
  alertResolve(input: $input) {{ alert {{ id status resolvedBy {{ email }} }} {USER_ERRORS} }} }}"""
LIST = """query($slug: String!) { organization(slug: $slug) {
  all: alerts { nodes { id alertType deployment { id } } }
  high: alerts(severity: [HIGH], status: [OPEN]) { nodes { id } } } }"""


async def test_organization_and_deployment_alerts_opened_by_hand(tenant, receiver):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    hook = await channel(client, tenant.org_id, f"{receiver.base_url}/manual-{tenant.org_slug}")
    assert_ok(await client.mutate(NRULE, {"channelId": hook["id"], "trigger": "ALERT",
                                          "minSeverity": "HIGH"}))  # fmt: skip
    org_alert = assert_ok(await client.mutate(CREATE, {
        "organizationId": tenant.org_id, "alertType": "ERROR_RATE", "severity": "HIGH",
        "title": " Payments errors up ", "message": "upstream incident"}))["alert"]  # fmt: skip
    assert (org_alert["alertType"], org_alert["status"], org_alert["title"]) == (
        "error_rate", "OPEN", "Payments errors up")  # fmt: skip
    assert org_alert["deployment"] is None and org_alert["createdBy"]["email"] == tenant.email
    dep_alert = assert_ok(await client.mutate(CREATE, {
        "deploymentId": ids["deployment"], "severity": "LOW", "title": "slow canary"}))["alert"]  # fmt: skip
    assert dep_alert["alertType"] == "custom" and dep_alert["deployment"] == {
        "id": ids["deployment"]
    }

    listed = (await client.data(LIST, {"slug": tenant.org_slug}))["organization"]
    assert [a["id"] for a in listed["all"]["nodes"]] == [dep_alert["id"], org_alert["id"]]
    assert [a["id"] for a in listed["high"]["nodes"]] == [org_alert["id"]]
    nodes = await deliveries(client, hook["id"], lambda n: n and n[0]["status"] == "DELIVERED")
    org_alert_uuid = str(decode_id(org_alert["id"], "Alert", []))
    assert [n["payload"]["alert_id"] for n in nodes] == [org_alert_uuid]  # LOW: below the rule

    resolved = assert_ok(await client.mutate(RESOLVE, {"alertId": org_alert["id"]}))["alert"]
    assert resolved["status"] == "RESOLVED" and resolved["resolvedBy"]["email"] == tenant.email


async def test_who_may_open_alerts(tenant, make_tenant):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    blank = await client.mutate(CREATE, {"organizationId": tenant.org_id, "severity": "LOW",
                                         "title": "   "})  # fmt: skip
    assert_error(blank, "VALIDATION", ["input", "title"])
    nowhere = await client.mutate(CREATE, {"severity": "LOW", "title": "x"})
    assert_error(nowhere, "NOT_FOUND", ["input", "organizationId"])
    other = await make_tenant("alertx")
    for input in ({"organizationId": tenant.org_id}, {"deploymentId": ids["deployment"]}):
        theirs = await other.client.mutate(CREATE, {**input, "severity": "LOW", "title": "x"})
        assert theirs["userErrors"][0]["code"] == "NOT_FOUND"
    # A viewer of the organization opens none.
    assert_ok(await client.mutate(INVITE, {"organizationId": tenant.org_id,
                                           "email": "alert-admin@example.com", "role": "ADMIN"}))  # fmt: skip
    own = await my_membership_id(client, tenant.org_slug)
    assert_ok(await client.mutate(ROLE_UPDATE, {"membershipId": own, "role": "VIEWER"}))
    refused = await client.mutate(CREATE, {"organizationId": tenant.org_id, "severity": "LOW",
                                           "title": "x"})  # fmt: skip
    assert_error(refused, "FORBIDDEN")
