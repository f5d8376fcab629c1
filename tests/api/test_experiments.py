"""Experiments and runs through GraphQL: lifecycle, lineage, comparison."""

from __future__ import annotations

from tests.helpers import (
    EXPERIMENT_CREATE,
    RUN_CREATE,
    RUN_FINISH,
    USER_ERRORS,
    VERSION_CREATE,
    assert_error,
    assert_ok,
    create_model,
    create_project,
    create_run,
    log_points,
)
from tests.support.datasets import dataset
from tests.support.experiments import RUN_UPDATE
from tests.support.pipelines import create_pipeline


async def test_experiment_names_unique_per_project_and_model_must_match(tenant):
    project = await create_project(tenant.client, tenant.org_id)
    other = await create_project(tenant.client, tenant.org_id)
    foreign_model = await create_model(tenant.client, other["id"])
    ok = await tenant.client.mutate(
        EXPERIMENT_CREATE, {"projectId": project["id"], "name": "lr sweep"}
    )
    assert assert_ok(ok)["experiment"]["status"] == "ACTIVE"
    dup = await tenant.client.mutate(
        EXPERIMENT_CREATE, {"projectId": project["id"], "name": "lr sweep"}
    )
    assert_error(dup, "CONFLICT", ["input", "name"])
    wrong = await tenant.client.mutate(
        EXPERIMENT_CREATE,
        {"projectId": project["id"], "name": "x", "modelId": foreign_model["id"]},
    )
    assert_error(wrong, "VALIDATION", ["input", "modelId"])


async def test_run_lifecycle(tenant):
    ids = await create_run(tenant.client, tenant.org_id, params={"lr": 0.01}, tags={"team": "a"})
    finished = assert_ok(
        await tenant.client.mutate(RUN_FINISH, {"runId": ids["run"], "status": "COMPLETED"})
    )
    assert finished["run"]["status"] == "COMPLETED" and finished["run"]["endedAt"]
    again = await tenant.client.mutate(RUN_FINISH, {"runId": ids["run"], "status": "FAILED"})
    assert_error(again, "INVALID_TRANSITION", ["input", "status"])
    other = await create_run(tenant.client, tenant.org_id)
    not_terminal = await tenant.client.mutate(
        RUN_FINISH, {"runId": other["run"], "status": "RUNNING"}
    )
    assert_error(not_terminal, "VALIDATION", ["input", "status"])
    killed = await tenant.client.mutate(RUN_FINISH, {"runId": other["run"], "status": "KILLED"})
    assert assert_ok(killed)["run"]["status"] == "KILLED"


async def test_params_are_immutable_and_tags_merge(tenant):
    ids = await create_run(
        tenant.client, tenant.org_id, params={"lr": 0.01}, tags={"a": "1", "b": "2"}
    )
    same = await tenant.client.mutate(
        RUN_UPDATE, {"runId": ids["run"], "params": {"lr": 0.01, "bs": 32}}
    )
    assert assert_ok(same)["run"]["params"] == {"lr": 0.01, "bs": 32}
    changed = await tenant.client.mutate(RUN_UPDATE, {"runId": ids["run"], "params": {"lr": 0.1}})
    assert_error(changed, "CONFLICT", ["input", "params", "lr"])
    tags = await tenant.client.mutate(
        RUN_UPDATE, {"runId": ids["run"], "tags": {"a": None, "c": "3"}}
    )
    assert assert_ok(tags)["run"]["tags"] == {"b": "2", "c": "3"}


