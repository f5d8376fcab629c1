"""MLflow's own client (the `mlflow` package, in its own environment: .venv-mlflow) against
mlgraph's MLflow API: MLFLOW_TRACKING_URI=<server>/mlflow, MLFLOW_TRACKING_TOKEN=<key>.
What it writes is read back through GraphQL as ordinary mlgraph data."""

from __future__ import annotations

import httpx

from tests.conftest import RunningServer
from tests.support.mlflow_client import run_mlflow

TRACKING = """
import json, math
import mlflow
from mlflow import MlflowClient

mlflow.set_experiment("tracking")
with mlflow.start_run(run_name="manual") as run:
    mlflow.log_param("lr", 0.1)
    mlflow.log_params({"layers": 3, "optimizer": "adam"})
    for step in range(5):
        mlflow.log_metric("loss", 1 / (step + 1), step=step)
    mlflow.log_metric("loss", float("nan"), step=5)
    mlflow.log_metrics({"acc": 0.5, "f1": float("inf")}, step=2)
    mlflow.set_tag("team", "vision")
    with open("notes.txt", "w") as f:
        f.write("hello from mlflow")
    mlflow.log_artifact("notes.txt", artifact_path="notes")
run_id = run.info.run_id
client = MlflowClient()
history = client.get_metric_history(run_id, "loss")
found = mlflow.search_runs(filter_string="params.lr = '0.1' and metrics.acc > 0.4", output_format="list")
missed = mlflow.search_runs(filter_string="tags.team = 'audio'", output_format="list")
path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="notes/notes.txt")
got = client.get_run(run_id)
print(json.dumps({
    "run_id": run_id,
    "experiment_id": run.info.experiment_id,
    "history": [[m.step, None if math.isnan(m.value) else m.value] for m in history],
    "found": [r.info.run_id for r in found],
    "missed": len(missed),
    "downloaded": open(path).read(),
    "status": got.info.status,
    "params": got.data.params,
    "metrics": {k: repr(v) for k, v in got.data.metrics.items()},
    "tags": {k: v for k, v in got.data.tags.items() if not k.startswith("mlflow.source")},
    "artifacts": [a.path for a in client.list_artifacts(run_id, "notes")],
}))
"""

RUN = """
query($id: ID!) {
  node(id: $id) {
    ... on Run {
      name status params tags
      experiment { name project { slug } }
      metricSummary { key count last }
      artifacts(first: 50) { nodes { path sizeBytes sha256 } }
    }
  }
}"""


def run_global_id(hex_id: str) -> str:
    import uuid

    from app.api.ids import encode_id

    return encode_id("Run", uuid.UUID(hex_id))


async def test_mlflow_client_logs_a_run_that_is_ordinary_mlgraph_data(
    mlflow_python, server, tenant, tmp_path
):
    got = await run_mlflow(mlflow_python, server, tenant.key, tmp_path, TRACKING)
    assert got["history"] == [[0, 1.0], [1, 0.5], [2, 1 / 3], [3, 0.25], [4, 0.2], [5, None]]
    assert got["found"] == [got["run_id"]] and got["missed"] == 0
    assert got["downloaded"] == "hello from mlflow"
    assert got["status"] == "FINISHED"
    assert got["params"] == {"lr": "0.1", "layers": "3", "optimizer": "adam"}
    assert got["metrics"] == {"loss": "nan", "acc": "0.5", "f1": "inf"}
    assert got["tags"]["team"] == "vision" and got["tags"]["mlflow.runName"] == "manual"
    assert got["artifacts"] == ["notes/notes.txt"]
    # The same run through GraphQL: the project named by MLGRAPH_MLFLOW_PROJECT (default
    # "mlflow", made on first use), the experiment, params, tags, metrics and the file.
    run = (await tenant.client.data(RUN, {"id": run_global_id(got["run_id"])}))["node"]
    assert run["name"] == "manual" and run["status"] == "COMPLETED"
    assert run["experiment"] == {"name": "tracking", "project": {"slug": "mlflow"}}
    assert run["params"] == {"lr": "0.1", "layers": "3", "optimizer": "adam"}
    assert run["tags"]["team"] == "vision"
    summaries = {s["key"]: s for s in run["metricSummary"]}
    assert summaries["loss"]["count"] == 6 and summaries["loss"]["last"] == "NaN"
    assert summaries["f1"]["last"] == "Infinity"
    [artifact] = run["artifacts"]["nodes"]
    assert artifact["path"] == "notes/notes.txt" and artifact["sizeBytes"] == 17


