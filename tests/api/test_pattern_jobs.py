"""Pattern-recognition jobs (issue 30, item 2): a search over a dataset version by an
algorithm whose config is checked key by key, on the shared work queue (claimed under a
lease, kept by heartbeats, sent back when the lease runs out, failed at the retry limit),
finished with results and timings, and followed live by patternJobStatus (gql over
graphql-ws, as a dashboard subscribes)."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import USER_ERRORS, assert_error, assert_ok, create_project
from tests.support.datasets import dataset, version
from tests.support.project_visibility import member
from tests.support.real_clients import TRANSPORT_WS, doc, ws_client
from tests.support.training_queue import expire_lease

FIELDS = """id name patternType algorithm config status results patternCount errorMessage
  startedAt finishedAt durationSeconds leaseOwner claims maxAttempts datasetVersion { version }"""
CREATE = f"""mutation($input: PatternJobCreateInput!) {{
  patternJobCreate(input: $input) {{ patternJob {{ {FIELDS} }} {USER_ERRORS} }} }}"""
CLAIM = f"""mutation($input: PatternJobsClaimInput!) {{
  patternJobsClaim(input: $input) {{ patternJobs {{ id status leaseOwner claims }} {USER_ERRORS} }} }}"""
HEARTBEAT = f"""mutation($input: PatternJobHeartbeatInput!) {{
  patternJobHeartbeat(input: $input) {{ patternJob {{ id leaseExpiresAt }} {USER_ERRORS} }} }}"""
FINISH = f"""mutation($input: PatternJobFinishInput!) {{
  patternJobFinish(input: $input) {{ patternJob {{ {FIELDS} }} {USER_ERRORS} }} }}"""
CANCEL = f"""mutation($input: PatternJobCancelInput!) {{
  patternJobCancel(input: $input) {{ patternJob {{ id status }} {USER_ERRORS} }} }}"""
READ = f"""query($id: ID!) {{ node(id: $id) {{ ... on PatternJob {{ {FIELDS} }} }} }}"""
LIVE = """subscription($id: ID!) { patternJobStatus(patternJobId: $id) {
  status patternCount leaseOwner } }"""


async def data_version(client: GraphQLClient, org_id: str) -> str:
    project = (await create_project(client, org_id))["id"]
    made = await version(client, await dataset(client, project, "transactions"), "2026-q3")
    return assert_ok(made)["datasetVersion"]["id"]  # type: ignore[no-any-return]


def job(dv: str, **fields: Any) -> dict[str, Any]:
    return {"datasetVersionId": dv, "name": "fraud rings", "patternType": "CLUSTERING",
            "algorithm": "KMEANS", **fields}  # fmt: skip


async def test_the_algorithm_and_its_config_are_checked_key_by_key(tenant, http, database_url):
    client = tenant.client
    dv = await data_version(client, tenant.org_id)
    made = assert_ok(await client.mutate(CREATE, job(dv, config={"n_clusters": 12})))
    got = made["patternJob"]
    assert got["config"] == {"n_clusters": 12, "max_iter": 300}  # the defaults filled in
    assert (got["status"], got["claims"], got["startedAt"]) == ("PENDING", 0, None)
    refused: list[tuple[dict[str, Any], list[str]]] = [
        ({"algorithm": "APRIORI"}, ["algorithm"]),  # finds association rules, not clusters
        ({"config": {"n_clusters": 1}}, ["config", "n_clusters"]),
        ({"config": {"n_clusters": 2.5}}, ["config", "n_clusters"]),
        ({"config": {"n_clusters": True}}, ["config", "n_clusters"]),
        ({"config": {"clusters": 3}}, ["config", "clusters"]),  # no such key
        ({"config": [1]}, ["config"]),
        ({"algorithm": "DBSCAN", "config": {"eps": 0}}, ["config", "eps"]),  # above 0
        ({"patternType": "ANOMALY_DETECTION", "algorithm": "ISOLATION_FOREST",
          "config": {"contamination": 0.6}}, ["config", "contamination"]),
        ({"maxAttempts": 0}, ["maxAttempts"]),
        ({"name": "  "}, ["name"]),
    ]  # fmt: skip
    for change, field in refused:
        assert_error(
            await client.mutate(CREATE, job(dv, **change)), "VALIDATION", ["input", *field]
        )
    viewer = await member(tenant, http, database_url, "VIEWER")
    assert_error(await viewer.mutate(CREATE, job(dv)), "FORBIDDEN")


async def test_a_worker_claims_finishes_and_a_lost_lease_goes_back_to_the_queue(
    tenant, make_tenant, database_url
):
    client = tenant.client
    dv = await data_version(client, tenant.org_id)
    made = assert_ok(await client.mutate(CREATE, job(dv, maxAttempts=2)))["patternJob"]["id"]
    other = await make_tenant()
    theirs = await other.client.mutate(CLAIM, {"worker": "spy"})
    assert assert_ok(theirs)["patternJobs"] == []  # another organization's worker gets none
    claimed = assert_ok(await client.mutate(CLAIM, {"worker": "w1", "limit": 5}))
    assert claimed["patternJobs"] == [{"id": made, "status": "RUNNING", "leaseOwner": "w1",
                                       "claims": 1}]  # fmt: skip
    assert_ok(await client.mutate(HEARTBEAT, {"patternJobId": made, "worker": "w1"}))
    # w1 goes silent: its lease runs out and the job is w2's; w1 can no longer finish it.
    await expire_lease(database_url, made, "PatternJob")
    again = assert_ok(await client.mutate(CLAIM, {"worker": "w2"}))["patternJobs"]
    assert [(j["leaseOwner"], j["claims"]) for j in again] == [("w2", 2)]
    late = {"patternJobId": made, "worker": "w1", "status": "SUCCEEDED", "patternCount": 1,
            "results": {}}  # fmt: skip
    assert_error(await client.mutate(FINISH, late), "CONFLICT", ["input", "worker"])
    for change, field in (({"patternCount": None}, "patternCount"),
                          ({"results": [1]}, "results"),
                          ({"status": "FAILED"}, "results")):  # fmt: skip
        bad = {**late, "worker": "w2", **change}
        assert_error(await client.mutate(FINISH, bad), "VALIDATION", ["input", field])
    results = {"clusters": [{"size": 120, "centroid": [0.1, 2.5]}, {"size": 7}]}
    done = assert_ok(await client.mutate(FINISH, {**late, "worker": "w2", "patternCount": 2,
                                                  "results": results}))["patternJob"]  # fmt: skip
    assert (done["status"], done["patternCount"], done["results"]) == ("SUCCEEDED", 2, results)
    assert done["durationSeconds"] >= 0 and done["leaseOwner"] is None
    compiled = await client.post(READ, {"id": made})
    assert compiled.content == (await client.on_resolvers().post(READ, {"id": made})).content
    assert (await other.client.data(READ, {"id": made}))["node"] is None
    assert_error(await client.mutate(CANCEL, {"patternJobId": made}), "INVALID_TRANSITION")

    # At the retry limit a lost lease fails the job.
    once = assert_ok(await client.mutate(CREATE, job(dv, maxAttempts=1)))["patternJob"]["id"]
    assert_ok(await client.mutate(CLAIM, {"worker": "w3"}))
    await expire_lease(database_url, once, "PatternJob")
    assert assert_ok(await client.mutate(CLAIM, {"worker": "w4"}))["patternJobs"] == []
    assert (await client.data(READ, {"id": once}))["node"]["status"] == "FAILED"


async def test_the_status_is_followed_live_until_the_job_ends(server, tenant):
    client = tenant.client
    dv = await data_version(client, tenant.org_id)
    made = assert_ok(await client.mutate(CREATE, job(dv)))["patternJob"]["id"]
    async with ws_client(server.base_url, tenant.key, TRANSPORT_WS) as session:
        stream = session.subscribe(doc(LIVE, id=made))
        assert (await anext(stream))["patternJobStatus"]["status"] == "PENDING"
        assert_ok(await client.mutate(CLAIM, {"worker": "w1"}))
        running = (await anext(stream))["patternJobStatus"]
        assert (running["status"], running["leaseOwner"]) == ("RUNNING", "w1")
        assert_ok(await client.mutate(FINISH, {"patternJobId": made, "worker": "w1",
                                               "status": "FAILED", "errorMessage": "OOM"}))  # fmt: skip
        assert (await anext(stream))["patternJobStatus"]["status"] == "FAILED"
        assert [event async for event in stream] == []  # the subscription ends with the job