async def test_tracking_links_are_unique_per_system(tenant):
    ids = await create_run(
        tenant.client, tenant.org_id, trackingSystem="mlflow", trackingRunId="abc123"
    )
    data = await tenant.client.data(
        "query($id: ID!) { node(id: $id) { ... on Run { trackingSystem trackingRunId experiment { id } } } }",
        {"id": ids["run"]},
    )
    assert data["node"]["trackingSystem"] == "mlflow"
    dup = await tenant.client.mutate(
        RUN_CREATE,
        {"experimentId": ids["experiment"], "trackingSystem": "MLflow", "trackingRunId": "abc123"},
    )
    assert_error(dup, "CONFLICT", ["input", "trackingRunId"])
    other_system = await tenant.client.mutate(
        RUN_CREATE,
        {"experimentId": ids["experiment"], "trackingSystem": "wandb", "trackingRunId": "abc123"},
    )
    assert_ok(other_system)
    half = await tenant.client.mutate(
        RUN_CREATE, {"experimentId": ids["experiment"], "trackingRunId": "x"}
    )
    assert_error(half, "VALIDATION", ["input", "trackingRunId"])
    unknown = await tenant.client.mutate(
        RUN_CREATE,
        {"experimentId": ids["experiment"], "trackingSystem": "excel", "trackingRunId": "1"},
    )
    assert_error(unknown, "VALIDATION", ["input", "trackingSystem"])


