"""Organizations (issue 13): admins change the name, plan (checked against what is used),
billing email and settings, and retire the organization; operators suspend one with
`mlgraph organization-status`, after which every write in it answers
ORGANIZATION_READ_ONLY while reads go on."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import (
    PROJECT_CREATE,
    USER_ERRORS,
    assert_error,
    assert_ok,
    build_graph,
    create_model,
    create_project,
    create_run,
    unique,
)
from tests.support.operations import run_cli
from tests.support.organization_admin import DELETE, ORG
from tests.support.tenancy import INVITE, ORG_CREATE, ROLE_UPDATE, my_membership_id

READ = "query($slug: String!) { organization(slug: $slug) { name status projects { totalCount } } }"
LOG = f"""mutation($input: RunMetricsLogInput!) {{
  runMetricsLog(input: $input) {{ loggedCount {USER_ERRORS} }} }}"""


async def update(client: GraphQLClient, org_id: str, **fields: Any) -> dict[str, Any]:
    return await client.mutate(ORG, {"organizationId": org_id, **fields})


async def test_admins_change_name_billing_email_and_settings(tenant, make_tenant):
    client = tenant.client
    done = assert_ok(await update(client, tenant.org_id, name=" Acme Risk ",
                                  billingEmail="Billing@Acme.example",
                                  settings={"default_region": "eu-west-1"}))  # fmt: skip
    org = done["organization"]
    assert (org["name"], org["billingEmail"], org["settings"]) == (
        "Acme Risk", "billing@acme.example", {"default_region": "eu-west-1"})  # fmt: skip
    cleared = assert_ok(await update(client, tenant.org_id, billingEmail=None))
    assert cleared["organization"]["billingEmail"] is None
    assert cleared["organization"]["name"] == "Acme Risk"  # untouched
    assert_error(await update(client, tenant.org_id, billingEmail="nope"), "VALIDATION",
                 ["input", "billingEmail"])  # fmt: skip
    assert_error(await update(client, tenant.org_id, name="  "), "VALIDATION", ["input", "name"])
    other = await make_tenant("orgx")
    assert_error(await update(other.client, tenant.org_id, name="x"), "NOT_FOUND")
    # A developer is no admin.
    assert_ok(await client.mutate(INVITE, {"organizationId": tenant.org_id,
                                           "email": "org-admin@example.com", "role": "ADMIN"}))  # fmt: skip
    own = await my_membership_id(client, tenant.org_slug)
    assert_ok(await client.mutate(ROLE_UPDATE, {"membershipId": own, "role": "DEVELOPER"}))
    assert_error(await update(client, tenant.org_id, name="mine"), "FORBIDDEN")


async def test_a_plan_change_must_fit_what_the_organization_uses(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    for _ in range(3):
        await create_model(client, project)
    error = assert_error(await update(client, tenant.org_id, plan="STARTER"), "QUOTA_EXCEEDED",
                         ["input", "plan"])  # fmt: skip
    assert "2 models" in error["message"] and "has 3" in error["message"]
    assert assert_ok(await update(client, tenant.org_id, plan="PROFESSIONAL"))["organization"][
        "plan"] == "PROFESSIONAL"  # fmt: skip


async def test_a_suspended_organization_is_read_only(tenant, http, database_url):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    run = (await create_run(client, tenant.org_id))["run"]
    done = run_cli("organization-status", "--organization", tenant.org_slug,
                   "--status", "suspended", database_url=database_url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    # The server hears of it through NOTIFY: wait for the outcome, not for a duration.
    for _ in range(200):
        payload = await update(client, tenant.org_id, name="still writable?")
        if payload["userErrors"]:
            break
        await asyncio.sleep(0.05)
    assert_error(payload, "ORGANIZATION_READ_ONLY", ["input", "organizationId"])
    project = await client.mutate(PROJECT_CREATE, {"organizationId": tenant.org_id,
                                                   "slug": unique("p"), "name": "P"})  # fmt: skip
    assert_error(project, "ORGANIZATION_READ_ONLY")
    points = [{"key": "loss", "step": 0, "value": 1.0}]
    assert_error(await client.mutate(LOG, {"runId": run, "points": points}),
                 "ORGANIZATION_READ_ONLY")  # fmt: skip
    read = (await client.data(READ, {"slug": tenant.org_slug}))["organization"]
    assert read["status"] == "SUSPENDED" and read["projects"]["totalCount"] == 2
    assert ids["deployment"]
    # Reactivated, it is writable again.
    again = run_cli("organization-status", "--organization", tenant.org_slug,
                    "--status", "active", database_url=database_url)  # fmt: skip
    assert again.returncode == 0, again.stderr
    for _ in range(200):
        payload = await update(client, tenant.org_id, name="writable again")
        if not payload["userErrors"]:
            break
        await asyncio.sleep(0.05)
    assert_ok(payload)
    unknown = run_cli("organization-status", "--organization", "no-such-org",
                      "--status", "active", database_url=database_url)  # fmt: skip
    assert unknown.returncode == 2 and "no-such-org" in unknown.stderr


async def test_an_admin_retires_the_organization(tenant):
    client = tenant.client
    await build_graph(client, tenant.org_id)
    wrong = await client.mutate(DELETE, {"organizationId": tenant.org_id, "confirmSlug": "x"})
    assert_error(wrong, "VALIDATION", ["input", "confirmSlug"])
    done = await client.mutate(
        DELETE, {"organizationId": tenant.org_id, "confirmSlug": tenant.org_slug}
    )
    assert assert_ok(done)["organization"]["slug"] == tenant.org_slug
    assert (await client.data(READ, {"slug": tenant.org_slug}))["organization"] is None
    assert_error(await update(client, tenant.org_id, name="ghost"), "NOT_FOUND")
    # The slug is free again.
    made = await client.mutate(ORG_CREATE, {"slug": tenant.org_slug, "name": "Again"})
    assert assert_ok(made)["organization"]["slug"] == tenant.org_slug
