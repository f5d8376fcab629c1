"""MLflow's own client logging metrics with `MlflowClient.log_batch`, against mlgraph's
MLflow API and against a real MLflow server, both on one embedded PostgreSQL.

    .venv/bin/python bench/mlflow_log_batch.py [--batches 40] [--clients 1,4]

Each client is a process of .venv-mlflow (MLflow's own environment, `make
.venv-mlflow/.installed`) that creates its own run, then sends `--batches` calls of 1,000
metrics: 10 keys × 100 steps, as a training loop logs them, the client's own encoding
counted. Reported per server and number of clients: points/s over the wall time (first
call to last answer), and each call's p50/p99 in ms; then mlgraph's ratio to MLflow. MLflow
runs with 1 worker (as mlgraph's one process) and with its default 4; its tracking store
is PostgreSQL (a database of its own on the same server)."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402

from bench.common import (  # noqa: E402
    REPO,
    admin_key,
    counted_server,
    database,
    free_port,
    machine,
    until_up,
)

MLFLOW_PYTHON = REPO / ".venv-mlflow" / "bin" / "python"
MLFLOW = REPO / ".venv-mlflow" / "bin" / "mlflow"

CLIENT = """
import json, sys, time
from mlflow import MlflowClient
from mlflow.entities import Metric

batches, name = int(sys.argv[1]), sys.argv[2]
client = MlflowClient()
experiment = client.get_experiment_by_name("bench") or client.get_experiment(
    client.create_experiment("bench"))
run = client.create_run(experiment.experiment_id, run_name=name)
keys = [f"metric_{k}" for k in range(10)]
calls = []
start = time.time()
for batch in range(batches):
    now = int(time.time() * 1000)
    metrics = [Metric(key, step * 0.001 + k, now, step)
               for step in range(batch * 100, batch * 100 + 100)
               for k, key in enumerate(keys)]
    before = time.perf_counter()
    client.log_batch(run.info.run_id, metrics=metrics)
    calls.append((time.perf_counter() - before) * 1000)
end = time.time()
stored = len(client.get_metric_history(run.info.run_id, "metric_0"))
print(json.dumps({"start": start, "end": end, "calls_ms": calls, "stored": stored}))
"""


async def create_database(url: str, name: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def psycopg_url(url: str, name: str) -> str:
    """The embedded server's URL for another database, as SQLAlchemy + psycopg2 read it."""
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + name
    return base.replace("postgresql://", "postgresql+psycopg2://", 1) + (
        f"?{query}" if query else ""
    )


@contextlib.asynccontextmanager
async def mlflow_server(store_url: str, workers: int):  # type: ignore[no-untyped-def]
    port = free_port()
    artifacts = tempfile.mkdtemp(prefix="mlflow-bench-artifacts-")
    process = await asyncio.create_subprocess_exec(
        str(MLFLOW), "server", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--backend-store-uri", store_url,
        "--artifacts-destination", artifacts,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
        # MLflow 3 also starts seven job-queue consumers (huey) by default, each importing
        # mlflow on these same 2 cores while the clients log: off, unless the environment
        # says otherwise (they serve GenAI jobs, nothing a log_batch asks for).
        env={"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", **os.environ},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        await until_up(lambda client: client.get(f"{base}/health"), "mlflow server did not start")
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=60)
        shutil.rmtree(artifacts, ignore_errors=True)


async def clients(uri: str, token: str | None, n: int, batches: int, tmp: Path) -> dict[str, float]:
    script = tmp / "client.py"
    script.write_text(CLIENT)
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "GIT_PYTHON_REFRESH": "quiet"}
    if token:
        env["MLFLOW_TRACKING_TOKEN"] = token
    processes = [
        await asyncio.create_subprocess_exec(
            str(MLFLOW_PYTHON),
            str(script),
            str(batches),
            f"client-{i}",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        for i in range(n)
    ]
    results = []
    for process in processes:
        out, err = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(err.decode()[-3000:])
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    calls = sorted(c for r in results for c in r["calls_ms"])
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    assert all(r["stored"] == batches * 100 for r in results), [r["stored"] for r in results]
    return {
        "points_per_s": n * batches * 1000 / wall,
        "p50_ms": statistics.median(calls),
        "p99_ms": calls[min(len(calls) - 1, int(0.99 * len(calls)))],
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--clients", default="1,4")
    parser.add_argument("--servers", default="mlgraph,mlflow", help="mlgraph, mlflow or both")
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    if not MLFLOW_PYTHON.exists():
        sys.exit("MLflow's environment is missing: make .venv-mlflow/.installed")
    tmp = Path(tempfile.mkdtemp(prefix="mlflow-bench-"))  # the clients' script
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    print(f"machine: {machine()}")
    print(f"log_batch of 1,000 metrics (10 keys x 100 steps), {args.batches} calls per client")
    figures: dict[tuple[str, int], dict[str, float]] = {}
    with database() as url:
        key = await admin_key(url)
        await create_database(url, "mlflow_store")
        store = psycopg_url(url, "mlflow_store")
        servers = args.servers.split(",")
        async with counted_server(url) as server:
            for n in counts if "mlgraph" in servers else []:
                figures[("mlgraph", n)] = await clients(
                    f"{server.base_url}/mlflow", key, n, args.batches, tmp
                )
        for workers in (1, 4) if "mlflow" in servers else ():
            async with mlflow_server(store, workers) as base:
                for n in counts:
                    figures[(f"mlflow-{workers}w", n)] = await clients(
                        base, None, n, args.batches, tmp
                    )
    print(f"{'server':<14}{'clients':>8}{'points/s':>12}{'p50 ms':>9}{'p99 ms':>9}")
    for (name, n), f in figures.items():
        print(f"{name:<14}{n:>8}{f['points_per_s']:>12,.0f}{f['p50_ms']:>9.1f}{f['p99_ms']:>9.1f}")
    for n in counts if len(servers) == 2 else []:
        ours = figures[("mlgraph", n)]["points_per_s"]
        for workers in (1, 4):
            theirs = figures[(f"mlflow-{workers}w", n)]["points_per_s"]
            print(f"mlgraph / mlflow ({workers} worker(s)), {n} client(s): {ours / theirs:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
