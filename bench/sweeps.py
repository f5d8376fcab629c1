"""Sweeps: what proposing a trial costs, and what a sweep adds to the path a trial takes.

    .venv/bin/python bench/sweeps.py [--trials 60]

1. A proposal, in process (app/domain/sweeps/sampling.py): RANDOM and TPE, 3 and 20
   float params, after 10, 100 and 1,000 completed trials: p50 of 5 (TPE runs in the
   transaction that ends a trial, under the sweep's lock).
2. Through the API (a server process on the embedded PostgreSQL, the client on the same
   cores): a TPE sweep of 3 params, one trial at a time, ``--trials`` trials, each claimed
   (sweepTrialClaim), logging 1,000-point batches of 10 keys x 100 steps as a training
   loop does (its metric one of the keys), and finished (trainingJobTransition SUCCEEDED,
   which records the trial and proposes the next): p50/p99 of each call. The same again
   with the median rule on (every batch of a trial judged against the completed trials),
   and a batch to a run of no sweep for the baseline."""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from app.domain.sweeps.enums import ParamKind, SweepGoal, SweepMethod  # noqa: E402
from app.domain.sweeps.sampling import Finished, next_params  # noqa: E402
from app.domain.sweeps.space import Param, clean_space  # noqa: E402
from bench.common import admin_key, counted_server, database, machine  # noqa: E402

