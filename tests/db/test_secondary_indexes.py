"""The secondary indexes the seed documents list (issue 30, item 7) serve the filters users
send: each list below is read through the public API, and the statement the server sent is
planned under ``EXPLAIN`` with its own parameters.

Which of several usable indexes PostgreSQL picks depends on the table's statistics, which the
other tests of the worker change; so the plan is made with the table's *other* secondary
indexes dropped (in a transaction that is rolled back) and sequential scans priced out. The
plan must then read the table through the index made for that filter, with every column of
that index but the last (the list's order) in its ``Index Cond`` — the filter reached SQL as a condition the index serves,
not as a row-by-row ``Filter``. Dropping the index, or a filter that no longer reaches SQL in
that form, fails this test."""

from __future__ import annotations

import json
import re
from typing import Any

import asyncpg
import pytest

from app.db.url import plain_url
from tests.helpers import build_graph, create_run
from tests.support.pipelines import create_pipeline

CASES: dict[str, tuple[str, str]] = {
    # name: (document over $org / $project / $experiment / $deployment / $pipeline / $version,
    #        the index its filter must use)
    "fleet by status": (
        """query($org: ID!) { node(id: $org) { ... on Organization {
          deployments(filter: {status: [FAILED]}) { nodes { id } } } } }""",
        "ix_deployments_organization_id_status_live",
    ),
    "alerts by status": (
        """query($org: ID!) { node(id: $org) { ... on Organization {
          alerts(status: [OPEN]) { nodes { id } } } } }""",
        "ix_alerts_organization_id_status",
    ),
    "models by type": (
        """query($project: ID!) { node(id: $project) { ... on Project {
          models(filter: {modelType: [REGRESSION]}) { nodes { id } } } } }""",
        "ix_models_project_id_model_type_live",
    ),
    "models by framework": (
        """query($project: ID!) { node(id: $project) { ... on Project {
          models(filter: {framework: [PYTORCH]}) { nodes { id } } } } }""",
        "ix_models_project_id_framework_live",
    ),
    "runs by status": (
        """query($experiment: ID!) { node(id: $experiment) { ... on Experiment {
          runs(filter: {status: [FAILED]}) { nodes { id } } } } }""",
        "ix_runs_experiment_id_status_live",
    ),
    "training jobs of an experiment": (
        """query($experiment: ID!) { node(id: $experiment) { ... on Experiment {
          trainingJobs(first: 10) { nodes { id } } } } }""",
        "ix_training_jobs_experiment_id",
    ),
    "predictions by version": (
        """query($deployment: ID!, $version: ID!) { node(id: $deployment) { ... on Deployment {
          predictions(filter: {modelVersionId: [$version]}) { nodes { latencyMs } } } } }""",
        "ix_predictions_deployment_id_model_version_id",
    ),
    "pipelines by status": (
        """query($project: ID!) { node(id: $project) { ... on Project {
          pipelines(status: [DRAFT]) { nodes { id } } } } }""",
        "ix_pipelines_project_id_status_live",
    ),
    "pipelines by workflow type": (
        """query($project: ID!) { node(id: $project) { ... on Project {
          pipelines(workflowType: [TRAINING]) { nodes { id } } } } }""",
        "ix_pipelines_project_id_workflow_type_live",
    ),
    "pipeline runs by status": (
        """query($pipeline: ID!) { node(id: $pipeline) { ... on Pipeline {
          runs(status: [FAILED]) { nodes { id } } } } }""",
        "ix_pipeline_runs_pipeline_id_status",
    ),
}


def index_conditions(plan: dict[str, Any], found: dict[str, list[str]]) -> None:
    """Every index a plan reads, with the conditions it reads it by."""
    if "Index Name" in plan:
        found.setdefault(plan["Index Name"], []).append(plan.get("Index Cond", ""))
    for child in plan.get("Plans", ()):
        index_conditions(child, found)


@pytest.fixture
async def ids(tenant) -> dict[str, str]:  # type: ignore[no-untyped-def]
    graph = await build_graph(tenant.client, tenant.org_id)
    run = await create_run(tenant.client, tenant.org_id)
    pipeline = await create_pipeline(tenant.client, graph["project"])
    return {
        "org": tenant.org_id,
        "project": graph["project"],
        "deployment": graph["deployment"],
        "version": graph["version"],
        "experiment": run["experiment"],
        "pipeline": pipeline["pipeline"]["id"],
    }


@pytest.mark.parametrize("case", CASES)
async def test_a_filtered_list_reads_through_its_index(
    case: str,
    ids: dict[str, str],
    tenant,
    count_statements,
    database_url,  # type: ignore[no-untyped-def]
) -> None:
    document, index = CASES[case]
    used = {name: ids[name] for name in ids if f"${name}" in document}
    with count_statements() as captured:
        await tenant.client.data(document, used)
    table = index.split("_")[1]
    statements = [(sql, args) for _, sql, args in captured.executed if table in sql]
    assert statements, f"no statement read {table}"
    connection = await asyncpg.connect(plain_url(database_url))
    found: dict[str, list[str]] = {}
    try:
        declared = await connection.fetchrow(
            "SELECT i.indrelid, array_agg(a.attname::text ORDER BY k.n) AS columns "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "WHERE c.relname = $1 GROUP BY i.indrelid",
            index,
        )
        assert declared, f"{index} does not exist"
        transaction = connection.transaction()
        await transaction.start()
        try:
            # The table's other secondary indexes (not those behind a constraint) go for the
            # length of this transaction, so statistics cannot steer the plan to them.
            others = await connection.fetch(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = $1 AND c.relname <> $2 "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)",
                declared["indrelid"],
                index,
            )
            for other in others:
                await connection.execute(f'DROP INDEX "{other["relname"]}"')
            await connection.execute("SET LOCAL enable_seqscan = off")
            for statement, parameters in statements:
                plan = await connection.fetchval(
                    f"EXPLAIN (FORMAT JSON) {statement}", *(parameters or ())
                )
                index_conditions(json.loads(plan)[0]["Plan"], found)
            # A partition's index is named by PostgreSQL; it is attached to the index declared.
            parents = await connection.fetch(
                "SELECT c.relname AS child, p.relname AS parent FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
                "WHERE c.relname = ANY($1::text[])",
                list(found),
            )
            for row in parents:
                found.setdefault(row["parent"], []).extend(found[row["child"]])
        finally:
            await transaction.rollback()  # the dropped indexes come back
    finally:
        await connection.close()
    assert index in found, found
    # Each index ends with the column its list is ordered by; the ones before it are the filter.
    for condition in found[index]:
        missing = [c for c in declared["columns"][:-1] if not re.search(rf"\b{c}\b", condition)]
        assert not missing, f"{index} read without {missing} in its Index Cond: {condition}"
