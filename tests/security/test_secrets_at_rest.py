"""Credentials (webhook signing secrets, Slack webhook URLs) are sealed at rest with the
server's key: the database holds no usable copy, deliveries still sign and send."""

from __future__ import annotations

from sqlalchemy import text

from app.db.engine import make_engine
from app.domain.secrets import PREFIX, SecretBox
from app.settings import Settings
from tests.conftest import TEST_SECRET_KEY, TEST_SETTINGS, serve
from tests.helpers import assert_error, assert_ok, unique
from tests.support.notifications import CHANNEL, channel
from tests.support.serving_runtime import CONFIG_SET, setup


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


CREDENTIAL_KEYS = ("aws_secret_access_key", "secret_key", "passphrase", "credentials",
                   "client_secret_value", "db_pass", "pwd", "auth_header", "bearer",
                   "signing_key", "connection_string", "api_token", "clientsecret",
                   "constructor", "prototype")  # fmt: skip
PLAIN_KEYS = ("token_secret_ref", "author", "passage", "region", "partition_count")


async def test_integration_configs_refuse_credential_keys_by_rule(tenant):
    """Every member reads an environment's integration configs: a key that names a
    credential is refused however it is spelt; a reference to a stored secret is not."""
    environment = (await setup(tenant.client, tenant.org_id))["env"]
    for key in CREDENTIAL_KEYS:
        input = {"environmentId": environment, "type": "SERVING", "tool": "bentoml",
                 "config": {key: "value"}}  # fmt: skip
        refused = assert_error(await tenant.client.mutate(CONFIG_SET, input), "VALIDATION",
                               ["input", "config"])  # fmt: skip
        assert refused["message"].startswith(f"{key}: looks like a credential"), refused
    plain = {key: "value" for key in PLAIN_KEYS}
    input = {"environmentId": environment, "type": "SERVING", "tool": "bentoml", "config": plain}
    assert_ok(await tenant.client.mutate(CONFIG_SET, input))
