"""`mlgraph import-mlflow` against a real `mlflow server` started here (MLflow's own
environment, .venv-mlflow), filled by MLflow's own client: experiments, runs, params, tags,
full metric histories (NaN, a repeated step, a negative step), a registered model with
versions, a stage and an alias. Imported twice: the second time adds nothing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.mlflow_client import MLFLOW_PYTHON, run_mlflow

MLFLOW = MLFLOW_PYTHON.parent / "mlflow"
MLGRAPH = Path(sys.executable).parent / "mlgraph"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def mlflow_server(tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        str(MLFLOW), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--backend-store-uri", f"sqlite:///{tmp_path / 'mlflow.db'}",
        "--artifacts-destination", str(tmp_path / "mlflow-artifacts"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
        # MLflow 3 starts seven job-queue consumers (huey) with its server by default, each
        # importing mlflow: tens of seconds of CPU for jobs the importer never asks for.
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            while True:  # wait for a state: the server answers, or its process ended
                if process.returncode is not None:
                    pytest.fail(f"mlflow server exited with {process.returncode}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{base}/health")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        await process.wait()


FILL = """
import math, mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric
mlflow.set_experiment("vision")
with mlflow.start_run(run_name="resnet") as run:
    mlflow.log_params({"lr": "0.01", "depth": "50"})
    mlflow.set_tag("team", "vision")
    # A full history in one request (MLflow's log-batch), not 300 log_metrics requests to
    # a sqlite-backed server, each a commit: the importer reads the same history.
    MlflowClient().log_batch(run.info.run_id, metrics=[
        Metric(key, value, 0, step) for step in range(300)
        for key, value in (("loss", 1 / (step + 1)), ("acc", step / 300))])
    mlflow.log_metric("loss", 99.0, step=5)      # a second value at a stored step
    mlflow.log_metric("loss", 7.0, step=-1)      # a negative step
    mlflow.log_metric("grad", float("nan"), step=0)
    with open("model.txt", "w") as f:
        f.write("weights")
    mlflow.log_artifact("model.txt", artifact_path="model")
client = MlflowClient()
running = client.create_run(run.info.experiment_id, run_name="running")  # left running
client.log_metric(running.info.run_id, "loss", 0.5, step=0)
mlflow.set_experiment("audio")
with mlflow.start_run(run_name="wav2vec"):
    mlflow.log_param("sr", "16000")
client.create_registered_model("resnet-classifier", description="ImageNet")
for _ in range(2):
    client.create_model_version("resnet-classifier", f"runs:/{run.info.run_id}/model", run.info.run_id)
client.transition_model_version_stage("resnet-classifier", "2", "Production")
client.set_registered_model_alias("resnet-classifier", "champion", "2")
print("{}")
"""

IMPORTED = """
query($slug: String!) {
  organization(slug: $slug) {
    projects(first: 20) { nodes { slug
      experiments(first: 10) { nodes { name runs(first: 10) { nodes {
        name status params tags trackingSystem trackingRunId
        metricSummary { key count last }
      } } } }
      models(first: 10) { nodes { name description
        aliases(first: 5) { nodes { name modelVersion { version } } }
        versions(first: 10) { nodes { version stage artifactUri run { name } } }
      } }
    } }
  }
}"""


async def import_mlflow(database_url: str, key: str, url: str, *extra: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "MLGRAPH_API_KEY": key}
    process = await asyncio.create_subprocess_exec(
        str(MLGRAPH), "import-mlflow", "--url", url, *extra, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()[-3000:]
    assert "[" in err.decode() and "]" in err.decode()  # the progress bars
    return out.decode()


async def test_import_from_a_running_mlflow_server_twice(
    mlflow_python, database_url, server, tenant, tmp_path
):
    async with mlflow_server(tmp_path) as url:
        await run_mlflow(mlflow_python, url, None, tmp_path, FILL)
        first = await import_mlflow(database_url, tenant.key, url)
        second = await import_mlflow(database_url, tenant.key, url)
        only = await import_mlflow(database_url, tenant.key, url, "--experiments", "audio")

    assert "runs: 3 (3 new)" in first and "registered models: 1 (1 new)" in first
    assert "versions: 2 (2 new)" in first and "aliases set: 1" in first
    assert "metric points: 602 (602 new)" in first
    assert "1 value(s) at steps already holding one" in first
    assert "1 value(s) at steps outside" in first
    # Nothing doubled the second time; an experiment filter narrows what is read.
    assert "runs: 3 (0 new)" in second and "metric points: 602 (0 new)" in second
    assert "versions: 2 (0 new)" in second and "experiments: 3 (0 new)" in second
    assert "experiments: 1 (0 new)" in only and "runs: 1 (0 new)" in only

    org = (await tenant.client.data(IMPORTED, {"slug": tenant.org_slug}))["organization"]
    [project] = [p for p in org["projects"]["nodes"] if p["slug"] == "mlflow"]
    experiments = {e["name"]: e for e in project["experiments"]["nodes"]}
    assert set(experiments) == {"Default", "vision", "audio"}  # MLflow's own "0" too
    runs = {r["name"]: r for r in experiments["vision"]["runs"]["nodes"]}
    resnet = runs["resnet"]
    assert resnet["status"] == "COMPLETED" and resnet["trackingSystem"] == "mlflow"
    assert resnet["params"] == {"lr": "0.01", "depth": "50"}
    assert resnet["tags"]["team"] == "vision"
    summaries = {s["key"]: s for s in resnet["metricSummary"]}
    assert summaries["loss"]["count"] == 300 and summaries["acc"]["count"] == 300
    assert summaries["grad"]["last"] == "NaN"
    assert runs["running"]["status"] == "RUNNING"
    [model] = project["models"]["nodes"]
    assert model["name"] == "resnet-classifier" and model["description"] == "ImageNet"
    versions = {v["version"]: v for v in model["versions"]["nodes"]}
    assert set(versions) == {"1.0.0", "2.0.0"}
    assert (
        versions["2.0.0"]["stage"] == "PRODUCTION" and versions["1.0.0"]["stage"] == "DEVELOPMENT"
    )
    assert versions["1.0.0"]["run"] == {"name": "resnet"}
    assert versions["1.0.0"]["artifactUri"].startswith(f"{url}/api/2.0/mlflow-artifacts/")
    assert model["aliases"]["nodes"] == [{"name": "champion", "modelVersion": {"version": "2.0.0"}}]
