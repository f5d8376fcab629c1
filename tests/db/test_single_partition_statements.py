"""Sharding-ready, checked (issue 28, item 5): every statement the hot paths send — ingest
(first and retried), chart, raw pages, monitoring record with alert evaluation, predictions
and their reads, lineage — is captured as the server runs it through the public API, then
put under ``EXPLAIN`` with its own parameters on the real hash-partitioned tables. Each
partitioned table a statement reads must be read in exactly one partition: the partition
of the one run or deployment the statement is about, the property a Citus distribution by
the same column needs to route the statement to a single shard."""

from __future__ import annotations

import json
import re
from typing import Any

import asyncpg

from app.db.url import plain_url
from tests.helpers import build_graph, create_run, log_points
from tests.support.alert_rules import PREDICTIONS, at, record, rule

PARTITIONED = ("run_metric_chunks", "monitoring_metrics", "predictions", "prediction_embeddings")
MENTIONS = re.compile(r"\b(" + "|".join(PARTITIONED) + r")\b")
PARTITION = re.compile(r"^(" + "|".join(PARTITIONED) + r")_p\d+$")

CHART = """query($id: ID!) { node(id: $id) { ... on Run {
  metricHistory(keys: ["loss", "acc"], maxPoints: 50) { key buckets { stepStart min max last count } }
  columns: metricHistory(keys: ["loss"], maxPoints: 1000) { columns { stepStart last } } } } }"""
RAW_PAGE = """query($id: ID!, $after: String) { node(id: $id) { ... on Run {
  metric(key: "loss") { points(first: 100, after: $after) {
    pageInfo { endCursor hasNextPage } nodes { step value } } } } } }"""
DEPLOYMENT_READS = """query($id: ID!) { node(id: $id) { ... on Deployment {
  predictions(first: 10) { nodes { latencyMs recordedAt } }
  monitoringMetrics(names: ["latency_ms"], first: 10) { nodes { name value } } } } }"""
LINEAGE = """query($id: ID!) { node(id: $id) { ... on Run {
  up: lineage(direction: UPSTREAM, depth: 3) { nodes { __typename } }
  down: lineage(direction: DOWNSTREAM, depth: 3) { nodes { __typename } } } } }"""


def scanned_partitions(plan: dict[str, Any], found: dict[str, set[str]]) -> None:
    """Partitions read anywhere in the plan, by their table."""
    name = plan.get("Relation Name", "")
    if matched := PARTITION.match(name):
        found.setdefault(matched.group(1), set()).add(name)
    for child in plan.get("Plans", ()):
        scanned_partitions(child, found)


async def test_every_hot_path_statement_reads_one_partition(count_statements, tenant, database_url):
    graph = await build_graph(tenant.client, tenant.org_id)
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    await rule(tenant.client, graph, windowSeconds=600)  # latency_ms > 100 on average
    points = [{"key": k, "step": s, "value": s / 7} for s in range(300) for k in ("loss", "acc")]
    with count_statements() as captured:
        captured.phase = "ingest"
        await log_points(tenant.client, run, points)
        captured.phase = "ingest, retried"
        await log_points(
            tenant.client, run, points[-20:] + [{"key": "loss", "step": 300, "value": 1}]
        )
        captured.phase = "chart"
        await tenant.client.data(CHART, {"id": run})
        captured.phase = "raw page"
        first = await tenant.client.data(RAW_PAGE, {"id": run, "after": None})
        after = first["node"]["metric"]["points"]["pageInfo"]["endCursor"]
        await tenant.client.data(RAW_PAGE, {"id": run, "after": after})
        captured.phase = "monitoring record, alert evaluation"
        await record(tenant.client, graph["deployment"], "latency_ms", [150.0, 180.0, 210.0])
        captured.phase = "predictions"
        predictions = [{"latencyMs": 20.0 + i, "recordedAt": at(i)} for i in range(5)]
        recorded = await tenant.client.mutate(
            PREDICTIONS, {"deploymentId": graph["deployment"], "predictions": predictions}
        )
        assert recorded["recordedCount"] == 5
        await tenant.client.data(DEPLOYMENT_READS, {"id": graph["deployment"]})
        captured.phase = "lineage"
        await tenant.client.data(LINEAGE, {"id": run})

    explained = [(p, sql, args) for p, sql, args in captured.executed if MENTIONS.search(sql)]
    phases = {phase for phase, _, _ in explained}
    # Every path that stores or reads a partitioned table was seen doing so (lineage reads none).
    assert phases >= {
        "ingest", "ingest, retried", "chart", "raw page",
        "monitoring record, alert evaluation", "predictions",
    }, phases  # fmt: skip
    connection = await asyncpg.connect(plain_url(database_url))
    wrong: list[str] = []
    reads = 0
    try:
        for phase, statement, parameters in explained:
            plan = await connection.fetchval(
                f"EXPLAIN (FORMAT JSON) {statement}", *(parameters or ())
            )
            found: dict[str, set[str]] = {}
            scanned_partitions(json.loads(plan)[0]["Plan"], found)
            reads += bool(found)
            for table, partitions in found.items():
                if len(partitions) != 1:
                    wrong.append(f"{phase}: {len(partitions)} partitions of {table}: {statement}")
            if not found and not statement.lstrip().upper().startswith(("INSERT", "WITH")):
                wrong.append(f"{phase}: reads no partition at all: {statement}")
    finally:
        await connection.close()
    assert wrong == [], "\n\n".join(wrong)
    assert reads >= 6  # the check looked at real partition reads, not only at inserts