AUTOLOG = """
import json
import mlflow
import numpy as np
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

mlflow.set_experiment("autolog")
mlflow.sklearn.autolog()
X, y = load_iris(return_X_y=True)
with mlflow.start_run(run_name="iris") as run:
    LogisticRegression(max_iter=300).fit(X, y)
version = mlflow.register_model(f"runs:/{run.info.run_id}/model", "iris-classifier")
client = MlflowClient()
client.set_registered_model_alias("iris-classifier", "champion", version.version)
by_alias = client.get_model_version_by_alias("iris-classifier", "champion")
model = mlflow.sklearn.load_model("models:/iris-classifier@champion")
got = client.get_run(run.info.run_id)
print(json.dumps({
    "run_id": run.info.run_id,
    "version": version.version,
    "alias_version": by_alias.version,
    "predicted": model.predict(X[:3]).tolist(),
    "params": sorted(got.data.params),
    "metrics": sorted(got.data.metrics),
    "tags": {k: v for k, v in got.data.tags.items() if k.startswith("estimator")},
}))
"""

MODEL = """
query($slug: String!) {
  organization(slug: $slug) {
    projects(first: 10) { nodes { slug models(first: 10) { nodes {
      name
      aliases(first: 10) { nodes { name modelVersion { version } } }
      versions(first: 10) { nodes { version artifactUri artifactSizeBytes run { id } } }
    } } } }
  }
}"""


async def test_sklearn_autologging_and_the_registry_through_mlflow(
    mlflow_python, server, tenant, tmp_path
):
    got = await run_mlflow(mlflow_python, server, tenant.key, tmp_path, AUTOLOG)
    assert got["version"] == "1" and got["alias_version"] == "1"
    assert got["predicted"] == [0, 0, 0]
    assert {"C", "max_iter", "solver"} <= set(got["params"])
    assert "training_accuracy_score" in got["metrics"]
    assert got["tags"]["estimator_name"] == "LogisticRegression"
    # In the graph: the model, version 1.0.0 from the run's files, the alias.
    org = (await tenant.client.data(MODEL, {"slug": tenant.org_slug}))["organization"]
    [project] = [p for p in org["projects"]["nodes"] if p["slug"] == "mlflow"]
    [model] = project["models"]["nodes"]
    assert model["name"] == "iris-classifier"
    [version] = model["versions"]["nodes"]
    assert version["version"] == "1.0.0"
    assert version["run"]["id"] == run_global_id(got["run_id"])
    assert version["artifactUri"].startswith(f"runs:/{got['run_id']}/models/m-")
    assert version["artifactSizeBytes"] > 0
    assert model["aliases"]["nodes"] == [{"name": "champion", "modelVersion": {"version": "1.0.0"}}]
    run = (await tenant.client.data(RUN, {"id": run_global_id(got["run_id"])}))["node"]
    paths = {a["path"].rsplit("/", 1)[-1] for a in run["artifacts"]["nodes"]}
    assert {"MLmodel", "model.pkl", "requirements.txt"} <= paths


ERRORS = """
import json
import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

client = MlflowClient()
found = {}

def code(name, call):
    try:
        call()
        found[name] = "no error"
    except MlflowException as error:
        found[name] = [error.error_code, error.get_http_status_code(), error.message]

code("missing_run", lambda: client.get_run("0123456789abcdef0123456789abcdef"))
code("missing_experiment", lambda: client.get_experiment("0123456789abcdef0123456789abcdef"))
code("bad_filter", lambda: client.search_runs(["0"], filter_string="metrics.loss >"))
code("or_filter", lambda: len(client.search_runs(["0"], filter_string="params.a = '1' or params.b = '2'")))
code("not_like", lambda: client.search_runs(["0"], filter_string="params.a not like '1%'"))
code("missing_model", lambda: client.get_registered_model("nope"))
exp = client.create_experiment("errors")
code("duplicate_experiment", lambda: client.create_experiment("errors"))
run = client.create_run(exp)
client.log_param(run.info.run_id, "lr", "0.1")
code("changed_param", lambda: client.log_param(run.info.run_id, "lr", "0.2"))
code("bad_metric_key", lambda: client.log_metric(run.info.run_id, "bad\\nkey", 1.0))
print(json.dumps(found))
"""


