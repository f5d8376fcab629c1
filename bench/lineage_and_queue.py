"""Lineage walks and the training-job work queue.

    .venv/bin/python bench/lineage_and_queue.py [--seconds 5] [--jobs 2000]

1. Lineage: an organization with a chain of 200 derived dataset versions, 1,000 runs each
   consuming two versions, a model version per run and a deployment per five versions
   (rows written directly, in bulk). One client walks the graph for ``--seconds`` each:
   DOWNSTREAM from the root version (depth 3 and 10) and UPSTREAM from a model version
   (depth 10); latency p50/p99, nodes and edges per answer, SQL statements per request.
2. Claims: ``--jobs`` queued training jobs drained by 1 and 4 concurrent workers claiming
   10 at a time (FOR UPDATE SKIP LOCKED, with a lease): jobs claimed per second, none twice.
The server runs in its own process on the embedded PostgreSQL; the client shares the cores."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from app.api.ids import encode_id  # noqa: E402
from app.db.engine import make_engine, make_session_factory  # noqa: E402
from app.db.ids import uuid7  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.domain.datasets.models import (  # noqa: E402
    Dataset,
    DatasetInput,
    DatasetVersion,
    DatasetVersionParent,
)
from app.domain.environments.models import Environment
from app.domain.experiments.models import Experiment, Run  # noqa: E402
from app.domain.registry.models import Model, ModelVersion
from app.domain.serving.models import Deployment, ServingEndpoint
from app.domain.tenancy.models import (
    Organization,  # noqa: E402
    Project,
)
from app.domain.tenancy.services import bootstrap_admin  # noqa: E402
from app.domain.training.models import TrainingJob  # noqa: E402
from bench.common import counted_server, database, machine  # noqa: E402

VERSIONS, RUNS = 200, 1_000
LINEAGE = """query($id: ID!, $direction: LineageDirection!, $depth: Int!) { node(id: $id) {
  ... on DatasetVersion { lineage(direction: $direction, depth: $depth) { ...g } }
  ... on ModelVersion { lineage(direction: $direction, depth: $depth) { ...g } } } }
fragment g on Lineage { nodes { id type label depth } edges { from to kind role } }"""
CLAIM = """mutation($i: TrainingJobClaimInput!) { trainingJobClaim(input: $i) {
  trainingJobs { id } userErrors { message } } }"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


