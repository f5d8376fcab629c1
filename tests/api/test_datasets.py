"""Datasets, their versions and lineage, through the public API: names and versions unique
where they must be, checksums checked and found by one lookup, derivations and inputs
recorded within one organization, and lineage walked both ways by one SQL statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from app.api.ids import decode_id
from app.db.engine import make_engine
from app.domain.datasets import lineage as lineage_domain
from tests.helpers import (
    USER_ERRORS,
    VERSION_CREATE,
    assert_error,
    assert_ok,
    create_deployment,
    create_environment,
    create_model,
    create_project,
    create_run,
)
from tests.support.datasets import (
    BY_CHECKSUM,
    CONSUMED,
    DATASET_CREATE,
    INPUTS,
    JOB_WITH_INPUTS,
    LINEAGE,
    SHA,
    dataset,
    verify,
    version,
)
from tests.support.training_jobs import CANCEL, create_job, setup
from tests.support.training_jobs import DELETE as JOB_DELETE

DV_TRANSITION = f"""mutation($input: DatasetVersionTransitionInput!) {{
  datasetVersionTransition(input: $input) {{ datasetVersion {{ id status }} {USER_ERRORS} }} }}"""
DATASETS = """query($id: ID!, $filter: DatasetFilterInput) { node(id: $id) { ... on Project {
  datasets(filter: $filter, orderBy: NAME_ASC) { totalCount nodes { name type tags
    versions(first: 5) { totalCount nodes { version status checksum } } } } } } }"""


async def test_datasets_and_versions_keep_their_rules(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    reviews = await dataset(client, project, "reviews", tags=["nlp"], format="parquet",
                            schema={"text": "string"}, description="customer reviews")  # fmt: skip
    again = await client.mutate(DATASET_CREATE, {"projectId": project, "name": "reviews",
                                                 "type": "TEXT"})  # fmt: skip
    assert_error(again, "CONFLICT", ["input", "name"])
    await dataset(client, project, "images", type="IMAGE")

    made = assert_ok(await version(client, reviews, "1.0", versioningSystem="DVC",
                                   externalVersionId="a1b2", storageUri="s3://data/reviews/1",
                                   checksum={"algorithm": "SHA256", "digest": SHA},
                                   fileCount=12, totalSizeBytes=5e10, recordCount=3e9))  # fmt: skip
    v1 = made["datasetVersion"]
    assert (v1["versioningSystem"], v1["checksum"], v1["status"]) == ("dvc", SHA.lower(), "CREATED")
    assert (v1["totalSizeBytes"], v1["recordCount"]) == (5e10, 3e9)
    rules = [
        ({"version": "1.0"}, "CONFLICT", ["input", "version"]),
        ({"externalVersionId": "a1b2", "versioningSystem": "dvc"}, "CONFLICT",
         ["input", "externalVersionId"]),
        ({"versioningSystem": "svn"}, "VALIDATION", ["input", "versioningSystem"]),
        ({"checksum": {"algorithm": "SHA256", "digest": "abc"}}, "VALIDATION",
         ["input", "checksum", "digest"]),
        ({"checksum": {"algorithm": "MD5", "digest": "z" * 32}}, "VALIDATION",
         ["input", "checksum", "digest"]),
        ({"storageUri": "not a uri"}, "VALIDATION", ["input", "storageUri"]),
        ({"fileCount": -1}, "VALIDATION", ["input", "fileCount"]),
        ({"recordCount": 1.5}, "VALIDATION", ["input", "recordCount"]),
    ]  # fmt: skip
    for fields, code, field in rules:
        name = fields.pop("version", "2.0")
        assert_error(await version(client, reviews, name, **fields), code, field)
    # The same external id in another versioning system is another version.
    assert_ok(await version(client, reviews, "1.1", versioningSystem="lakefs",
                            externalVersionId="a1b2"))  # fmt: skip

    by_hand = await client.mutate(DV_TRANSITION, {"datasetVersionId": v1["id"],
                                                  "status": "VERIFIED"})  # fmt: skip
    assert_error(by_hand, "INVALID_TRANSITION", ["input", "status"])
    assert assert_ok(await verify(client, v1["id"]))["datasetVersion"]["status"] == "VERIFIED"
    for status in ("ACTIVE", "DEPRECATED"):
        moved = await client.mutate(DV_TRANSITION, {"datasetVersionId": v1["id"], "status": status})
        assert assert_ok(moved)["datasetVersion"]["status"] == status
    back = await client.mutate(DV_TRANSITION, {"datasetVersionId": v1["id"], "status": "ACTIVE"})
    assert_error(back, "INVALID_TRANSITION", ["input", "status"])

    variables = {"id": project, "filter": {"search": "customer", "tags": ["nlp"]}}
    compiled = await client.post(DATASETS, variables)
    reference = await client.on_resolvers().post(DATASETS, variables)
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    assert compiled.content == reference.content
    found = compiled.json()["data"]["node"]["datasets"]
    assert [d["name"] for d in found["nodes"]] == ["reviews"]
    assert found["nodes"][0]["versions"]["totalCount"] == 2
    images = await client.data(DATASETS, {"id": project, "filter": {"type": ["IMAGE"]}})
    assert [d["name"] for d in images["node"]["datasets"]["nodes"]] == ["images"]
    later = {"id": project, "filter": {"createdFrom": "2999-01-01T00:00:00Z"}}
    assert (await client.data(DATASETS, later))["node"]["datasets"]["totalCount"] == 0
    earlier = {"id": project, "filter": {"createdTo": "2999-01-01T00:00:00Z"}}
    assert (await client.data(DATASETS, earlier))["node"]["datasets"]["totalCount"] == 2


async def test_a_checksum_finds_its_versions_in_your_organizations_only(tenant, make_tenant):
    other = await make_tenant("ds-other")
    mine = []
    for client, org, keep in ((tenant.client, tenant.org_id, True),
                              (other.client, other.org_id, False)):  # fmt: skip
        project = (await create_project(client, org))["id"]
        for name in ("a", "b"):
            data = await dataset(client, project, f"set-{name}")
            made = await version(client, data, "1", checksum={"algorithm": "SHA256",
                                                              "digest": SHA.lower()})  # fmt: skip
            if keep:
                mine.append(assert_ok(made)["datasetVersion"]["id"])
    found = await tenant.client.data(BY_CHECKSUM, {"a": "SHA256", "d": SHA})
    assert [v["id"] for v in found["datasetVersionsByChecksum"]] == mine
    missing = await tenant.client.data(BY_CHECKSUM, {"a": "MD5", "d": "0" * 32})
    assert missing == {"datasetVersionsByChecksum": []}
    bad = await tenant.client.execute(BY_CHECKSUM, {"a": "SHA256", "d": "xyz"})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_lineage_runs_from_raw_data_to_the_deployment_and_back(tenant, count_statements):
    client = tenant.client
    ids = await setup(client, tenant.org_id)  # a project, an environment, GPU types
    project = ids["project"]
    raw = assert_ok(await version(client, await dataset(client, project, "raw"), "1"))
    raw_id = raw["datasetVersion"]["id"]
    clean_set = await dataset(client, project, "clean")
    clean = assert_ok(await version(client, clean_set, "1", parentIds=[raw_id]))
    clean_id = clean["datasetVersion"]["id"]
    run = (await create_run(client, tenant.org_id))["run"]
    job = assert_ok(await create_job(client, ids))["trainingJob"]["id"]

    # The run and the job live in another project of the same organization: allowed.
    record = {"runId": run, "inputs": [{"datasetVersionId": clean_id, "role": "TRAIN"},
                                       {"datasetVersionId": raw_id, "role": "TEST"}]}  # fmt: skip
    assert assert_ok(await client.mutate(INPUTS, record))["newCount"] == 2
    assert assert_ok(await client.mutate(INPUTS, record))["newCount"] == 0  # recorded already
    assert_ok(await client.mutate(INPUTS, {"trainingJobId": job,
                                           "inputs": [{"datasetVersionId": clean_id}]}))  # fmt: skip
    both = await client.mutate(INPUTS, {"runId": run, "trainingJobId": job,
                                        "inputs": [{"datasetVersionId": clean_id}]})  # fmt: skip
    assert_error(both, "VALIDATION", ["input", "runId"])

    model = (await create_model(client, project))["id"]
    mv = assert_ok(await client.mutate(VERSION_CREATE, {"modelId": model, "version": "1.0.0",
                                                        "runId": run}))["modelVersion"]["id"]  # fmt: skip
    environment = (await create_environment(client, tenant.org_id))["id"]
    deployment = (await create_deployment(client, mv, environment))["id"]

    async def walk(start: str, direction: str, depth: int) -> dict[str, Any]:
        data = await client.data(LINEAGE, {"id": start, "direction": direction, "depth": depth})
        return data["node"]["lineage"]

    up = await walk(mv, "UPSTREAM", 5)
    assert {(n["id"], n["depth"]) for n in up["nodes"]} == {
        (mv, 0), (run, 1), (clean_id, 2), (raw_id, 2)}  # fmt: skip
    assert {(e["from"], e["to"], e["kind"], e["role"]) for e in up["edges"]} == {
        (run, mv, "TRAINED", None), (clean_id, run, "CONSUMED", "TRAIN"),
        (raw_id, run, "CONSUMED", "TEST"), (raw_id, clean_id, "DERIVED", None)}  # fmt: skip
    labels = {n["id"]: (n["type"], n["label"]) for n in up["nodes"]}
    assert labels[clean_id] == ("DatasetVersion", "clean 1")

    down = await walk(raw_id, "DOWNSTREAM", 10)
    reached = {n["id"]: n["depth"] for n in down["nodes"]}
    assert reached == {raw_id: 0, clean_id: 1, run: 1, job: 2, mv: 2, deployment: 3}
    assert (mv, deployment, "DEPLOYED", None) in {
        (e["from"], e["to"], e["kind"], e["role"]) for e in down["edges"]}  # fmt: skip
    assert {n["id"] for n in (await walk(mv, "UPSTREAM", 1))["nodes"]} == {mv, run}
    from_run = await walk(run, "UPSTREAM", 3)
    assert {n["id"] for n in from_run["nodes"]} == {run, clean_id, raw_id}

    too_deep = await client.execute(LINEAGE, {"id": mv, "direction": "UPSTREAM", "depth": 11})
    assert too_deep["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    # One statement for the whole walk (besides reading the start node).
    plain = "query($id: ID!) { node(id: $id) { ... on ModelVersion { version } } }"
    await client.on_resolvers().data(plain, {"id": mv})
    with count_statements() as without:
        await client.on_resolvers().data(plain, {"id": mv})
    with count_statements() as with_lineage:
        await walk(mv, "UPSTREAM", 10)
    # The walk's statement timeout is set, the walk runs, the timeout is reset.
    assert len(with_lineage.statements) == len(without.statements) + 3


async def test_derivations_and_inputs_stay_inside_one_organization(tenant, make_tenant):
    other = await make_tenant("ds-foreign")
    foreign_project = (await create_project(other.client, other.org_id))["id"]
    foreign = assert_ok(await version(other.client, await dataset(other.client, foreign_project,
                                                                  "theirs"), "1"))  # fmt: skip
    foreign_id = foreign["datasetVersion"]["id"]
    project = (await create_project(tenant.client, tenant.org_id))["id"]
    mine = await dataset(tenant.client, project, "mine")
    stolen = await version(tenant.client, mine, "1", parentIds=[foreign_id])
    assert_error(stolen, "NOT_FOUND", ["input", "parentIds", "0"])
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    used = await tenant.client.mutate(INPUTS, {"runId": run,
                                               "inputs": [{"datasetVersionId": foreign_id}]})  # fmt: skip
    assert_error(used, "NOT_FOUND", ["input", "inputs", "0", "datasetVersionId"])
    seen = await tenant.client.data("query($id: ID!) { node(id: $id) { id } }", {"id": foreign_id})
    assert seen == {"node": None}
    walked = await tenant.client.data(LINEAGE, {"id": foreign_id, "direction": "DOWNSTREAM",
                                                "depth": 3})  # fmt: skip
    assert walked == {"node": None}


async def test_jobs_take_their_inputs_at_creation_and_everything_says_who_made_it(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    data = await dataset(client, ids["project"], "feed")
    v1 = assert_ok(await version(client, data, "1"))["datasetVersion"]["id"]
    input = {"projectId": ids["project"], "environmentId": ids["environment"], "name": "j",
             "image": "i", "datasetInputs": [{"datasetVersionId": v1, "role": "VALIDATION"}]}  # fmt: skip
    job = assert_ok(await client.mutate(JOB_WITH_INPUTS, input))["trainingJob"]
    assert job["createdBy"] == {"email": tenant.email}
    assert job["datasetInputs"]["nodes"] == [
        {"role": "VALIDATION", "datasetVersion": {"version": "1", "dataset": {"name": "feed"}}}]  # fmt: skip
    missing = {**input, "datasetInputs": [{"datasetVersionId": job["id"]}]}  # not a version
    assert_error(await client.mutate(JOB_WITH_INPUTS, missing), "NOT_FOUND",
                 ["input", "datasetInputs", "0", "datasetVersionId"])  # fmt: skip

    run = (await create_run(client, tenant.org_id))["run"]
    assert_ok(await client.mutate(INPUTS, {"runId": run, "inputs": [{"datasetVersionId": v1}]}))
    variables = {"run": run, "job": job["id"]}
    compiled = await client.post(CONSUMED, variables)
    reference = await client.on_resolvers().post(CONSUMED, variables)
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    assert compiled.content == reference.content
    consumed = compiled.json()["data"]
    assert consumed["run"]["datasetInputs"]["nodes"] == [
        {"role": "TRAIN", "datasetVersion": {"version": "1", "createdBy": {"email": tenant.email}}}]  # fmt: skip
    assert consumed["job"]["datasetInputs"]["nodes"] == [{"role": "VALIDATION"}]


async def test_a_retired_training_job_leaves_the_lineage_graph(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    v1 = assert_ok(await version(client, await dataset(client, ids["project"], "feed"), "1"))
    v1_id = v1["datasetVersion"]["id"]
    input = {"projectId": ids["project"], "environmentId": ids["environment"], "name": "j",
             "image": "i", "datasetInputs": [{"datasetVersionId": v1_id}]}  # fmt: skip
    job = assert_ok(await client.mutate(JOB_WITH_INPUTS, input))["trainingJob"]["id"]
    walk = {"id": v1_id, "direction": "DOWNSTREAM", "depth": 2}

    async def types() -> list[str]:
        return [n["type"] for n in (await client.data(LINEAGE, walk))["node"]["lineage"]["nodes"]]

    assert "TrainingJob" in await types()
    assert_ok(await client.mutate(CANCEL, {"trainingJobId": job}))
    assert_ok(await client.mutate(JOB_DELETE, {"trainingJobId": job}))
    assert "TrainingJob" not in await types()


async def test_a_lineage_walk_is_bounded_in_rows_edges_and_time(tenant, database_url, monkeypatch):
    """150 versions each naming up to 100 earlier ones as parents: lineage(depth: 10) took
    17.6 s of database time (the walk carried one row per path). Now it walks (node, depth)
    pairs — counted here from the plan —, stops at its bounds saying `truncated`, and a walk
    past its statement timeout is a clear error."""
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    data = await dataset(client, project, "dense")
    versions: list[str] = []
    for i in range(150):
        made = await version(client, data, f"{i}", parentIds=versions[-100:])
        versions.append(assert_ok(made)["datasetVersion"]["id"])
    up = {"id": versions[-1], "direction": "UPSTREAM", "depth": 10}
    graph = (await client.data(LINEAGE_BOUNDED, up))["node"]["lineage"]
    assert len(graph["nodes"]) == 150 and not graph["truncated"]
    assert len(graph["edges"]) == sum(min(i, 100) for i in range(150))

    # The work, counted: rows of the recursive walk are at most nodes × (depth + 1).
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            sql = lineage_domain.statement(lineage_domain.Direction.UPSTREAM, False).text
            parameters = {"start_type": "DatasetVersion",
                          "start_id": decode_id(versions[-1], "DatasetVersion", []), "depth": 10,
                          "orgs": [decode_id(tenant.org_id, "Organization", [])],
                          "max_walk": lineage_domain.MAX_WALK_ROWS,
                          "max_edges": lineage_domain.MAX_EDGES}  # fmt: skip
            plan = await connection.scalar(
                text(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}"), parameters
            )
    finally:
        await engine.dispose()
    walked = [n for n in plan_nodes(plan[0]["Plan"]) if n["Node Type"] == "Recursive Union"]
    assert walked and walked[0]["Actual Rows"] <= 150 * 11

    # Bounds: a smaller one is reached, and said.
    monkeypatch.setattr(lineage_domain, "MAX_WALK_ROWS", 40)
    graph = (await client.on_resolvers().data(LINEAGE_BOUNDED, up))["node"]["lineage"]
    assert graph["truncated"] and len(graph["nodes"]) <= 40
    monkeypatch.setattr(lineage_domain, "MAX_WALK_ROWS", 5_000)
    monkeypatch.setattr(lineage_domain, "MAX_EDGES", 100)
    graph = (await client.data(LINEAGE_BOUNDED, up))["node"]["lineage"]
    assert graph["truncated"] and len(graph["edges"]) == 100
    # Time: a walk of ~10,000 index lookups cannot finish in 1 ms.
    monkeypatch.setattr(lineage_domain, "MAX_EDGES", 10_000)
    monkeypatch.setattr(lineage_domain, "TIMEOUT_MS", 1)
    slow = await client.execute(LINEAGE_BOUNDED, up)
    assert "took more than" in slow["errors"][0]["message"], slow
    assert slow["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


LINEAGE_BOUNDED = """query($id: ID!, $direction: LineageDirection!, $depth: Int!) { node(id: $id) {
  ... on DatasetVersion { lineage(direction: $direction, depth: $depth) {
    nodes { id } edges { from to } truncated } } } }"""


def plan_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", ()) for n in plan_nodes(child))]


async def test_verified_means_a_verifiers_digest_matched_the_recorded_checksum(tenant, make_tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    reviews = await dataset(client, project, "reviews")
    sha = {"algorithm": "SHA256", "digest": SHA}
    v1 = assert_ok(await version(client, reviews, "1.0", checksum=sha))["datasetVersion"]["id"]
    bare = assert_ok(await version(client, reviews, "2.0"))["datasetVersion"]["id"]

    # No checksum recorded: nothing to verify against.
    assert_error(await verify(client, bare), "VALIDATION", ["input", "datasetVersionId"])
    # Another algorithm, a malformed digest, another digest: refused, nothing recorded.
    assert_error(await verify(client, v1, "a" * 32, "MD5"), "VALIDATION",
                 ["input", "checksum", "algorithm"])  # fmt: skip
    assert_error(await verify(client, v1, "xyz"), "VALIDATION", ["input", "checksum", "digest"])
    assert_error(await verify(client, v1, "0" * 64), "CHECKSUM_MISMATCH",
                 ["input", "checksum", "digest"])  # fmt: skip
    # Another organization cannot verify it, or learn that it exists.
    other = await make_tenant()
    assert_error(await verify(other.client, v1), "NOT_FOUND", ["input", "datasetVersionId"])

    # The digest matches whatever case the verifier writes it in.
    verified = assert_ok(await verify(client, v1, SHA.upper()))["datasetVersion"]
    assert verified["status"] == "VERIFIED" and verified["verifiedAt"] is not None
    assert verified["verifiedBy"] == {"email": tenant.email}
    # Once: a VERIFIED version moves on by transition.
    assert_error(await verify(client, v1), "INVALID_TRANSITION", ["input", "datasetVersionId"])