async def test_errors_come_back_in_mlflows_format(mlflow_python, server, tenant, tmp_path):
    found = await run_mlflow(mlflow_python, server, tenant.key, tmp_path, ERRORS)
    assert found["missing_run"][:2] == ["RESOURCE_DOES_NOT_EXIST", 404]
    assert found["missing_experiment"][:2] == ["RESOURCE_DOES_NOT_EXIST", 404]
    assert found["bad_filter"][:2] == ["INVALID_PARAMETER_VALUE", 400]
    assert "at character 15" in found["bad_filter"][2]
    assert found["or_filter"] == "no error"  # mlgraph's language: a superset of MLflow's
    assert found["not_like"][:2] == ["INVALID_PARAMETER_VALUE", 400]
    assert "at character 10" in found["not_like"][2]
    assert found["missing_model"][:2] == ["RESOURCE_DOES_NOT_EXIST", 404]
    assert found["duplicate_experiment"][:2] == ["RESOURCE_ALREADY_EXISTS", 400]
    assert found["changed_param"][:2] == ["INVALID_PARAMETER_VALUE", 400]
    assert "immutable" in found["changed_param"][2]
    assert found["bad_metric_key"][:2] == ["INVALID_PARAMETER_VALUE", 400]


async def test_refusals_over_plain_http_are_in_mlflows_format(
    server: RunningServer, http: httpx.AsyncClient, tenant
):
    api = f"{server.base_url}/mlflow/api/2.0/mlflow"
    missing = await http.get(f"{api}/experiments/get?experiment_id=0")
    assert missing.status_code == 401 and missing.json()["error_code"] == "UNAUTHENTICATED"
    bad = await http.get(
        f"{api}/experiments/get?experiment_id=0", headers={"Authorization": "Bearer mlg_nope"}
    )
    assert bad.status_code == 401 and bad.json()["error_code"] == "UNAUTHENTICATED"
    key = {"Authorization": f"Bearer {tenant.key}"}
    unknown = await http.post(f"{api}/traces/nope", json={}, headers=key)
    assert unknown.status_code == 404 and unknown.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    not_json = await http.post(f"{api}/runs/create", content=b"{", headers=key)
    assert not_json.status_code == 400 and not_json.json()["error_code"] == "MALFORMED_REQUEST"
    # A finished run takes no new points (mlgraph's rule), said in MLflow's terms.
    run = (await http.post(f"{api}/runs/create", json={"experiment_id": "0"}, headers=key)).json()
    run_id = run["run"]["info"]["run_id"]
    ended = await http.post(
        f"{api}/runs/update", json={"run_id": run_id, "status": "FINISHED"}, headers=key
    )
    assert ended.json()["run_info"]["status"] == "FINISHED"
    late = await http.post(
        f"{api}/runs/log-metric",
        json={"run_id": run_id, "key": "loss", "value": 1.0, "timestamp": 0, "step": 3},
        headers=key,
    )
    assert late.status_code == 400 and late.json()["error_code"] == "INVALID_STATE"
    negative = await http.post(
        f"{api}/runs/log-batch",
        json={"run_id": run_id, "metrics": [{"key": "x", "value": 1, "timestamp": 0, "step": -1}]},
        headers=key,
    )
    assert negative.status_code == 400
    assert negative.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "metrics.0.step" in negative.json()["message"]


