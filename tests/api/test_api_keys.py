"""API keys (issue 13): a user lists their keys (`viewer.apiKeys`), rotates them (with a
grace period), and can mint ingest-only keys for training scripts — which log metrics,
predictions and embeddings and do nothing else, not even read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from gql import gql
from gql.transport.exceptions import TransportQueryError

from tests.conftest import GraphQLClient
from tests.helpers import (
    METRICS_RECORD,
    USER_ERRORS,
    assert_error,
    assert_ok,
    build_graph,
    create_run,
)
from tests.support.real_clients import TRANSPORT_WS, ws_client
from tests.support.tenancy import KEY_CREATE, KEY_REVOKE

KEYS = """query($revoked: Boolean) { viewer { apiKeys(revoked: $revoked) { totalCount
  nodes { id name prefix scopes lastUsedAt revokedAt expiresAt organization { slug } } } } }"""
ROTATE = f"""mutation($input: ApiKeyRotateInput!) {{
  apiKeyRotate(input: $input) {{ apiKey {{ id name prefix scopes expiresAt organization {{ slug }} }}
    secret previous {{ id revokedAt expiresAt }} {USER_ERRORS} }} }}"""
LOG = f"""mutation($input: RunMetricsLogInput!) {{
  runMetricsLog(input: $input) {{ loggedCount {USER_ERRORS} }} }}"""
PREDICT = f"""mutation($input: PredictionsRecordInput!) {{
  predictionsRecord(input: $input) {{ recordedCount {USER_ERRORS} }} }}"""
ORG = "query($slug: String!) { organization(slug: $slug) { id name } }"


async def new_key(client: GraphQLClient, **input: object) -> tuple[str, str]:
    made = assert_ok(await client.mutate(KEY_CREATE, {"name": "k", **input}))
    return made["apiKey"]["id"], made["secret"]


async def test_a_user_lists_their_keys_with_last_use(tenant, http):
    client = tenant.client
    key_id, secret = await new_key(client, name="ci", organizationId=tenant.org_id,
                                   scopes=["READ"])  # fmt: skip
    other_id, _ = await new_key(client, name="laptop")
    used = GraphQLClient(http, secret)
    await used.data(ORG, {"slug": tenant.org_slug})  # the ci key authenticates once
    assert_ok(await client.mutate(KEY_REVOKE, {"apiKeyId": other_id}))

    everything = (await client.data(KEYS))["viewer"]["apiKeys"]
    by_id = {k["id"]: k for k in everything["nodes"]}
    ci = by_id[key_id]
    assert (ci["name"], ci["scopes"], ci["organization"]) == (
        "ci", ["READ"], {"slug": tenant.org_slug})  # fmt: skip
    assert ci["lastUsedAt"] is not None and secret.startswith(ci["prefix"])
    assert by_id[other_id]["revokedAt"] is not None
    live = (await client.data(KEYS, {"revoked": False}))["viewer"]["apiKeys"]["nodes"]
    assert other_id not in {k["id"] for k in live} and key_id in {k["id"] for k in live}
    revoked = (await client.data(KEYS, {"revoked": True}))["viewer"]["apiKeys"]["nodes"]
    assert [k["id"] for k in revoked] == [other_id]
    # Nobody else sees them, even an admin of the same organization: a key is its owner's.
    stranger = await used.data(KEYS)  # the ci key is another of the same user's...
    assert key_id in {k["id"] for k in stranger["viewer"]["apiKeys"]["nodes"]}
    anonymous = await GraphQLClient(http, None).data(KEYS)
    assert anonymous["viewer"] is None


async def test_rotation_issues_a_new_secret_and_retires_the_old_key(tenant, http, make_tenant):
    client = tenant.client
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    key_id, secret = await new_key(client, name="trainer", scopes=["READ", "WRITE"],
                                   expiresAt=expires)  # fmt: skip
    old = GraphQLClient(http, secret)
    rotated = assert_ok(await client.mutate(ROTATE, {"apiKeyId": key_id}))
    assert (rotated["apiKey"]["name"], rotated["apiKey"]["scopes"]) == (
        "trainer",
        ["READ", "WRITE"],
    )
    assert rotated["apiKey"]["expiresAt"] == rotated["apiKey"]["expiresAt"]
    assert rotated["apiKey"]["id"] != key_id and rotated["previous"]["revokedAt"] is not None
    assert (await old.post(ORG, {"slug": tenant.org_slug})).status_code == 401
    fresh = GraphQLClient(http, rotated["secret"])
    assert (await fresh.data(ORG, {"slug": tenant.org_slug}))["organization"]["id"]
    again = await client.mutate(ROTATE, {"apiKeyId": key_id})
    assert_error(again, "INVALID_TRANSITION", ["input", "apiKeyId"])

    # With a grace period the old key keeps working until then.
    graced = assert_ok(await client.mutate(ROTATE, {"apiKeyId": rotated["apiKey"]["id"],
                                                    "graceSeconds": 3600}))  # fmt: skip
    assert graced["previous"]["revokedAt"] is None
    assert graced["previous"]["expiresAt"] < expires
    assert (await fresh.data(ORG, {"slug": tenant.org_slug}))["organization"]["id"]
    too_long = await client.mutate(ROTATE, {"apiKeyId": graced["apiKey"]["id"],
                                            "graceSeconds": 8 * 86_400})  # fmt: skip
    assert_error(too_long, "VALIDATION", ["input", "graceSeconds"])

    # A key limited to one organization manages only keys limited to it.
    limited_id, limited_secret = await new_key(client, organizationId=tenant.org_id)
    limited = GraphQLClient(http, limited_secret)
    wide_id, _ = await new_key(client, name="wide")
    assert_error(await limited.mutate(ROTATE, {"apiKeyId": wide_id}), "FORBIDDEN")
    assert_error(await limited.mutate(KEY_REVOKE, {"apiKeyId": wide_id}), "FORBIDDEN")
    assert_ok(await limited.mutate(ROTATE, {"apiKeyId": limited_id}))
    other = await make_tenant("rotx")
    assert_error(await other.client.mutate(ROTATE, {"apiKeyId": wide_id}), "NOT_FOUND")


async def test_an_ingest_key_logs_data_and_nothing_else(tenant, http, server):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    run = (await create_run(client, tenant.org_id))["run"]
    _, secret = await new_key(client, name="trainer", scopes=["INGEST"],
                              organizationId=tenant.org_id)  # fmt: skip
    ingest = GraphQLClient(http, secret)
    points = [{"key": "loss", "step": s, "value": 1.0 / (s + 1)} for s in range(5)]
    assert assert_ok(await ingest.mutate(LOG, {"runId": run, "points": points}))["loggedCount"] == 5
    metric = {"name": "latency_ms", "value": 12.0, "recordedAt": datetime.now(UTC).isoformat()}
    assert_ok(await ingest.mutate(METRICS_RECORD, {"deploymentId": ids["deployment"],
                                                   "points": [metric]}))  # fmt: skip
    predicted = await ingest.mutate(PREDICT, {"deploymentId": ids["deployment"],
                                              "predictions": [{"latencyMs": 3.0}]})  # fmt: skip
    assert assert_ok(predicted)["recordedCount"] == 1
    bulk = await http.post(
        f"/v1/runs/{run}/metrics", json={"series": {"acc": {"steps": [9], "values": [0.5]}}},
        headers={"Authorization": f"Bearer {secret}"},
    )  # fmt: skip
    assert bulk.status_code == 200, bulk.text

    # Any other write is refused, with a message that says why (asking for ids only: a key
    # without READ reads no more of a payload).
    project_ids = """mutation($input: ProjectCreateInput!) { projectCreate(input: $input) {
      project { id } userErrors { field code message } } }"""
    project = await ingest.mutate(project_ids, {"organizationId": tenant.org_id,
                                                "slug": "nope", "name": "N"})  # fmt: skip
    error = assert_error(project, "FORBIDDEN")
    assert "only ingest" in error["message"]
    key_ids = """mutation($input: ApiKeyCreateInput!) { apiKeyCreate(input: $input) {
      apiKey { id } userErrors { field code message } } }"""
    assert_error(await ingest.mutate(key_ids, {"name": "x", "scopes": ["INGEST"]}), "FORBIDDEN")
    # And so is every read, on the compiled path too (the plan is cached by a READ key).
    await client.data(ORG, {"slug": tenant.org_slug})
    await client.data(ORG, {"slug": tenant.org_slug})
    for query in (ORG, "{ viewer { user { email } } }"):
        refused = await ingest.execute(query, {"slug": tenant.org_slug})
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    request = gql("subscription($id: ID!) { runStatus(runId: $id) { status } }")
    request.variable_values = {"id": run}
    async with ws_client(server.base_url, secret, TRANSPORT_WS) as session:
        with pytest.raises(TransportQueryError) as subscribed:
            async for _ in session.subscribe(request):
                raise AssertionError("an ingest key read a run's status")
        query = gql(ORG)
        query.variable_values = {"slug": tenant.org_slug}
        with pytest.raises(TransportQueryError) as queried:
            await session.execute(query)
    for refusal in (subscribed, queried):
        assert refusal.value.errors[0]["extensions"]["code"] == "FORBIDDEN"
    # A READ key still cannot ingest: ingest is not a write it holds.
    _, reader = await new_key(client, name="reader", scopes=["READ"])
    read_only = await GraphQLClient(http, reader).mutate(LOG, {"runId": run, "points": points})
    assert_error(read_only, "FORBIDDEN")
    # A WRITE key may mint an ingest key (ingest is a part of write); a READ key may not.
    _, writer = await new_key(client, name="writer", scopes=["READ", "WRITE"])
    assert_ok(await GraphQLClient(http, writer).mutate(KEY_CREATE, {"name": "i",
                                                                   "scopes": ["INGEST"]}))  # fmt: skip
    widened = await GraphQLClient(http, reader).mutate(KEY_CREATE, {"name": "i",
                                                                   "scopes": ["INGEST"]})  # fmt: skip
    assert_error(widened, "FORBIDDEN")