UNLIMITED = {"MLGRAPH_RATE_LIMIT_PER_MINUTE": "0", "MLGRAPH_MAX_BATCH_POINTS": "10000"}
KEYS = [f"train/k{i}" for i in range(9)] + ["val/loss"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def proposals() -> None:
    print("1. one proposal, in process (p50 of 5, ms)")
    print(f"{'method':>7} {'params':>6} {'history':>8} {'ms':>8}")
    rng = random.Random(1)
    for method in (SweepMethod.RANDOM, SweepMethod.TPE):
        for n_params in (3, 20):
            space = clean_space(
                [Param(f"p{i}", ParamKind.UNIFORM, low=0, high=1) for i in range(n_params)]
            )
            for n in (10, 100, 1000):
                history = [
                    Finished({f"p{i}": rng.random() for i in range(n_params)}, rng.random())
                    for _ in range(n)
                ]
                times = []
                for k in range(5):
                    started = time.perf_counter()
                    next_params(method, space, seed=1, number=n + k, goal=SweepGoal.MINIMIZE,
                                finished=history)  # fmt: skip
                    times.append((time.perf_counter() - started) * 1000)
                print(f"{method.value:>7} {n_params:>6} {n:>8} {statistics.median(times):>8.1f}")
    print()


class Api:
    def __init__(self, client: httpx.AsyncClient, key: str) -> None:
        self.client, self.headers = client, {"Authorization": f"Bearer {key}"}

    async def call(self, query: str, variables: dict, *, refused_ok: bool = False) -> dict:  # type: ignore[type-arg]
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        data: dict = next(iter(body["data"].values()))  # type: ignore[type-arg]
        if isinstance(data, dict) and data.get("userErrors") and not refused_ok:
            raise RuntimeError(data["userErrors"])
        return data


PROJECT = """mutation($i: ProjectCreateInput!) { projectCreate(input: $i) { project { id }
  userErrors { message } } }"""
EXPERIMENT = """mutation($i: ExperimentCreateInput!) { experimentCreate(input: $i) {
  experiment { id } userErrors { message } } }"""
ENVIRONMENT = """mutation($i: EnvironmentCreateInput!) { environmentCreate(input: $i) {
  environment { id } userErrors { message } } }"""
RUN = """mutation($i: RunCreateInput!) { runCreate(input: $i) { run { id }
  userErrors { message } } }"""
SWEEP = """mutation($i: SweepCreateInput!) { sweepCreate(input: $i) { sweep { id }
  userErrors { message } } }"""
CLAIM = """mutation($i: SweepTrialClaimInput!) { sweepTrialClaim(input: $i) {
  trial { id params trainingJob { id } } run { id } userErrors { message } } }"""
LOG = """mutation($i: RunMetricsLogInput!) { runMetricsLog(input: $i) { newCount
  userErrors { message } } }"""
FINISH = """mutation($i: TrainingJobTransitionInput!) { trainingJobTransition(input: $i) {
  trainingJob { id } userErrors { message code } } }"""
SPACE = [
    {"name": "lr", "distribution": {"logUniform": {"low": 1e-5, "high": 1e-1}}},
    {"name": "dropout", "distribution": {"uniform": {"low": 0, "high": 0.5}}},
    {"name": "layers", "distribution": {"integer": {"low": 2, "high": 8}}},
]


def series(params: dict, first: int) -> dict:  # type: ignore[type-arg]
    """10 keys x 100 steps from ``first``: a loss that falls at a rate set by the params."""
    rate = 1 + abs(params["lr"] * 100 - 1) + params["dropout"] + abs(params["layers"] - 5) / 5
    steps = list(range(first, first + 100))
    return {key: {"steps": steps, "values": [rate / (1 + s / 100) for s in steps]} for key in KEYS}


async def sweep_path(api: Api, ids: dict[str, str], trials: int, median: bool) -> None:
    fields = {"earlyStopping": {"median": {"startupTrials": 5}}} if median else {}
    sweep = (await api.call(SWEEP, {"i": {
        "experimentId": ids["experiment"], "environmentId": ids["environment"],
        "name": f"bench {'median' if median else 'none'}", "method": "TPE", "seed": 1,
        "metricKey": "val/loss", "goal": "MINIMIZE", "parameters": SPACE, "maxTrials": trials,
        "job": {"image": "ghcr.io/acme/train:1"}, **fields}}))["sweep"]["id"]  # fmt: skip
    claims, logs, finishes = [], [], []
    pruned = 0
    for _ in range(trials):
        started = time.perf_counter()
        claimed = await api.call(CLAIM, {"i": {"sweepId": sweep, "worker": "bench"}})
        claims.append((time.perf_counter() - started) * 1000)
        trial, run = claimed["trial"], claimed["run"]["id"]
        for first in range(0, 500, 100):  # 5 batches of 1,000 points
            started = time.perf_counter()
            await api.call(LOG, {"i": {"runId": run, "series": series(trial["params"], first)}})
            logs.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        done = await api.call(FINISH, {"i": {"trainingJobId": trial["trainingJob"]["id"],
                                             "status": "SUCCEEDED"}}, refused_ok=True)  # fmt: skip
        finishes.append((time.perf_counter() - started) * 1000)
        pruned += bool(done["userErrors"])  # stopped early by the median rule
    label = "median" if median else "none"
    for name, values in (("claim", claims), ("log 1,000 points", logs), ("finish", finishes)):
        print(f"{label:>8} {name:>17} {pct(values, 50):>8.1f} {pct(values, 99):>8.1f}")
    if median:
        print(f"{'':>8} {pruned} of {trials} trials stopped early")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=60)
    args = parser.parse_args()
    print(f"machine: {machine()}\n")
    proposals()
    with database() as url:
        key = await admin_key(url)
        async with (
            counted_server(url, UNLIMITED) as server,
            httpx.AsyncClient(base_url=server.base_url, timeout=120) as client,
        ):
            api = Api(client, key)
            org = (await client.post("/graphql", json={"query": '{ organization(slug: "bench") { id } }'},
                                     headers=api.headers)).json()["data"]["organization"]["id"]  # fmt: skip
            project = (await api.call(PROJECT, {"i": {"organizationId": org, "slug": "sweeps",
                                                      "name": "S"}}))["project"]["id"]  # fmt: skip
            ids = {
                "experiment": (await api.call(EXPERIMENT, {"i": {"projectId": project,
                                                                 "name": "e"}}))["experiment"]["id"],
                "environment": (await api.call(ENVIRONMENT, {"i": {"organizationId": org,
                                                                   "name": "env"}}))["environment"]["id"],
            }  # fmt: skip
            print(f"2. a TPE sweep through the API, {args.trials} trials one at a time (ms)")
            print(f"{'stopping':>8} {'call':>17} {'p50':>8} {'p99':>8}")
            plain = (await api.call(RUN, {"i": {"experimentId": ids["experiment"]}}))["run"]["id"]
            base = []
            for first in range(0, 30_000, 100):
                started = time.perf_counter()
                await api.call(LOG, {"i": {"runId": plain, "series": series(
                    {"lr": 0.01, "dropout": 0.1, "layers": 5}, first)}})  # fmt: skip
                base.append((time.perf_counter() - started) * 1000)
            print(
                f"{'no sweep':>8} {'log 1,000 points':>17} {pct(base, 50):>8.1f} {pct(base, 99):>8.1f}"
            )
            await sweep_path(api, ids, args.trials, median=False)
            await sweep_path(api, ids, args.trials, median=True)


if __name__ == "__main__":
    asyncio.run(main())