LEAK = """
import json, sys
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

run_id, experiment_id = sys.argv[1], sys.argv[2]
client = MlflowClient()
found = {}
def code(name, call):
    try:
        result = call()
        found[name] = ["answered", repr(result)[:200]]
    except MlflowException as error:
        found[name] = [error.error_code]
    except Exception as error:
        found[name] = [type(error).__name__, str(error)[:300]]

code("get_run", lambda: client.get_run(run_id))
code("log_metric", lambda: client.log_metric(run_id, "x", 1.0, step=99))
code("set_tag", lambda: client.set_tag(run_id, "owned", "yes"))
code("history", lambda: client.get_metric_history(run_id, "loss"))
code("list", lambda: client.list_artifacts(run_id))
code("search", lambda: client.search_runs([experiment_id]))
print(json.dumps(found))
"""


async def test_another_tenant_reaches_nothing_through_mlflow(
    mlflow_python, server, tenant, make_tenant, tmp_path, http
):
    owner = await run_mlflow(mlflow_python, server, tenant.key, tmp_path, TRACKING)
    other = await make_tenant()
    script = LEAK.replace(
        "sys.argv[1], sys.argv[2]", f"{owner['run_id']!r}, {owner['experiment_id']!r}"
    )
    found = await run_mlflow(mlflow_python, server, other.key, tmp_path, script)
    for name in ("get_run", "log_metric", "set_tag", "history"):
        assert found[name] == ["RESOURCE_DOES_NOT_EXIST"], (name, found[name])
    assert found["search"][0] == "answered" and "[]" in found["search"][1]
    # The artifact proxy, by the owner's paths: nothing listed, read or written.
    proxy = f"{server.base_url}/mlflow/api/2.0/mlflow-artifacts/artifacts"
    where = f"{owner['experiment_id']}/{owner['run_id']}/artifacts"
    headers = {"Authorization": f"Bearer {other.key}"}
    listed = await http.get(proxy, params={"path": where}, headers=headers)
    read = await http.get(f"{proxy}/{where}/notes/notes.txt", headers=headers)
    written = await http.put(f"{proxy}/{where}/notes/notes.txt", content=b"owned", headers=headers)
    for reply in (listed, read, written):
        assert reply.status_code == 404 and reply.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    mine = {"Authorization": f"Bearer {tenant.key}"}
    assert (await http.get(f"{proxy}/{where}/notes/notes.txt", headers=mine)).content == (
        b"hello from mlflow"
    )
    run = (await tenant.client.data(RUN, {"id": run_global_id(owner["run_id"])}))["node"]
    assert "owned" not in run["tags"] and {s["key"] for s in run["metricSummary"]} == {
        "loss", "acc", "f1",
    }  # fmt: skip


async def test_artifact_proxy_paths_stay_inside_their_run(
    server, tenant, http, tmp_path, mlflow_python
):
    owner = await run_mlflow(mlflow_python, server, tenant.key, tmp_path, TRACKING)
    proxy = f"{server.base_url}/mlflow/api/2.0/mlflow-artifacts/artifacts"
    where = f"{owner['experiment_id']}/{owner['run_id']}/artifacts"
    headers = {"Authorization": f"Bearer {tenant.key}"}
    for bad in ("%2E%2E/%2E%2E/x", "a/%2E%2E/b", "a//b", "a%5Cb", "a%00b"):
        reply = await http.put(f"{proxy}/{where}/{bad}", content=b"x", headers=headers)
        assert reply.status_code == 400, (bad, reply.text)
        assert reply.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    # A run named under another experiment than its own is not found.
    other_experiment = "0" * 32
    reply = await http.get(
        f"{proxy}/{other_experiment}/{owner['run_id']}/artifacts/notes/notes.txt", headers=headers
    )
    assert reply.status_code == 404


