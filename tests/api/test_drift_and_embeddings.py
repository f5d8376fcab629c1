"""Drift reports and prediction embeddings (pgvector) through GraphQL."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import text

from app.api.ids import decode_id
from app.db.engine import make_engine
from tests.helpers import assert_error, assert_ok, build_graph
from tests.support.drift_and_embeddings import DRIFT, EMBED

EMBEDDING_DRIFT = """query($id: ID!) { node(id: $id) { ... on Deployment {
  embeddingDimension embeddingDrift(windowSeconds: 3600, permutations: 200) {
    referenceCount currentCount centroidCosineDistance pValue isDriftDetected } } } }"""
SIMILAR = """query($id: ID!, $v: Vector!, $k: Int!) { node(id: $id) { ... on Deployment {
  similarPredictions(vector: $v, k: $k) { id distance isReference } } } }"""


async def test_drift_report_scores_features_and_opens_an_alert(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    rng = np.random.default_rng(3)
    reference = rng.normal(0, 1, 2_000).round(6).tolist()
    payload = assert_ok(await tenant.client.mutate(DRIFT, {"deploymentId": ids["deployment"], "features": [
        {"name": "amount", "reference": reference, "current": rng.normal(0, 1, 2_000).round(6).tolist()},
        {"name": "merchant", "referenceCounts": [25, 25, 25, 25], "currentCounts": [10, 20, 30, 40]},
    ]}))["driftReport"]  # fmt: skip
    amount, merchant = payload["features"]
    assert not amount["isDrifted"] and amount["psi"] < 0.05
    assert merchant["isDrifted"] and merchant["psi"] == pytest.approx(0.228217, abs=1e-6)
    assert merchant["ksStatistic"] == pytest.approx(0.2)
    assert payload["overallScore"] == pytest.approx((amount["psi"] + merchant["psi"]) / 2)
    assert payload["isDriftDetected"] is True
    assert payload["alert"] == {"alertType": "data_drift", "severity": "MEDIUM", "status": "OPEN"}

    quiet = assert_ok(await tenant.client.mutate(DRIFT, {"deploymentId": ids["deployment"], "features": [
        {"name": "amount", "reference": reference, "current": reference}]}))["driftReport"]  # fmt: skip
    assert quiet["isDriftDetected"] is False and quiet["alert"] is None
    listed = await tenant.client.data(
        "query($id: ID!) { node(id: $id) { ... on Deployment { driftReports { totalCount nodes { isDriftDetected } } } } }",
        {"id": ids["deployment"]},
    )
    assert listed["node"]["driftReports"] == {
        "totalCount": 2,
        "nodes": [{"isDriftDetected": False}, {"isDriftDetected": True}],
    }
    # The deployment page's shape: each report's scores, in the order given, on both paths.
    scores = """query($id: ID!) { node(id: $id) { ... on Deployment { driftReports {
      nodes { overallScore features { __typename name psi ksStatistic jsDistance isDrifted }
        f: features { isDrifted name } } } } } }"""
    compiled = await tenant.client.post(scores, {"id": ids["deployment"]})
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    reference = await tenant.client.on_resolvers().post(scores, {"id": ids["deployment"]})
    assert compiled.content == reference.content
    reports = compiled.json()["data"]["node"]["driftReports"]["nodes"]
    assert [[f["name"] for f in r["features"]] for r in reports] == [
        ["amount"],
        ["amount", "merchant"],
    ]


async def test_drift_input_validation(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    both = {
        "name": "x",
        "reference": [1.0, 2.0],
        "current": [1.0, 2.0],
        "referenceCounts": [1.0, 1.0],
    }
    payload = await tenant.client.mutate(
        DRIFT, {"deploymentId": ids["deployment"], "features": [both]}
    )
    assert_error(payload, "VALIDATION", ["input", "features", "0"])
    ragged = {"name": "x", "referenceCounts": [1.0, 1.0], "currentCounts": [1.0]}
    payload = await tenant.client.mutate(
        DRIFT, {"deploymentId": ids["deployment"], "features": [ragged]}
    )
    assert_error(payload, "VALIDATION", ["input", "features", "0", "currentCounts"])


async def test_embeddings_fix_their_dimension_and_refuse_bad_vectors(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    dep = ids["deployment"]
    first = assert_ok(
        await tenant.client.mutate(
            EMBED, {"deploymentId": dep, "vectors": [[1, 0, 0, 0], [0, 1, 0, 0]]}
        )
    )
    assert (first["recordedCount"], first["dimension"]) == (2, 4)
    wrong = await tenant.client.mutate(
        EMBED, {"deploymentId": dep, "vectors": [[1, 0, 0, 0], [1, 2, 3]]}
    )
    assert_error(wrong, "VALIDATION", ["input", "vectors", "1"])
    body = {
        "query": EMBED,
        "variables": {
            "input": {"deploymentId": dep, "vectors": [[1, 2, 3, 4], [1, float("nan"), 0, 0]]}
        },
    }
    response = await tenant.client.post_raw(json.dumps(body, allow_nan=True))
    payload = response.json()["data"]["predictionEmbeddingsRecord"]
    assert payload["userErrors"] == [{"field": ["input", "vectors", "1"], "code": "VALIDATION",
                                      "message": "values must be finite (no NaN or Infinity)"}]  # fmt: skip
    not_numbers = await tenant.client.execute(
        EMBED, {"input": {"deploymentId": dep, "vectors": [["a"]]}}
    )
    assert "numbers" in not_numbers["errors"][0]["message"]


async def test_embedding_drift_detects_a_shifted_cloud(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    rng = np.random.default_rng(11)
    centre = np.ones(16)
    reference = centre + rng.normal(0, 0.3, (200, 16))
    same = centre + rng.normal(0, 0.3, (200, 16))
    await tenant.client.mutate(
        EMBED,
        {
            "deploymentId": ids["deployment"],
            "vectors": reference.round(5).tolist(),
            "reference": True,
        },
    )
    await tenant.client.mutate(
        EMBED, {"deploymentId": ids["deployment"], "vectors": same.round(5).tolist()}
    )
    calm = (await tenant.client.data(EMBEDDING_DRIFT, {"id": ids["deployment"]}))["node"]
    assert calm["embeddingDimension"] == 16
    assert (
        calm["embeddingDrift"]["referenceCount"] == 200
        and calm["embeddingDrift"]["currentCount"] == 200
    )
    assert (
        calm["embeddingDrift"]["isDriftDetected"] is False
        and calm["embeddingDrift"]["pValue"] > 0.05
    )

    other = await build_graph(tenant.client, tenant.org_id)
    shifted = np.concatenate([-np.ones(8), np.ones(8)]) + rng.normal(0, 0.3, (200, 16))
    await tenant.client.mutate(
        EMBED,
        {
            "deploymentId": other["deployment"],
            "vectors": reference.round(5).tolist(),
            "reference": True,
        },
    )
    await tenant.client.mutate(
        EMBED, {"deploymentId": other["deployment"], "vectors": shifted.round(5).tolist()}
    )
    drift = (await tenant.client.data(EMBEDDING_DRIFT, {"id": other["deployment"]}))["node"][
        "embeddingDrift"
    ]
    assert drift["isDriftDetected"] is True and drift["pValue"] < 0.01
    assert drift["centroidCosineDistance"] > 0.5


async def test_similar_predictions_match_brute_force_and_use_the_hnsw_index(tenant, database_url):
    ids = await build_graph(tenant.client, tenant.org_id)
    decoy = await build_graph(tenant.client, tenant.org_id)  # same dimension, another deployment
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(300, 8)).round(5)
    await tenant.client.mutate(
        EMBED, {"deploymentId": ids["deployment"], "vectors": vectors.tolist()}
    )
    await tenant.client.mutate(
        EMBED,
        {
            "deploymentId": decoy["deployment"],
            "vectors": rng.normal(size=(300, 8)).round(5).tolist(),
        },
    )
    query = rng.normal(size=8).round(5)
    data = await tenant.client.data(SIMILAR, {"id": ids["deployment"], "v": query.tolist(), "k": 5})
    found = data["node"]["similarPredictions"]
    distances = 1 - (vectors @ query) / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query))
    expected = np.sort(distances)[:5]
    assert [round(f["distance"], 4) for f in found] == [round(d, 4) for d in expected]
    wrong_size = await tenant.client.execute(
        SIMILAR, {"id": ids["deployment"], "v": [1, 2], "k": 5}
    )
    assert "8 finite values" in wrong_size["errors"][0]["message"]

    from app.domain.monitoring.embeddings import similar_query

    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as conn:
            # On a table this small the planner rightly prefers a sort; forbid sorting and seq
            # scans to show the query shape is one the HNSW index serves (ordered by distance).
            await conn.execute(text("SET LOCAL enable_seqscan = off"))
            await conn.execute(text("SET LOCAL enable_sort = off"))
            plan = "\n".join(
                row[0]
                for row in await conn.execute(
                    text("EXPLAIN " + similar_query(8)),
                    {
                        "query": "[" + ",".join(map(str, query)) + "]",
                        "k": 5,
                        "deployment_id": decode_id(ids["deployment"], "Deployment", ["d"]),
                        "org_ids": [decode_id(tenant.org_id, "Organization", ["o"])],
                    },  # fmt: skip
                )
            )
    finally:
        await engine.dispose()
    # One partition (the deployment's), through its copy of ix_prediction_embeddings_hnsw_8.
    scans = [line for line in plan.splitlines() if "Scan" in line]
    assert len(scans) == 1 and "Index Scan using prediction_embeddings_p" in scans[0], plan
    assert "Order By: ((embedding)::vector(8) <=>" in plan, plan


PERIODS = """query($id: ID!) { node(id: $id) { ... on Deployment {
  driftReports { nodes { periodStart periodEnd reportData } } } } }"""


async def test_a_drift_report_covers_a_period_and_keeps_the_tools_report(tenant):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    feature = {"name": "merchant", "referenceCounts": [25, 25, 25, 25],
               "currentCounts": [10, 20, 30, 40]}  # fmt: skip
    report = {"evidently": {"version": "0.7", "metrics": [{"DataDriftTable": {"n": 1}}]}}
    period = {"periodStart": "2026-03-01T00:00:00+00:00", "periodEnd": "2026-03-02T00:00:00+00:00"}
    assert_ok(await client.mutate(DRIFT, {"deploymentId": ids["deployment"], "features": [feature],
                                          **period, "reportData": report}))  # fmt: skip
    compiled = await client.post(PERIODS, {"id": ids["deployment"]})
    assert compiled.content == (await client.on_resolvers().post(PERIODS,
                                                                 {"id": ids["deployment"]})).content  # fmt: skip
    assert compiled.json()["data"]["node"]["driftReports"]["nodes"] == [
        {**period, "reportData": report}]  # fmt: skip
    for change, field in (({"periodStart": period["periodEnd"], "periodEnd": period["periodStart"]},
                           "periodEnd"),
                          ({"reportData": [1, 2]}, "reportData"),
                          ({"reportData": {"x": "y" * 300_000}}, "reportData")):  # fmt: skip
        payload = await client.mutate(DRIFT, {"deploymentId": ids["deployment"],
                                              "features": [feature], **change})  # fmt: skip
        assert_error(payload, "VALIDATION", ["input", field])
