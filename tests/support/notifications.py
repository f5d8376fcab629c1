"""Shared by the tests of api/notifications and others (from tests/api/test_notifications.py)."""

from __future__ import annotations

import asyncio

from tests.helpers import (
    USER_ERRORS,
    assert_ok,
    unique,
)

CHANNEL = f"""mutation($input: NotificationChannelCreateInput!) {{
  notificationChannelCreate(input: $input) {{ notificationChannel {{ id name type config hasSecret }} {USER_ERRORS} }} }}"""


NRULE = f"""mutation($input: NotificationRuleCreateInput!) {{
  notificationRuleCreate(input: $input) {{ notificationRule {{ id trigger }} {USER_ERRORS} }} }}"""


DELIVERIES = """query($id: ID!) { node(id: $id) { ... on NotificationChannel {
  deliveries { nodes { eventType status attempts lastError payload
    attemptLog { nodes { attempt statusCode succeeded error } } } } } } }"""


async def channel(client, org_id, url, **fields):  # type: ignore[no-untyped-def]
    input = {
        "organizationId": org_id,
        "name": unique("ch"),
        "type": "WEBHOOK",
        "url": url,
        **fields,
    }
    return assert_ok(await client.mutate(CHANNEL, input))["notificationChannel"]


async def deliveries(client, channel_id, until, seconds=10.0):  # type: ignore[no-untyped-def]
    """Poll until ``until(deliveries)`` holds (the worker sends in the background)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        data = await client.data(DELIVERIES, {"id": channel_id})
        nodes = data["node"]["deliveries"]["nodes"]
        if until(nodes) or asyncio.get_running_loop().time() > deadline:
            return nodes
        await asyncio.sleep(0.1)