async def seed(url: str, org: uuid.UUID, jobs: int) -> dict[str, uuid.UUID]:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    async with make_session_factory(engine)() as session, session.begin():
        project, experiment, model, env, data = (uuid7() for _ in range(5))
        tenant = {"organization_id": org}
        await session.execute(insert(Project).values(id=project, slug="p", name="P", **tenant))
        await session.execute(insert(Environment).values(id=env, name="e", **tenant))
        await session.execute(insert(Experiment).values(
            id=experiment, project_id=project, name="x", **tenant))  # fmt: skip
        await session.execute(insert(Model).values(
            id=model, project_id=project, name="m", model_type="classification",
            framework="xgboost", **tenant))  # fmt: skip
        await session.execute(insert(Dataset).values(
            id=data, project_id=project, name="d", dataset_type="tabular", **tenant))  # fmt: skip
        versions = [uuid7() for _ in range(VERSIONS)]
        await session.execute(insert(DatasetVersion), [
            {"id": v, "dataset_id": data, "version": str(i), "versioning_system": "dvc",
             "status": "active", **tenant} for i, v in enumerate(versions)])  # fmt: skip
        await session.execute(insert(DatasetVersionParent), [
            {"child_id": c, "parent_id": p, **tenant}
            for p, c in zip(versions, versions[1:], strict=False)])  # fmt: skip
        runs = [uuid7() for _ in range(RUNS)]
        await session.execute(insert(Run), [
            {"id": r, "experiment_id": experiment, "project_id": project, "name": f"r{i}",
             "status": "completed", "started_at": datetime.now(UTC), **tenant}
            for i, r in enumerate(runs)])  # fmt: skip
        await session.execute(insert(DatasetInput), [
            {"id": uuid7(), "dataset_version_id": versions[(i * k) % VERSIONS], "run_id": r,
             "role": "train" if k == 1 else "test", **tenant}
            for i, r in enumerate(runs) for k in (1, 7)])  # fmt: skip
        model_versions = [uuid7() for _ in runs]
        await session.execute(insert(ModelVersion), [
            {"id": m, "model_id": model, "version": f"{i}.0.0", "run_id": r, "stage": "development",
             **tenant} for i, (m, r) in enumerate(zip(model_versions, runs, strict=True))])  # fmt: skip
        endpoint = uuid7()
        await session.execute(insert(ServingEndpoint).values(
            id=endpoint, project_id=project, model_id=model, environment_id=env, status="idle",
            **tenant))  # fmt: skip
        await session.execute(insert(Deployment), [
            {"id": uuid7(), "project_id": project, "model_version_id": m, "environment_id": env,
             "endpoint_id": endpoint, "name": f"d{i}", "status": "active", **tenant}
            for i, m in enumerate(model_versions[::5])])  # fmt: skip
        await session.execute(insert(TrainingJob), [
            {"id": uuid7(), "project_id": project, "environment_id": env, "name": f"j{i}",
             "image": "i", "gpus": 0, "use_gpu": False, "status": "queued", **tenant}
            for i in range(jobs)])  # fmt: skip
        await session.execute(text("ANALYZE"))
    await engine.dispose()
    return {"root": versions[0], "model_version": model_versions[-1]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--jobs", type=int, default=2000)
    args = parser.parse_args()
    print(f"machine: {machine()}\n")
    with database() as url:
        upgrade(url)
        engine = make_engine(url, pool_size=1, max_overflow=0)
        async with make_session_factory(engine)() as session, session.begin():
            made = await bootstrap_admin(session, email="bench@example.com", org_slug="bench")
            key = made.secret
            org = await session.scalar(select(Organization.id).where(Organization.slug == "bench"))
        await engine.dispose()
        start = await seed(url, org, args.jobs)
        headers = {"Authorization": f"Bearer {key}"}
        async with counted_server(url, {"MLGRAPH_RATE_REQUESTS_PER_KEY": "0"}) as server:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
                print(f"lineage: {VERSIONS} derived versions, {RUNS} runs x 2 inputs, "
                      f"{RUNS} model versions, {RUNS // 5} deployments")  # fmt: skip
                print(f"{'walk':>34} {'nodes':>6} {'edges':>6} {'p50 ms':>8} {'p99 ms':>8} "
                      f"{'SQL/req':>8}")  # fmt: skip
                cases = [("DOWNSTREAM from the root, depth 3", "DatasetVersion", "root", 3),
                         ("DOWNSTREAM from the root, depth 10", "DatasetVersion", "root", 10),
                         ("UPSTREAM from a model version, 10", "ModelVersion", "model_version", 10)]  # fmt: skip
                for label, type_name, which, depth in cases:
                    direction = "UPSTREAM" if "UPSTREAM" in label else "DOWNSTREAM"
                    body = {"query": LINEAGE, "variables": {
                        "id": encode_id(type_name, start[which]), "direction": direction,
                        "depth": depth}}  # fmt: skip
                    latencies: list[float] = []
                    before = await server.statements()
                    deadline = time.perf_counter() + args.seconds
                    answer: dict = {}  # type: ignore[type-arg]
                    while time.perf_counter() < deadline:
                        t0 = time.perf_counter()
                        response = await client.post("/graphql", json=body, headers=headers)
                        latencies.append((time.perf_counter() - t0) * 1000)
                        answer = response.json()
                        assert not answer.get("errors"), answer
                    statements = (await server.statements() - before) / len(latencies)
                    graph = answer["data"]["node"]["lineage"]
                    print(f"{label:>34} {len(graph['nodes']):>6} {len(graph['edges']):>6} "
                          f"{statistics.median(latencies):>8.1f} {pct(latencies, 99):>8.1f} "
                          f"{statements:>8.2f}")  # fmt: skip

                print(f"\nclaims: {args.jobs} queued jobs, 10 per claim")
                remaining = args.jobs
                for workers in (1, 4):
                    share = remaining // 2 if workers == 1 else remaining
                    claimed: list[str] = []

                    async def worker(name: str, quota: int, claimed: list[str] = claimed) -> None:
                        got_total = 0
                        while got_total < quota:
                            body = {"query": CLAIM, "variables": {"i": {
                                "worker": name, "limit": 10, "leaseSeconds": 600}}}  # fmt: skip
                            response = await client.post("/graphql", json=body, headers=headers)
                            got = response.json()["data"]["trainingJobClaim"]["trainingJobs"]
                            if not got:
                                return
                            claimed.extend(j["id"] for j in got)
                            got_total += len(got)

                    t0 = time.perf_counter()
                    await asyncio.gather(*(worker(f"w{i}", share) for i in range(workers)))
                    elapsed = time.perf_counter() - t0
                    assert len(claimed) == len(set(claimed)), "a job was claimed twice"
                    remaining -= len(claimed)
                    print(f"  {workers} worker(s): {len(claimed):,} jobs in {elapsed:.2f} s = "
                          f"{len(claimed) / elapsed:,.0f} jobs/s, none twice")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
