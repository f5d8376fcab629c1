"""node(id:) applies the permission of the list that shows the object: a viewer of an
organization cannot read admin-only rows (audit log, notification deliveries) by id, and
does not see credentials (a Slack webhook URL)."""

from __future__ import annotations

from tests.helpers import assert_ok, unique
from tests.support.notifications import CHANNEL
from tests.support.tenancy import INVITE, bootstrap_key_for

AUDIT = """query($slug: String!) { organization(slug: $slug) { auditLogs(first: 1) { nodes { id } } } }"""
NODE = """query($id: ID!) { node(id: $id) { id __typename } }"""
CHANNEL_CONFIG = """query($id: ID!) { node(id: $id) { ... on NotificationChannel { config } } }"""


async def test_a_viewer_cannot_read_admin_only_rows_by_id(tenant, http, database_url):
    email = f"viewer-{tenant.org_slug}@example.com"
    invite = {"organizationId": tenant.org_id, "email": email, "role": "VIEWER"}
    assert_ok(await tenant.client.mutate(INVITE, invite))
    viewer = await bootstrap_key_for(database_url, http, email)
    audit = await tenant.client.data(AUDIT, {"slug": tenant.org_slug})
    entry_id = audit["organization"]["auditLogs"]["nodes"][0]["id"]
    assert (await tenant.client.data(NODE, {"id": entry_id}))["node"]["id"] == entry_id
    assert (await viewer.data(NODE, {"id": entry_id}))["node"] is None

    slack = "https://hooks.slack.com/services/T000/B000/secret"
    channel = assert_ok(
        await tenant.client.mutate(
            CHANNEL,
            {
                "organizationId": tenant.org_id,
                "name": unique("slack"),
                "type": "SLACK",
                "url": slack,
            },
        )
    )["notificationChannel"]
    for client in (tenant.client, viewer):  # never returned, to admins neither
        config = (await client.data(CHANNEL_CONFIG, {"id": channel["id"]}))["node"]["config"]
        assert config == {"url": None, "urlHint": "https://hooks.slack.com/…"}
