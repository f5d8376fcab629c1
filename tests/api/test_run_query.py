"""The run query language through `Experiment.runs(filter:)`: the text (`query`) and the
typed conditions pick the same runs, on the compiled path and on the resolvers; errors name
the character."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.helpers import (
    EXPERIMENT_CREATE,
    RUN_CREATE,
    RUN_FINISH,
    assert_ok,
    create_project,
    create_run,
    log_points,
)

RUNS = """query($id: ID!, $filter: RunFilterInput) { node(id: $id) { ... on Experiment {
  runs(first: 50, filter: $filter, orderBy: NAME_ASC) { totalCount nodes { name } } } } }"""

RUNS_DATA: list[dict[str, Any]] = [
    {
        "name": "resnet-a",
        "description": "imagenet baseline",
        "params": {"lr": "0.1", "optimizer": "adam", "depth": 50},
        "tags": {"team": "vision"},
        "auc": [0.5, 0.95, 0.7],
        "loss": [1.0, 0.5],
        "finish": "COMPLETED",
    },
    {
        "name": "resnet-b",
        "params": {"lr": 0.01, "optimizer": "sgd"},
        "tags": {"team": "audio"},
        "auc": [0.8, 0.85],
        "loss": [2.0],
        "finish": "COMPLETED",
    },
    {
        "name": "vit",
        "params": {"lr": "0.001", "optimizer": "sgd-momentum"},
        "tags": {"team": "vision", "note": "x"},
        "auc": [0.99, math.nan],
    },
    {"name": "baseline", "params": {}, "tags": {}, "auc": [], "finish": "FAILED"},
    {"name": "lr-string", "params": {"lr": "fast"}, "tags": {}, "auc": []},
]


@pytest.fixture(scope="module")
async def experiment(make_tenant) -> tuple[Any, str]:  # type: ignore[no-untyped-def]
    tenant = await make_tenant("query")
    project = await create_project(tenant.client, tenant.org_id)
    made = await tenant.client.mutate(EXPERIMENT_CREATE, {"projectId": project["id"], "name": "q"})
    experiment_id = assert_ok(made)["experiment"]["id"]
    for run in RUNS_DATA:
        fields = {k: run[k] for k in ("name", "params", "tags", "description") if k in run}
        created = assert_ok(
            await tenant.client.mutate(RUN_CREATE, {"experimentId": experiment_id, **fields})
        )["run"]
        points = [
            {"key": "val/auc", "step": step, "value": "NaN" if math.isnan(v) else v}
            for step, v in enumerate(run["auc"])
        ]
        points += [
            {"key": "loss", "step": s, "value": v} for s, v in enumerate(run.get("loss", []))
        ]
        if points:
            await log_points(tenant.client, created["id"], points)
        if "finish" in run:
            assert_ok(
                await tenant.client.mutate(
                    RUN_FINISH, {"runId": created["id"], "status": run["finish"]}
                )
            )
    return tenant, experiment_id


async def names(experiment: tuple[Any, str], run_filter: dict[str, Any]) -> list[str]:
    tenant, experiment_id = experiment
    variables = {"id": experiment_id, "filter": run_filter}
    compiled = (await tenant.client.data(RUNS, variables))["node"]["runs"]
    resolved = (await tenant.client.on_resolvers().data(RUNS, variables))["node"]["runs"]
    assert compiled == resolved  # both read paths pick the same runs
    assert compiled["totalCount"] == len(compiled["nodes"])
    return [node["name"] for node in compiled["nodes"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            'metrics.val/auc.max > 0.9 and params.lr in (0.1, 0.01) or tags.team = "vision"',
            ["resnet-a", "vit"],
        ),
        ("params.lr > 0.005", ["resnet-a", "resnet-b"]),  # "0.1" and 0.01 are numbers
        ("params.lr = '0.1'", ["resnet-a"]),  # quoted: text, as MLflow compares
        ("params.lr = 0.1", ["resnet-a"]),
        ("params.lr = 'fast'", ["lr-string"]),
        ("params.depth >= 50", ["resnet-a"]),  # a JSON number
        ("metrics.val/auc > 0.6", ["resnet-a", "resnet-b"]),  # last; NaN never matches
        ("metrics.`val/auc`.min < 0.6", ["resnet-a"]),
        ('not tags.team = "vision"', ["baseline", "lr-string", "resnet-b"]),
        ("tags.team is null", ["baseline", "lr-string"]),
        ('status = "FAILED"', ["baseline"]),
        ("attributes.status in ('FINISHED')", ["resnet-a", "resnet-b"]),  # MLflow's name
        ("params.optimizer like 'sgd%' and not (status = 'COMPLETED')", ["vit"]),
        ("name ilike 'RESNET%'", ["resnet-a", "resnet-b"]),
        ('search = "imagenet"', ["resnet-a"]),  # the description
        ('search = "sgd"', ["resnet-b", "vit"]),  # param values ("sgd-momentum" holds sgd)
        ("attributes.start_time > 946684800000", [r["name"] for r in RUNS_DATA]),
    ],
)
async def test_the_text_picks_the_runs(experiment, query: str, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert await names(experiment, {"query": query}) == sorted(expected)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ({"param": [{"key": "optimizer", "like": "sgd%"}]}, ["resnet-b", "vit"]),
        ({"param": [{"key": "lr", "gt": 0.005, "lte": 0.1}]}, ["resnet-a", "resnet-b"]),
        ({"param": [{"key": "lr", "in": [0.1, 0.001]}]}, ["resnet-a", "vit"]),
        ({"param": [{"key": "lr", "exists": False}]}, ["baseline"]),
        ({"metric": [{"key": "val/auc", "stat": "MAX", "gte": 0.95}]}, ["resnet-a", "vit"]),
        ({"tag": [{"key": "team", "in": ["audio"]}]}, ["resnet-b"]),
        (
            {
                "or": [
                    {"tag": [{"key": "team", "eq": "audio"}]},
                    {"param": [{"key": "lr", "eq": "fast"}]},
                ]
            },
            ["lr-string", "resnet-b"],
        ),
        ({"not": {"param": [{"key": "lr", "exists": True}]}}, ["baseline"]),
        ({"search": "imagenet", "status": ["COMPLETED"]}, ["resnet-a"]),
        (
            {"and": [{"query": "params.lr > 0.005"}, {"not": {"status": ["COMPLETED"]}}]},
            [],
        ),
        (
            {"query": "tags.team = 'vision'", "metric": [{"key": "val/auc", "gt": 0.5}]},
            ["resnet-a"],
        ),
    ],
)
async def test_the_typed_conditions_pick_the_runs(experiment, typed, expected) -> None:  # type: ignore[no-untyped-def]
    assert await names(experiment, typed) == sorted(expected)


@pytest.mark.parametrize(
    ("query", "where", "says"),
    [
        ("metrics.val/auc.max >", 22, "found the end"),
        ("params.lr > 0.1 and or", 21, "is not metrics.<key>"),
        ("(params.lr > 0.1", 17, "expected ), found the end"),
        ("params.lr > 0.1)", 16, "no ) here"),
        ("metrics.loss like 'x%'", 1, "compares with numbers"),
        ("params.lr in (0.1, 'a')", 20, "not both"),
        ("status = 'DONE'", 1, "attributes.status takes"),
        ("params.lr ~ 1", 11, "unexpected '~'"),
    ],
)
async def test_a_bad_query_names_the_character(experiment, query, where, says) -> None:  # type: ignore[no-untyped-def]
    tenant, experiment_id = experiment
    body = await tenant.client.execute(RUNS, {"id": experiment_id, "filter": {"query": query}})
    [error] = body["errors"]
    assert f"at character {where}" in error["message"], error["message"]
    assert says in error["message"] and error["message"].startswith("filter.query:")


async def test_a_filter_is_bounded(experiment) -> None:  # type: ignore[no-untyped-def]
    """At most 500 conditions (variables nest at most 64 deep, a server-wide limit)."""
    tenant, experiment_id = experiment
    wide = {"param": [{"key": f"p{i}", "exists": True} for i in range(501)]}
    body = await tenant.client.execute(RUNS, {"id": experiment_id, "filter": wide})
    assert "at most 500 conditions" in body["errors"][0]["message"]


ORDERED = """query($id: ID!, $order: RunOrder!, $key: String, $after: String) {
  node(id: $id) { ... on Experiment {
    runs(first: 2, orderBy: $order, orderKey: $key, after: $after) {
      nodes { name } pageInfo { hasNextPage endCursor } } } } }"""


@pytest.mark.parametrize(
    ("order", "key", "expected"),
    [
        ("METRIC_DESC", "val/auc", ["resnet-b", "resnet-a", "vit", "baseline", "lr-string"]),
        ("METRIC_ASC", "val/auc", ["resnet-a", "resnet-b", "vit", "baseline", "lr-string"]),
        # The largest (finite) value: vit's 0.99 counts though its last is NaN.
        ("METRIC_MAX_DESC", "val/auc", ["vit", "resnet-a", "resnet-b", "baseline", "lr-string"]),
        ("METRIC_MIN_ASC", "val/auc", ["resnet-a", "resnet-b", "vit", "baseline", "lr-string"]),
        # A param logged as text that reads as a number sorts as that number ("0.001").
        ("PARAM_ASC", "lr", ["vit", "resnet-b", "resnet-a", "baseline", "lr-string"]),
        ("PARAM_DESC", "lr", ["resnet-a", "resnet-b", "vit", "baseline", "lr-string"]),
    ],
)
async def test_runs_sort_by_a_metric_or_a_param_page_by_page(experiment, order, key, expected):  # type: ignore[no-untyped-def]
    """Keyset pages, on both read paths; runs without the value (or with NaN) come last,
    in id order (their creation order)."""
    tenant, experiment_id = experiment
    for client in (tenant.client, tenant.client.on_resolvers()):
        seen: list[str] = []
        after = None
        while True:
            variables = {"id": experiment_id, "order": order, "key": key, "after": after}
            runs = (await client.data(ORDERED, variables))["node"]["runs"]
            seen += [node["name"] for node in runs["nodes"]]
            if not runs["pageInfo"]["hasNextPage"]:
                break
            after = runs["pageInfo"]["endCursor"]
        assert seen == expected


async def test_a_metric_order_with_a_condition_on_another_metric(experiment) -> None:  # type: ignore[no-untyped-def]
    """The order reads one key's summaries, the condition another's: each its own."""
    tenant, experiment_id = experiment
    query = """query($id: ID!, $filter: RunFilterInput) { node(id: $id) { ... on Experiment {
      runs(first: 10, orderBy: METRIC_DESC, orderKey: "val/auc", filter: $filter) {
        nodes { name } } } } }"""
    for client in (tenant.client, tenant.client.on_resolvers()):
        found = await client.data(
            query, {"id": experiment_id, "filter": {"query": "metrics.loss < 1"}}
        )
        assert [n["name"] for n in found["node"]["runs"]["nodes"]] == ["resnet-a"]


async def test_a_project_s_runs_across_its_experiments(experiment) -> None:  # type: ignore[no-untyped-def]
    """Project.runs: every experiment's runs, filtered and ordered as Experiment.runs."""
    tenant, experiment_id = experiment
    project = (
        await tenant.client.data(
            "query($id: ID!) { node(id: $id) { ... on Experiment { project { id } } } }",
            {"id": experiment_id},
        )
    )["node"]["project"]["id"]
    made = await tenant.client.mutate(EXPERIMENT_CREATE, {"projectId": project, "name": "other"})
    other = assert_ok(made)["experiment"]["id"]
    run = assert_ok(
        await tenant.client.mutate(
            RUN_CREATE, {"experimentId": other, "name": "other-run", "params": {"lr": 0.05}}
        )
    )["run"]
    await log_points(tenant.client, run["id"], [{"key": "val/auc", "step": 0, "value": 0.9}])
    query = """query($id: ID!, $filter: RunFilterInput, $order: RunOrder!, $key: String) {
      node(id: $id) { ... on Project {
        runs(first: 10, filter: $filter, orderBy: $order, orderKey: $key) {
          totalCount nodes { name experiment { name } } } } } }"""
    for client in (tenant.client, tenant.client.on_resolvers()):
        by_value = await client.data(
            query,
            {"id": project, "filter": {"query": "params.lr >= 0.01"}, "order": "METRIC_DESC",
             "key": "val/auc"},
        )  # fmt: skip
        runs = by_value["node"]["runs"]
        assert [n["name"] for n in runs["nodes"]] == ["other-run", "resnet-b", "resnet-a"]
        assert runs["totalCount"] == 3 and runs["nodes"][0]["experiment"] == {"name": "other"}
        newest = await client.data(query, {"id": project, "order": "CREATED_DESC"})
        assert newest["node"]["runs"]["nodes"][0]["name"] == "other-run"
        assert newest["node"]["runs"]["totalCount"] == len(RUNS_DATA) + 1


async def test_an_order_by_value_needs_its_key_even_for_a_count_alone(tenant):
    """The differential test's find: runs(first: 0, orderBy: METRIC_ASC) { totalCount }
    without orderKey answered a count on the compiled path and an error on the resolvers'.
    The key is checked where both build the list: both answer the error, byte for byte."""
    ids = await create_run(tenant.client, tenant.org_id)
    query = """query($id: ID!) { node(id: $id) { ... on Experiment {
      runs(first: 0, orderBy: METRIC_ASC) { totalCount } } } }"""
    compiled = await tenant.client.post(query, {"id": ids["experiment"]})
    reference = await tenant.client.on_resolvers().post(query, {"id": ids["experiment"]})
    assert compiled.content == reference.content
    assert "this order needs a key" in compiled.json()["errors"][0]["message"]
