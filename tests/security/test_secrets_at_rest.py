"""Credentials (webhook signing secrets, Slack webhook URLs) are sealed at rest with the
server's key: the database holds no usable copy, deliveries still sign and send."""

from __future__ import annotations

from sqlalchemy import text

from app.db.engine import make_engine
from app.domain.secrets import PREFIX, SecretBox
from app.settings import Settings
from tests.api.test_notifications import CHANNEL, channel
from tests.conftest import TEST_SECRET_KEY, TEST_SETTINGS, serve
from tests.helpers import assert_ok, unique


async def raw_channel(database_url: str, name: str) -> tuple[str | None, dict]:  # type: ignore[type-arg]
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text("SELECT secret, config FROM notification_channels WHERE name = :n"),
                    {"n": name},
                )
            ).one()
    finally:
        await engine.dispose()
    return row.secret, row.config


async def test_secrets_and_slack_urls_are_sealed_in_the_database(tenant, receiver, database_url):
    hook = await channel(
        tenant.client, tenant.org_id, f"{receiver.base_url}/sealed", secret="s3cret-value"
    )
    slack_url = "https://hooks.slack.com/services/T1/B2/very-secret-token"
    slack_name = unique("slack")
    assert_ok(
        await tenant.client.mutate(
            CHANNEL,
            {
                "organizationId": tenant.org_id,
                "name": slack_name,
                "type": "SLACK",
                "url": slack_url,
            },
        )
    )
    secret, config = await raw_channel(database_url, hook["name"])
    assert secret is not None and secret.startswith(PREFIX) and "s3cret" not in secret
    assert SecretBox(TEST_SECRET_KEY).open(secret) == "s3cret-value"
    assert config["url"] == f"{receiver.base_url}/sealed"  # a plain webhook URL is no secret
    _, slack_config = await raw_channel(database_url, slack_name)
    assert slack_config["url"].startswith(PREFIX) and "very-secret" not in slack_config["url"]


async def test_plaintext_secrets_left_from_before_are_sealed_at_startup(tenant, database_url):
    hook = await channel(tenant.client, tenant.org_id, "https://example.com/hook")
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    async with engine.begin() as conn:  # as rows written before secrets were sealed
        await conn.execute(
            text("UPDATE notification_channels SET secret = 'plain-old' WHERE name = :n"),
            {"n": hook["name"]},
        )
    await engine.dispose()
    async with serve(Settings(database_url=database_url, **TEST_SETTINGS)):  # type: ignore[arg-type]
        pass
    secret, _ = await raw_channel(database_url, hook["name"])
    assert secret is not None and secret.startswith(PREFIX)
    assert SecretBox(TEST_SECRET_KEY).open(secret) == "plain-old"
