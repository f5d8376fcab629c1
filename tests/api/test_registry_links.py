"""Registry links (issue 12): a model or version in Hugging Face, MLflow, SageMaker, Vertex
AI or W&B; its external id checked per registry; unique per registry and external id in an
organization; sync state NEVER_SYNCED → SYNCED → OUT_OF_SYNC → SYNCED with check times."""

from __future__ import annotations

from tests.helpers import (
    USER_ERRORS,
    assert_error,
    assert_ok,
    create_model,
    create_project,
    create_version,
)
from tests.support.registry_links import CREATE, LINK

SYNC = f"""mutation($input: RegistryLinkSyncInput!) {{
  registryLinkSync(input: $input) {{ registryLink {{ {LINK} }} {USER_ERRORS} }} }}"""
DELETE = f"""mutation($input: RegistryLinkDeleteInput!) {{
  registryLinkDelete(input: $input) {{ registryLink {{ id }} {USER_ERRORS} }} }}"""


async def test_external_ids_are_checked_per_registry(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    good = [
        ("huggingface", "google-bert/bert-base-uncased"),
        ("mlflow", "fraud detector"),
        ("sagemaker", "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/fraud"),
        ("vertex-ai", "projects/acme-ml/locations/europe-west4/models/1234567890"),
        ("wandb", "acme/fraud/model:v3"),
    ]
    for registry, external_id in good:
        input = {"modelId": model, "registry": registry.upper(), "externalId": external_id}
        made = assert_ok(await client.mutate(CREATE, input))["registryLink"]
        assert (made["registry"], made["externalId"], made["syncState"]) == (
            registry, external_id, "NEVER_SYNCED")  # fmt: skip
    bad = [
        ("huggingface", "bert-base-uncased", "externalId"),  # no owner
        ("huggingface", "a/b/c", "externalId"),
        ("vertex-ai", "models/123", "externalId"),
        ("wandb", "fraud:v3", "externalId"),
        ("sagemaker", "arn:aws:s3:::bucket", "externalId"),
        ("dockerhub", "a/b", "registry"),
    ]
    for registry, external_id, field in bad:
        input = {"modelId": model, "registry": registry, "externalId": external_id}
        assert_error(await client.mutate(CREATE, input), "VALIDATION", ["input", field])
    filtered = await client.data(
        """query($id: ID!) { node(id: $id) { ... on Model {
          some: registryLinks(registry: ["HuggingFace", "wandb"], orderBy: CREATED_DESC) {
            nodes { registry } }
          fresh: registryLinks(syncState: [NEVER_SYNCED]) { totalCount }
          synced: registryLinks(syncState: [SYNCED]) { totalCount } } } }""",
        {"id": model},
    )
    assert [n["registry"] for n in filtered["node"]["some"]["nodes"]] == ["wandb", "huggingface"]
    assert (filtered["node"]["fresh"]["totalCount"], filtered["node"]["synced"]["totalCount"]) == (
        5, 0)  # fmt: skip
    insecure = {"modelId": model, "registry": "wandb", "externalId": "a/b/c",
                "repoUrl": "http://wandb.ai/a/b"}  # fmt: skip
    assert_error(await client.mutate(CREATE, insecure), "VALIDATION", ["input", "repoUrl"])


async def test_a_link_is_unique_per_registry_and_id_in_an_organization(tenant, make_tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    first, second = [(await create_model(client, project))["id"] for _ in range(2)]
    version = (await create_version(client, second, "1.0.0"))["id"]
    link = {"registry": "mlflow", "externalId": "fraud"}
    assert_ok(await client.mutate(CREATE, {"modelId": first, **link}))
    taken = await client.mutate(CREATE, {"modelId": second, "modelVersionId": version, **link})
    assert_error(taken, "CONFLICT", ["input", "externalId"])
    other_registry = {"modelId": second, "registry": "sagemaker", "externalId": "fraud"}
    assert_ok(await client.mutate(CREATE, other_registry))
    # Another organization links the same external id: its own link, no conflict (which
    # would tell it what we link), and nothing of ours shows.
    other = await make_tenant("linkx")
    their_project = (await create_project(other.client, other.org_id))["id"]
    theirs = (await create_model(other.client, their_project))["id"]
    assert_ok(await other.client.mutate(CREATE, {"modelId": theirs, **link}))
    stolen = await other.client.mutate(CREATE, {"modelId": first, **link})
    assert_error(stolen, "NOT_FOUND", ["input", "modelId"])
    foreign_version = await client.mutate(
        CREATE, {"modelId": first, "modelVersionId": version, "registry": "wandb",
                 "externalId": "a/b/c"},
    )  # fmt: skip
    assert_error(foreign_version, "NOT_FOUND", ["input", "modelVersionId"])


async def test_sync_state_moves_and_stamps_its_times(tenant, make_tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    version = (await create_version(client, model, "2.1.0"))["id"]
    input = {"modelId": model, "modelVersionId": version, "registry": "mlflow",
             "externalId": "fraud", "externalVersion": "7", "metadata": {"stage": "prod"},
             "repoUrl": "https://mlflow.example.com/#/models/fraud"}  # fmt: skip
    link = assert_ok(await client.mutate(CREATE, input))["registryLink"]
    assert link["modelVersion"] == {"version": "2.1.0"} and link["metadata"] == {"stage": "prod"}
    assert link["createdBy"]["email"] == tenant.email and link["lastCheckedAt"] is None
    ident = {"registryLinkId": link["id"]}

    early = await client.mutate(SYNC, {**ident, "state": "OUT_OF_SYNC"})
    assert_error(early, "INVALID_TRANSITION", ["input", "state"])
    undirected = await client.mutate(SYNC, {**ident, "state": "SYNCED"})
    assert_error(undirected, "VALIDATION", ["input", "direction"])
    imported = assert_ok(await client.mutate(
        SYNC, {**ident, "state": "SYNCED", "direction": "IMPORT", "externalVersion": "8"}
    ))["registryLink"]  # fmt: skip
    assert imported["syncState"] == "SYNCED" and imported["externalVersion"] == "8"
    assert imported["importedAt"] and imported["lastCheckedAt"] and not imported["exportedAt"]
    drift = assert_ok(await client.mutate(SYNC, {**ident, "state": "OUT_OF_SYNC"}))
    assert drift["registryLink"]["syncState"] == "OUT_OF_SYNC"
    assert drift["registryLink"]["lastCheckedAt"] >= imported["lastCheckedAt"]
    back = assert_ok(await client.mutate(SYNC, {**ident, "state": "SYNCED", "direction": "EXPORT"}))
    assert back["registryLink"]["exportedAt"] and back["registryLink"]["syncState"] == "SYNCED"
    never = await client.mutate(SYNC, {**ident, "state": "NEVER_SYNCED"})
    assert_error(never, "INVALID_TRANSITION", ["input", "state"])

    listed = await client.data(
        """query($m: ID!, $v: ID!) {
          m: node(id: $m) { ... on Model { registryLinks { nodes { id } } } }
          v: node(id: $v) { ... on ModelVersion { registryLinks { nodes { syncState } } } } }""",
        {"m": model, "v": version},
    )
    assert listed["m"]["registryLinks"]["nodes"] == [{"id": link["id"]}]
    assert listed["v"]["registryLinks"]["nodes"] == [{"syncState": "SYNCED"}]

    other = await make_tenant("syncx")
    assert_error(await other.client.mutate(SYNC, {**ident, "state": "OUT_OF_SYNC"}), "NOT_FOUND")
    assert_error(await other.client.mutate(DELETE, ident), "NOT_FOUND")
    assert assert_ok(await client.mutate(DELETE, ident))["registryLink"]["id"] == link["id"]
    gone = await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": link["id"]})
    assert gone["node"] is None
