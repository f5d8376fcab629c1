"""Alert-rule evaluation cost per recorded batch.

    .venv/bin/python bench/alert_eval.py [--batches 200]

A deployment with 0, 1, 10 and 50 enabled rules (avg/max/p95/last over 5-minute windows)
on the metric being recorded; one client records batches of 100 points (one per second of
data time, so windows hold up to 300 points) through monitoringMetricsRecord. The cost of
evaluation is the batch latency with rules minus the latency without."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from bench.common import admin_key, counted_server, database, machine  # noqa: E402
from bench.run_metrics import PROJECT, Api  # noqa: E402

MODEL = "mutation($i: ModelCreateInput!) { modelCreate(input: $i) { model { id } } }"
VERSION = "mutation($i: ModelVersionCreateInput!) { modelVersionCreate(input: $i) { modelVersion { id } } }"
ENV = (
    "mutation($i: EnvironmentCreateInput!) { environmentCreate(input: $i) { environment { id } } }"
)
DEPLOY = "mutation($i: DeploymentCreateInput!) { deploymentCreate(input: $i) { deployment { id } userErrors { field message } } }"
RULE = "mutation($i: AlertRuleCreateInput!) { alertRuleCreate(input: $i) { alertRule { id } } }"
RECORD = "mutation($i: MonitoringMetricsRecordInput!) { monitoringMetricsRecord(input: $i) { recordedCount userErrors { message } } }"
AGGREGATIONS = ("AVG", "MAX", "P95", "LAST")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=200)
    args = parser.parse_args()
    print(f"machine: {machine()}\n")
    with database() as url:
        key = await admin_key(url)
        async with counted_server(url) as server:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
                api = Api(client, key)
                org = (await api.call('{ organization(slug: "bench") { id } }', {}))[
                    "organization"
                ]["id"]
                env = (await api.call(ENV, {"i": {"organizationId": org, "name": "prod"}}))[
                    "environmentCreate"
                ]["environment"]["id"]
                print(
                    f"{'rules':>5} {'p50 ms':>8} {'p99 ms':>8} {'SQL/batch':>9} {'eval ms (p50 delta)':>20}"
                )
                baseline = None
                for rules in (0, 1, 10, 50):
                    slug = f"p{rules}"
                    project = (
                        await api.call(
                            PROJECT, {"i": {"organizationId": org, "slug": slug, "name": slug}}
                        )
                    )["projectCreate"]["project"]["id"]
                    model = (
                        await api.call(
                            MODEL,
                            {
                                "i": {
                                    "projectId": project,
                                    "name": "m",
                                    "modelType": "OTHER",
                                    "framework": "OTHER",
                                }
                            },
                        )
                    )["modelCreate"]["model"]["id"]
                    version = (
                        await api.call(VERSION, {"i": {"modelId": model, "version": "1.0.0"}})
                    )["modelVersionCreate"]["modelVersion"]["id"]
                    deployment = (
                        await api.call(
                            DEPLOY,
                            {"i": {"modelVersionId": version, "environmentId": env, "name": slug}},
                        )
                    )["deploymentCreate"]["deployment"]["id"]
                    for i in range(rules):
                        await api.call(RULE, {"i": {"projectId": project, "name": f"r{i}", "metricName": "latency_ms",
                                                    "comparator": "GT", "threshold": 1e9, "aggregation": AGGREGATIONS[i % 4],
                                                    "windowSeconds": 300}})  # fmt: skip
                    start = datetime(2026, 1, 1, tzinfo=UTC)
                    latencies = []
                    before = await server.statements()
                    for batch in range(args.batches):
                        points = [{"name": "latency_ms", "value": 20.0 + (i % 7),
                                   "recordedAt": (start + timedelta(seconds=batch * 100 + i)).isoformat()}
                                  for i in range(100)]  # fmt: skip
                        started = time.perf_counter()
                        await api.call(
                            RECORD, {"i": {"deploymentId": deployment, "points": points}}
                        )
                        latencies.append((time.perf_counter() - started) * 1000)
                    per_batch = (await server.statements() - before) / args.batches
                    p50 = statistics.median(latencies)
                    baseline = p50 if baseline is None else baseline
                    print(
                        f"{rules:>5} {p50:>8.2f} {pct(latencies, 99):>8.2f} {per_batch:>9.1f} {p50 - baseline:>20.2f}"
                    )


if __name__ == "__main__":
    asyncio.run(main())