async def test_version_lineage_to_its_run(tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    model = await create_model(tenant.client, ids["project"])
    version = assert_ok(
        await tenant.client.mutate(
            VERSION_CREATE, {"modelId": model["id"], "version": "1.0.0", "runId": ids["run"]}
        )
    )["modelVersion"]
    data = await tenant.client.data(
        """query($v: ID!, $r: ID!) {
          v: node(id: $v) { ... on ModelVersion { run { id } } }
          r: node(id: $r) { ... on Run { modelVersions { totalCount nodes { version } } } }
        }""",
        {"v": version["id"], "r": ids["run"]},
    )
    assert data["v"]["run"] == {"id": ids["run"]}
    assert data["r"]["modelVersions"] == {"totalCount": 1, "nodes": [{"version": "1.0.0"}]}
    bad = await tenant.client.mutate(
        VERSION_CREATE, {"modelId": model["id"], "version": "1.0.1", "runId": model["id"]}
    )
    assert_error(bad, "NOT_FOUND", ["input", "runId"])


COMPARE = """
query($id: ID!, $order: RunOrder!, $key: String, $filter: RunFilterInput) {
  node(id: $id) { ... on Experiment {
    runs(first: 10, orderBy: $order, orderKey: $key, filter: $filter) {
      totalCount nodes { name } pageInfo { endCursor hasNextPage } } } }
}"""


async def test_compare_runs_by_last_metric_value_and_param(tenant):
    ids = await create_run(tenant.client, tenant.org_id, name="r-none", params={"lr": "auto"})
    runs = {}
    for name, lr, accuracy in [("r-a", 0.1, 0.80), ("r-b", 0.01, 0.93), ("r-c", 0.001, 0.88)]:
        payload = await tenant.client.mutate(
            RUN_CREATE, {"experimentId": ids["experiment"], "name": name, "params": {"lr": lr}}
        )
        runs[name] = assert_ok(payload)["run"]["id"]
        # Logged out of step order: "last" is the value at the highest step.
        await log_points(tenant.client, runs[name], [
            {"key": "val/accuracy", "step": 10, "value": accuracy},
            {"key": "val/accuracy", "step": 5, "value": 0.99},
        ])  # fmt: skip
    await tenant.client.mutate(RUN_FINISH, {"runId": runs["r-a"], "status": "FAILED"})

    async def names(order, key=None, filter=None):  # type: ignore[no-untyped-def]
        data = await tenant.client.data(
            COMPARE, {"id": ids["experiment"], "order": order, "key": key, "filter": filter}
        )
        return [n["name"] for n in data["node"]["runs"]["nodes"]]

    assert await names("METRIC_DESC", "val/accuracy") == ["r-b", "r-c", "r-a", "r-none"]
    assert await names("METRIC_ASC", "val/accuracy") == ["r-a", "r-c", "r-b", "r-none"]
    assert await names("PARAM_ASC", "lr") == ["r-c", "r-b", "r-a", "r-none"]
    assert await names("PARAM_DESC", "lr") == ["r-a", "r-b", "r-c", "r-none"]
    assert await names("NAME_ASC", filter={"status": ["RUNNING"]}) == ["r-b", "r-c", "r-none"]
    assert await names("NAME_ASC", filter={"params": {"lr": 0.01}}) == ["r-b"]
    missing_key = await tenant.client.execute(
        COMPARE, {"id": ids["experiment"], "order": "METRIC_DESC"}
    )
    assert "needs a key" in missing_key["errors"][0]["message"]

    # Keyset paging over a metric order visits every run once.
    seen, after = [], None
    while True:
        data = await tenant.client.data(
            """query($id: ID!, $after: String) { node(id: $id) { ... on Experiment {
                 runs(first: 1, after: $after, orderBy: METRIC_DESC, orderKey: "val/accuracy") {
                   nodes { name } pageInfo { endCursor hasNextPage } } } } }""",
            {"id": ids["experiment"], "after": after},
        )
        page = data["node"]["runs"]
        seen += [n["name"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["r-b", "r-c", "r-a", "r-none"]


async def test_project_lists_experiments(tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    data = await tenant.client.data(
        """query($id: ID!) { node(id: $id) { ... on Project {
             experiments { totalCount nodes { id runs { totalCount } } } } } }""",
        {"id": ids["project"]},
    )
    assert data["node"]["experiments"] == {
        "totalCount": 1,
        "nodes": [{"id": ids["experiment"], "runs": {"totalCount": 1}}],
    }


async def test_a_failed_run_says_why(tenant):
    """runFinish(failureReason:) with FAILED or KILLED; read on both paths; a reason with
    COMPLETED is refused; a traceback longer than 4,000 characters keeps its end."""
    ids = await create_run(tenant.client, tenant.org_id)
    finish = """mutation($input: RunFinishInput!) { runFinish(input: $input) {
      run { status failureReason } userErrors { field code message } } }"""
    refused = await tenant.client.mutate(
        finish, {"runId": ids["run"], "status": "COMPLETED", "failureReason": "x"}
    )
    assert_error(refused, "VALIDATION", ["input", "failureReason"])
    escape = {"runId": ids["run"], "status": "FAILED", "failureReason": "boom\x1b[2J"}
    assert_error(
        await tenant.client.mutate(finish, escape), "VALIDATION", ["input", "failureReason"]
    )
    reason = "Traceback (most recent call last):\n" + "  frame\n" * 600 + "RuntimeError: diverged"
    done = assert_ok(await tenant.client.mutate(
        finish, {"runId": ids["run"], "status": "FAILED", "failureReason": reason}))  # fmt: skip
    stored = done["run"]["failureReason"]
    assert done["run"]["status"] == "FAILED" and len(stored) == 4000
    assert stored.endswith("RuntimeError: diverged") and stored.startswith("…")
    read = "query($id: ID!) { node(id: $id) { ... on Run { failureReason } } }"
    for reader in (tenant.client, tenant.client.on_resolvers()):
        assert (await reader.data(read, {"id": ids["run"]}))["node"]["failureReason"] == stored


EXPERIMENT_FIELDS = """id status startedAt completedAt durationSeconds dataset { name }
  pipeline { name }"""
EXPERIMENT_MOVE = f"""mutation($input: ExperimentTransitionInput!) {{
  experimentTransition(input: $input) {{ experiment {{ {EXPERIMENT_FIELDS} }} {USER_ERRORS} }} }}"""
EXPERIMENT_LINK = f"""mutation($input: ExperimentCreateInput!) {{
  experimentCreate(input: $input) {{ experiment {{ {EXPERIMENT_FIELDS} }} {USER_ERRORS} }} }}"""
EXPERIMENT_UPDATE = f"""mutation($input: ExperimentUpdateInput!) {{
  experimentUpdate(input: $input) {{ experiment {{ {EXPERIMENT_FIELDS} }} {USER_ERRORS} }} }}"""
EXPERIMENT_READ = f"""query($id: ID!) {{ node(id: $id) {{ ... on Experiment {{
  {EXPERIMENT_FIELDS} }} }} }}"""


async def test_an_experiment_ends_completed_failed_or_cancelled_and_times_itself(tenant):
    client = tenant.client
    ids = await create_run(client, tenant.org_id)
    experiment = ids["experiment"]

    async def move(status: str) -> dict:  # type: ignore[type-arg]
        payload = await client.mutate(EXPERIMENT_MOVE, {"experimentId": experiment,
                                                        "status": status})  # fmt: skip
        return payload  # type: ignore[no-any-return]

    made = (await client.data(EXPERIMENT_READ, {"id": experiment}))["node"]
    assert made["status"] == "ACTIVE" and made["startedAt"] is not None
    assert (made["completedAt"], made["durationSeconds"]) == (None, None)
    failed = assert_ok(await move("FAILED"))["experiment"]
    assert failed["completedAt"] >= failed["startedAt"] and failed["durationSeconds"] >= 0
    assert_error(await move("CANCELLED"), "INVALID_TRANSITION", ["input", "status"])
    reopened = assert_ok(await move("ACTIVE"))["experiment"]
    assert reopened["startedAt"] >= failed["completedAt"] and reopened["completedAt"] is None
    cancelled = assert_ok(await move("CANCELLED"))["experiment"]
    assert cancelled["status"] == "CANCELLED" and cancelled["completedAt"] is not None
    archived = assert_ok(await move("ARCHIVED"))["experiment"]
    assert archived["completedAt"] == cancelled["completedAt"]  # archiving keeps the end
    assert_ok(await move("ACTIVE"))
    straight = assert_ok(await move("ARCHIVED"))["experiment"]  # an active one: ends it now
    assert straight["completedAt"] is not None
    # The duration is the same whichever path reads it, to the microsecond.
    compiled = await client.post(EXPERIMENT_READ, {"id": experiment})
    reference = await client.on_resolvers().post(EXPERIMENT_READ, {"id": experiment})
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    assert compiled.content == reference.content


async def test_an_experiment_links_its_dataset_and_workflow_in_its_project(tenant, make_tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    other_project = (await create_project(client, tenant.org_id))["id"]
    reviews = await dataset(client, project, "reviews")
    elsewhere = await dataset(client, other_project, "elsewhere")
    nightly = assert_ok(await create_pipeline(client, project))["pipeline"]["id"]
    made = assert_ok(await client.mutate(EXPERIMENT_LINK, {
        "projectId": project, "name": "linked", "datasetId": reviews,
        "pipelineId": nightly}))["experiment"]  # fmt: skip
    assert (made["dataset"], made["pipeline"]) == ({"name": "reviews"}, {"name": "nightly"})
    other = await make_tenant()
    theirs = await dataset(other.client, (await create_project(other.client, other.org_id))["id"],
                           "theirs")  # fmt: skip
    for change, code, field in (({"datasetId": elsewhere}, "VALIDATION", "datasetId"),
                                ({"datasetId": theirs}, "NOT_FOUND", "datasetId"),
                                ({"pipelineId": reviews}, "NOT_FOUND", "pipelineId")):  # fmt: skip
        payload = await client.mutate(EXPERIMENT_UPDATE, {"experimentId": made["id"], **change})
        assert_error(payload, code, ["input", field])
    unlinked = assert_ok(await client.mutate(EXPERIMENT_UPDATE, {
        "experimentId": made["id"], "datasetId": None}))["experiment"]  # fmt: skip
    assert (unlinked["dataset"], unlinked["pipeline"]) == (None, {"name": "nightly"})


SEARCH = """query($id: ID!, $q: String!) { node(id: $id) { ... on Project {
  experiments(filter: {search: $q}) { nodes { name } } } } }"""


async def test_experiments_are_found_by_full_text_search(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    for name, description in (("lr sweep", "Learning rates for the fraud classifier"),
                              ("depth", "Tree depths on card transactions")):  # fmt: skip
        assert_ok(await client.mutate(EXPERIMENT_CREATE, {
            "projectId": project, "name": name, "description": description}))  # fmt: skip
    for query, names in (("fraud", ["lr sweep"]), ("transaction", ["depth"]),
                         ("rates or depths", ["depth", "lr sweep"]), ("-fraud", ["depth"])):  # fmt: skip
        variables = {"id": project, "q": query}
        compiled = await client.post(SEARCH, variables)
        assert compiled.content == (await client.on_resolvers().post(SEARCH, variables)).content
        found = compiled.json()["data"]["node"]["experiments"]["nodes"]
        assert sorted(n["name"] for n in found) == names, query