async def test_a_key_without_the_read_scope_logs_but_reads_nothing(server, tenant, http):  # type: ignore[no-untyped-def]
    """As over GraphQL: an INGEST key logs metrics, a WRITE key sets tags, and neither
    reads a run back (MLflow's own client reads as it logs: give it READ too)."""
    from tests.support.tenancy import key_for

    api = f"{server.base_url}/mlflow/api/2.0/mlflow"
    owner = {"Authorization": f"Bearer {tenant.key}"}
    made = await http.post(f"{api}/runs/create", json={"experiment_id": "0"}, headers=owner)
    run_id = made.json()["run"]["info"]["run_id"]
    ingest = await key_for(tenant.client, http, scopes=["INGEST"])
    write = await key_for(tenant.client, http, scopes=["WRITE"])
    for key in (ingest.key, write.key):
        read = await http.get(
            f"{api}/runs/get", params={"run_id": run_id}, headers={"Authorization": f"Bearer {key}"}
        )
        assert read.status_code == 403 and read.json()["error_code"] == "PERMISSION_DENIED"
    logged = await http.post(
        f"{api}/runs/log-batch",
        json={
            "run_id": run_id,
            "metrics": [{"key": "loss", "value": 1.0, "timestamp": 0, "step": 0}],
        },
        headers={"Authorization": f"Bearer {ingest.key}"},
    )
    assert logged.status_code == 200, logged.text
    param = await http.post(
        f"{api}/runs/log-parameter",
        json={"run_id": run_id, "key": "lr", "value": "0.1"},
        headers={"Authorization": f"Bearer {ingest.key}"},
    )
    assert param.status_code == 403 and param.json()["error_code"] == "PERMISSION_DENIED"
    tagged = await http.post(
        f"{api}/runs/set-tag",
        json={"run_id": run_id, "key": "team", "value": "vision"},
        headers={"Authorization": f"Bearer {write.key}"},
    )
    assert tagged.status_code == 200, tagged.text
    got = (await http.get(f"{api}/runs/get", params={"run_id": run_id}, headers=owner)).json()
    assert {"key": "team", "value": "vision"} in got["run"]["data"]["tags"]
    assert [m["key"] for m in got["run"]["data"]["metrics"]] == ["loss"]


GATED_VERSION = """
import json
from mlflow import MlflowClient

client = MlflowClient()
client.create_registered_model("gated")
version = client.create_model_version("gated", source="s3://models/gated/1")
print(json.dumps({"version": version.version}))
"""

THROUGH_THE_GATE = """
import json
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

client = MlflowClient()
found = {}
for name, call in (
    ("stage", lambda: client.transition_model_version_stage("gated", "1", "Production")),
    ("alias", lambda: client.set_registered_model_alias("gated", "champion", "1")),
    ("staging", lambda: client.transition_model_version_stage("gated", "1", "Staging")),
):
    try:
        call()
        found[name] = "moved"
    except MlflowException as error:
        found[name] = [error.error_code, error.message]
print(json.dumps(found))
"""

GATES = """mutation($input: PromotionGateSetInput!) { promotionGateSet(input: $input) {
  promotionGate { id } userErrors { field code message } } }"""


async def test_mlflows_stage_and_alias_moves_pass_the_promotion_gates(
    mlflow_python, server, tenant, tmp_path
):
    """Issue 29 item 4 through MLflow's own client: a gated stage or alias is refused with
    the gate's reason, an ungated stage moves."""
    made = await run_mlflow(mlflow_python, server, tenant.key, tmp_path, GATED_VERSION)
    assert made["version"] == "1"
    org = (await tenant.client.data(MODEL_IDS, {"slug": tenant.org_slug}))["organization"]
    [model] = [m for p in org["projects"]["nodes"] if p["slug"] == "mlflow"
               for m in p["models"]["nodes"] if m["name"] == "gated"]  # fmt: skip
    for target in ({"stage": "PRODUCTION"}, {"alias": "champion"}):
        gate = await tenant.client.mutate(GATES, {"modelId": model["id"], **target})
        assert gate["userErrors"] == []
    found = await run_mlflow(mlflow_python, server, tenant.key, tmp_path, THROUGH_THE_GATE)
    for refused in ("stage", "alias"):
        code, message = found[refused]
        assert code == "PERMISSION_DENIED" and "needs 1 approval(s) from admins" in message
    assert found["staging"] == "moved"


MODEL_IDS = """query($slug: String!) { organization(slug: $slug) {
  projects(first: 10) { nodes { slug models(first: 10) { nodes { id name } } } } } }"""
