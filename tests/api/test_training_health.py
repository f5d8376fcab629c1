"""Training-health rules (issue 29, item 1): a project's rules watch its runs as they train.
NaN, spikes and divergence are judged on each batch, in the transaction that logs it;
stalls and throughput drops on a clock (trainingHealthEvaluate, or the server's worker).
A firing opens one TRAINING_HEALTH alert per rule and run through the alert path, and a
rule with cancelJob cancels the run's training job, whose worker's next heartbeat is
refused with the reason."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx

from app.api.ids import decode_id
from tests.conftest import GraphQLClient, server_process
from tests.helpers import (
    EXPERIMENT_CREATE,
    RUN_CREATE,
    RUN_FINISH,
    assert_error,
    assert_ok,
    create_environment,
    create_run,
)
from tests.support.health import (
    EVALUATE,
    HEARTBEAT,
    RESOLVE,
    RULE_CREATE,
    RULE_DELETE,
    RULE_UPDATE,
    log_series,
    rule,
    run_alerts,
    silent_since,
)
from tests.support.notifications import NRULE, channel, deliveries
from tests.support.training_jobs import TRANSITION, create_job
from tests.support.training_queue import CLAIM

LOSS = [1.0 / (1 + s) for s in range(100)]


async def test_rules_are_checked_and_errors_name_the_field(tenant, make_tenant):
    client = tenant.client
    ids = await create_run(client, tenant.org_id)
    made = await rule(client, ids["project"], {"spike": {"metricKey": "loss"}})
    assert (made["kind"], made["steps"], made["zScore"], made["severity"]) == (
        "SPIKE", 100, 6.0, "HIGH")  # fmt: skip
    assert made["rise"] is None and made["experiment"] is None

    def create(condition, **fields):  # type: ignore[no-untyped-def]
        return client.execute(RULE_CREATE, {"input": {"projectId": ids["project"], "name": "r",
                                                      "condition": condition, **fields}})  # fmt: skip

    cases = [
        ({"spike": {"metricKey": "loss", "zScore": 0}}, ["spike", "zScore"]),
        ({"spike": {"metricKey": "loss", "steps": 10_001}}, ["spike", "steps"]),
        ({"divergence": {"metricKey": "loss", "steps": 50, "rise": "NaN"}}, None),
        ({"divergence": {"metricKey": " loss", "steps": 50, "rise": 1}},
         ["divergence", "metricKey"]),
        ({"stall": {"seconds": 0}}, ["stall", "seconds"]),
        ({"throughputDrop": {"metricKey": "loss", "fraction": 1.5}},
         ["throughputDrop", "fraction"]),
        ({"idleGpu": {"percent": 0}}, ["idleGpu", "percent"]),
        ({"idleGpu": {"percent": 5, "seconds": 0}}, ["idleGpu", "seconds"]),
    ]  # fmt: skip
    for condition, field in cases:
        answer = await create(condition)
        if field is None:  # not a Float at all: GraphQL refuses the document
            assert answer["errors"]
        else:
            assert_error(answer["data"]["healthRuleCreate"], "VALIDATION",
                         ["input", "condition", *field])  # fmt: skip
    both = await create({"stall": {"seconds": 5}, "nonFinite": {}})  # oneOf: exactly one
    assert both["errors"] and "exactly one" in both["errors"][0]["message"].lower()

    other = await create_run(client, tenant.org_id)  # an experiment of another project
    wrong = await create({"nonFinite": {}}, experimentId=other["experiment"])
    assert_error(wrong["data"]["healthRuleCreate"], "VALIDATION", ["input", "experimentId"])

    changed = assert_ok(await client.mutate(RULE_UPDATE, {
        "healthRuleId": made["id"], "condition": {"stall": {"seconds": 30}},
        "severity": "LOW", "enabled": False}))["healthRule"]  # fmt: skip
    assert (changed["kind"], changed["seconds"], changed["steps"], changed["zScore"]) == (
        "STALL", 30, None, None)  # fmt: skip
    assert (changed["severity"], changed["enabled"]) == ("LOW", False)

    # A training_health alert is a rule's, about a run: nobody opens one by hand.
    by_hand = await client.mutate(
        "mutation($input: AlertCreateInput!) { alertCreate(input: $input) "
        "{ alert { id } userErrors { field code message } } }",
        {"organizationId": tenant.org_id, "alertType": "TRAINING_HEALTH", "severity": "LOW",
         "title": "x"})  # fmt: skip
    assert_error(by_hand, "VALIDATION", ["input", "alertType"])

    # Another organization sees none of it and can touch none of it.
    stranger = (await make_tenant("stranger")).client
    theirs = await stranger.mutate(RULE_CREATE, {"projectId": ids["project"], "name": "x",
                                                 "condition": {"nonFinite": {}}})  # fmt: skip
    assert_error(theirs, "NOT_FOUND", ["input", "projectId"])
    gone = await stranger.mutate(RULE_DELETE, {"healthRuleId": made["id"]})
    assert_error(gone, "NOT_FOUND", ["input", "healthRuleId"])
    seen = await stranger.data("query($id: ID!) { node(id: $id) { id } }", {"id": made["id"]})
    assert seen["node"] is None


async def job_of(client, ids) -> str:  # type: ignore[no-untyped-def]
    """A training job of the run, queued with it, then claimed by worker w1 (RUNNING)."""
    job = assert_ok(await create_job(client, ids))["trainingJob"]["id"]
    assert_ok(await client.mutate(TRANSITION, {"trainingJobId": job, "status": "QUEUED",
                                               "runId": ids["run"]}))  # fmt: skip
    claimed = assert_ok(await client.mutate(CLAIM, {"worker": "w1", "limit": 50}))
    assert [j["id"] for j in claimed["trainingJobs"]] == [job]
    return job


async def with_environment(client, org_id) -> dict[str, str]:  # type: ignore[no-untyped-def]
    ids = await create_run(client, org_id)
    return {**ids, "environment": (await create_environment(client, org_id))["id"]}


async def test_a_nan_loss_opens_one_alert_and_cancels_the_job_whose_heartbeat_is_refused(tenant):
    client = tenant.client
    ids = await with_environment(client, tenant.org_id)
    job = await job_of(client, ids)
    nan = await rule(client, ids["project"], {"nonFinite": {"metricKey": "loss"}},
                     name="nan-loss", cancelJob=True, severity="CRITICAL")  # fmt: skip
    every = await rule(client, ids["project"], {"nonFinite": {}}, name="any-key")

    assert_ok(await log_series(client, ids["run"], "loss", list(range(100)), LOSS))
    assert (await run_alerts(client, ids["run"]))["totalCount"] == 0  # finite: nothing

    assert_ok(await log_series(client, ids["run"], "loss", [100, 101, 102],
                               [0.01, "NaN", 0.02]))  # fmt: skip
    alerts = await run_alerts(client, ids["run"])
    by_rule = {a["healthRule"]["name"]: a for a in alerts["nodes"]}
    assert set(by_rule) == {"nan-loss", "any-key"}
    fired = by_rule["nan-loss"]
    assert (fired["alertType"], fired["severity"], fired["status"]) == (
        "training_health", "CRITICAL", "OPEN")  # fmt: skip
    assert fired["title"] == "nan-loss: loss is nan at step 101"
    assert (fired["metricName"], fired["metricValue"]) == ("loss", None)
    assert (
        fired["run"]["id"] == ids["run"] and by_rule["any-key"]["healthRule"]["id"] == every["id"]
    )
    assert nan["cancelJob"]

    # The job is cancelled with the reason; its worker's next heartbeat is refused with it.
    state = await client.data("query($id: ID!) { node(id: $id) { ... on TrainingJob "
                              "{ status errorMessage leaseOwner } } }", {"id": job})  # fmt: skip
    assert state["node"]["status"] == "CANCELLED" and state["node"]["leaseOwner"] is None
    assert "health rule 'nan-loss' fired: loss is nan at step 101" in state["node"]["errorMessage"]
    refused = await client.mutate(HEARTBEAT, {"trainingJobId": job, "worker": "w1"})
    assert_error(refused, "CONFLICT", ["input", "worker"])
    assert "was cancelled: health rule 'nan-loss' fired" in refused["userErrors"][0]["message"]

    # One open alert per rule and run, however many bad batches; resolved, the next opens anew.
    assert_ok(await log_series(client, ids["run"], "loss", [103], ["Infinity"]))
    assert (await run_alerts(client, ids["run"]))["totalCount"] == 2
    assert_ok(await client.mutate(RESOLVE, {"alertId": fired["id"]}))
    assert_ok(await log_series(client, ids["run"], "loss", [104], ["-Infinity"]))
    after = await run_alerts(client, ids["run"])
    assert after["totalCount"] == 3
    assert after["nodes"][0]["title"] == "nan-loss: loss is -inf at step 104"

    # A paused (disabled) or deleted rule watches nothing.
    assert_ok(await client.mutate(RULE_UPDATE, {"healthRuleId": every["id"], "enabled": False}))
    assert_ok(await client.mutate(RULE_DELETE, {"healthRuleId": nan["id"]}))
    other = await create_run(client, tenant.org_id)
    assert_ok(await log_series(client, other["run"], "loss", [0], ["NaN"]))
    assert (await run_alerts(client, other["run"]))["totalCount"] == 0


async def test_a_spike_is_judged_against_the_stored_window_before_the_batch(tenant):
    client = tenant.client
    ids = await create_run(client, tenant.org_id)
    await rule(client, ids["project"], {"spike": {"metricKey": "loss", "steps": 50,
                                                  "zScore": 5}})  # fmt: skip
    noisy = [1.0 + 0.01 * ((s * 7) % 5 - 2) for s in range(60)]  # mean 1, std ~0.014
    assert_ok(await log_series(client, ids["run"], "loss", list(range(60)), noisy))
    assert (await run_alerts(client, ids["run"]))["totalCount"] == 0
    # The batch's first point is the spike: only the stored points can judge it.
    assert_ok(await log_series(client, ids["run"], "loss", [60, 61], [1.5, 1.0]))
    [alert] = (await run_alerts(client, ids["run"]))["nodes"]
    assert alert["title"].startswith("watch: loss spiked to 1.5 at step 60 (z = ")
    assert alert["metricValue"] == 1.5

    calm = await create_run(client, tenant.org_id, name="calm")
    await rule(client, calm["project"], {"spike": {"metricKey": "loss", "steps": 50,
                                                   "zScore": 5}})  # fmt: skip
    assert_ok(await log_series(client, calm["run"], "loss", list(range(60)), noisy))
    assert_ok(await log_series(client, calm["run"], "loss", [60, 61], [1.02, 0.99]))
    assert (await run_alerts(client, calm["run"]))["totalCount"] == 0


async def test_divergence_and_an_experiment_scoped_rule(tenant):
    client = tenant.client
    ids = await create_run(client, tenant.org_id)
    await rule(client, ids["project"], {"divergence": {"metricKey": "loss", "steps": 20,
                                                       "rise": 0.5}},
               experimentId=ids["experiment"])  # fmt: skip
    falling = [2.0 - 0.01 * s for s in range(100)]  # 2.0 -> 1.01
    assert_ok(await log_series(client, ids["run"], "loss", list(range(100)), falling))
    # Rising 0.4 within 20 steps is allowed; 0.6 is not.
    assert_ok(await log_series(client, ids["run"], "loss", [100, 101], [1.4, 1.2]))
    assert (await run_alerts(client, ids["run"]))["totalCount"] == 0
    assert_ok(await log_series(client, ids["run"], "loss", [102, 103], [1.61, 1.3]))
    [alert] = (await run_alerts(client, ids["run"]))["nodes"]
    assert alert["title"] == "watch: loss rose by 0.6 within 20 steps (to 1.61 at step 102)"

    # A run of another experiment of the same project is not watched by it.
    experiment = assert_ok(await client.mutate(EXPERIMENT_CREATE, {
        "projectId": ids["project"], "name": "other"}))["experiment"]["id"]  # fmt: skip
    run = assert_ok(await client.mutate(RUN_CREATE, {"experimentId": experiment}))["run"]["id"]
    assert_ok(await log_series(client, run, "loss", [0, 1, 2], [0.1, 5.0, 9.0]))
    assert (await run_alerts(client, run))["totalCount"] == 0


async def test_a_stalled_run_and_a_silent_worker_open_alerts_on_the_clock(tenant, database_url):
    client = tenant.client
    ids = await with_environment(client, tenant.org_id)
    await rule(client, ids["project"], {"stall": {"seconds": 600}}, name="stall")
    assert_ok(await log_series(client, ids["run"], "loss", [0], [1.0]))
    evaluate = {"organizationId": tenant.org_id}
    assert assert_ok(await client.mutate(EVALUATE, evaluate))["alertsOpened"] == []
    await silent_since(database_url, run=ids["run"], seconds=601)
    # Two evaluations at once (as two server processes would): one alert.
    answers = await asyncio.gather(*(client.mutate(EVALUATE, evaluate) for _ in range(3)))
    opened = [a for answer in answers for a in assert_ok(answer)["alertsOpened"]]
    assert [(a["run"]["id"], a["title"][:26]) for a in opened] == [
        (ids["run"], "stall: no new point for 60")]  # fmt: skip
    assert assert_ok(await client.mutate(EVALUATE, evaluate))["alertsOpened"] == []

    # Points keep coming, but the job's worker went silent: that is a stall too.
    busy = await with_environment(client, tenant.org_id)
    await rule(client, busy["project"], {"stall": {"seconds": 600}}, name="stall")
    job = await job_of(client, busy)
    assert_ok(await log_series(client, busy["run"], "loss", [0], [1.0]))
    assert assert_ok(await client.mutate(EVALUATE, evaluate))["alertsOpened"] == []
    await silent_since(database_url, job=job, seconds=900)
    [silent] = assert_ok(await client.mutate(EVALUATE, evaluate))["alertsOpened"]
    assert silent["title"].startswith("stall: no heartbeat from its worker for 9")

    # A finished run is not stalled.
    done = await create_run(client, tenant.org_id)
    await rule(client, done["project"], {"stall": {"seconds": 1}})
    assert_ok(await client.mutate(RUN_FINISH, {"runId": done["run"], "status": "COMPLETED"}))
    await silent_since(database_url, run=done["run"], seconds=60)
    assert assert_ok(await client.mutate(EVALUATE, evaluate))["alertsOpened"] == []


def stamps(start: datetime, steps: int, per_second: float) -> list[float]:
    """Epoch milliseconds of ``steps`` steps logged at ``per_second``."""
    first = start.timestamp() * 1000
    return [first + 1000 * i / per_second for i in range(steps)]


async def test_a_throughput_drop_below_a_fraction_of_the_median(tenant):
    client = tenant.client
    ids = await create_run(client, tenant.org_id)
    drop = {"throughputDrop": {"metricKey": "loss", "fraction": 0.5}}
    await rule(client, ids["project"], drop, name="slow")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    step = 0
    for _ in range(6):  # six batches at 10 steps/s
        times = stamps(start + timedelta(seconds=step / 10), 10, 10)
        assert_ok(await log_series(client, ids["run"], "loss", list(range(step, step + 10)),
                                   [1.0] * 10, times))  # fmt: skip
        step += 10
    evaluate = {"organizationId": tenant.org_id}
    assert assert_ok(await client.mutate(EVALUATE, evaluate))["alertsOpened"] == []
    times = stamps(start + timedelta(seconds=60), 10, 4)  # 4 steps/s: below half of 10
    assert_ok(await log_series(client, ids["run"], "loss", list(range(step, step + 10)),
                               [1.0] * 10, times))  # fmt: skip
    [slow] = assert_ok(await client.mutate(EVALUATE, evaluate))["alertsOpened"]
    assert slow["title"] == "slow: loss at 4 steps/s, below 0.5 of its median 10 steps/s"


async def test_what_watching_costs_a_batch_in_statements(tenant, count_statements):
    """No rules: the lock and the write, as before (tests/api/test_metric_chunks.py). With
    rules: their first batch after a change reads them (and the sweeps that stop trials
    early) once for the process; a windowed rule
    adds one read of the stored window, whatever the number of rules and keys."""
    client = tenant.client
    ids = await create_run(client, tenant.org_id)
    await rule(client, ids["project"], {"nonFinite": {}})

    async def statements(step: int) -> list[str]:
        with count_statements() as counter:
            assert_ok(await log_series(client, ids["run"], "loss", [step], [1.0]))
        return [s for s in counter.statements if "api_keys" not in s]

    # lock, write, the rules and the sweeps that stop early (this version, once)
    assert len(await statements(0)) == 4
    assert len(await statements(1)) == 2  # lock, write
    for name in ("spike", "divergence"):
        condition = {"metricKey": "loss", "steps": 10, "zScore" if name == "spike" else "rise": 3}
        await rule(client, ids["project"], {name: condition})
    assert len(await statements(2)) == 5  # lock, write, the new rules and sweeps, the window
    # The next batch's window is the tail this process kept of the last one: no read.
    assert len(await statements(3)) == 2


async def test_a_window_is_read_again_when_another_process_logged_in_between(
    tenant, other_servers, http
):
    """The process that logged batch 1 keeps its tail; batch 2 goes through another process;
    batch 3, back on the first, must judge against batch 2's points, not its stale tail."""
    client = tenant.client
    ids = await create_run(client, tenant.org_id)
    await rule(client, ids["project"], {"spike": {"metricKey": "loss", "steps": 50,
                                                  "zScore": 5}})  # fmt: skip
    noisy = [1.0 + 0.01 * ((s * 7) % 5 - 2) for s in range(60)]
    assert_ok(await log_series(client, ids["run"], "loss", list(range(60)), noisy))
    other = other_servers[0]
    async with httpx.AsyncClient(base_url=other.base_url) as through:
        second = GraphQLClient(through, tenant.key)
        assert_ok(await log_series(second, ids["run"], "loss", list(range(60, 120)), noisy))
    assert (await run_alerts(client, ids["run"]))["totalCount"] == 0
    # The window [70, 120) is batch 2's alone: a spike against it (the stale tail has none).
    assert_ok(await log_series(client, ids["run"], "loss", [120], [1.5]))
    [alert] = (await run_alerts(client, ids["run"]))["nodes"]
    assert alert["title"].startswith("watch: loss spiked to 1.5 at step 120")


async def test_a_worker_links_the_run_it_logs_to_with_its_heartbeat(tenant):
    """A job claimed before its script made a run: the script's heartbeat names the run
    (the Python client does), once; a run of another project, or a second run, is refused."""
    client = tenant.client
    ids = await with_environment(client, tenant.org_id)
    job = assert_ok(await create_job(client, ids))["trainingJob"]["id"]
    assert_ok(await client.mutate(TRANSITION, {"trainingJobId": job, "status": "QUEUED"}))
    assert_ok(await client.mutate(CLAIM, {"worker": "w1", "limit": 50}))
    beat = {"trainingJobId": job, "worker": "w1"}
    elsewhere = await create_run(client, tenant.org_id)
    wrong = await client.mutate(HEARTBEAT, {**beat, "runId": elsewhere["run"]})
    assert_error(wrong, "VALIDATION", ["input", "runId"])
    assert_ok(await client.mutate(HEARTBEAT, {**beat, "runId": ids["run"]}))
    assert_ok(await client.mutate(HEARTBEAT, {**beat, "runId": ids["run"]}))  # again: fine
    second = assert_ok(await client.mutate(RUN_CREATE, {"experimentId": ids["experiment"]}))
    refused = await client.mutate(HEARTBEAT, {**beat, "runId": second["run"]["id"]})
    assert_error(refused, "VALIDATION", ["input", "runId"])
    linked = await client.data("query($id: ID!) { node(id: $id) { ... on TrainingJob "
                               "{ run { id } } } }", {"id": job})  # fmt: skip
    assert linked["node"]["run"] == {"id": ids["run"]}


async def test_a_health_alert_reaches_the_project_s_notification_rules(tenant, receiver):
    """The alert path end to end: a webhook rule of the project, for training_health alerts,
    gets the alert.opened event with the run and the rule."""
    client = tenant.client
    ids = await create_run(client, tenant.org_id)
    hook = await channel(client, tenant.org_id, f"{receiver.base_url}/health-{tenant.org_slug}")
    assert_ok(await client.mutate(NRULE, {"channelId": hook["id"], "trigger": "ALERT",
                                          "projectId": ids["project"],
                                          "alertTypes": ["TRAINING_HEALTH"]}))  # fmt: skip
    made = await rule(client, ids["project"], {"nonFinite": {}}, name="nan")
    assert_ok(await log_series(client, ids["run"], "val/loss", [0, 1], [0.5, "NaN"]))
    nodes = await deliveries(client, hook["id"], lambda n: n and n[0]["status"] == "DELIVERED")
    assert nodes[0]["eventType"] == "alert.opened"
    body = json.loads(receiver.received(f"/health-{tenant.org_slug}")[0]["body"])
    assert (body["type"], body["severity"], body["kind"], body["step"]) == (
        "training_health", "high", "non_finite", 1)  # fmt: skip
    assert body["title"] == "nan: val/loss is nan at step 1"
    assert (body["run_id"], body["health_rule_id"]) == (
        str(decode_id(ids["run"], "Run", [])), str(decode_id(made["id"], "HealthRule", [])))  # fmt: skip


async def test_the_servers_health_worker_judges_the_clock_on_its_own(tenant, database_url):
    """A server process whose health clock is on (every 0.2 s) opens the stall alert and
    cancels the job without being asked, as the server itself (no caller); the test waits
    for the outcome, never for a duration."""
    client = tenant.client
    ids = await with_environment(client, tenant.org_id)
    job = await job_of(client, ids)
    await rule(client, ids["project"], {"stall": {"seconds": 60}}, name="stall", cancelJob=True)
    await silent_since(database_url, run=ids["run"], seconds=120)
    async with server_process(database_url, MLGRAPH_HEALTH_POLL_SECONDS="0.2"):
        for _ in range(600):  # up to a minute on a loaded machine
            if (await run_alerts(client, ids["run"]))["totalCount"]:
                break
            await asyncio.sleep(0.1)
    [alert] = (await run_alerts(client, ids["run"]))["nodes"]
    assert alert["title"].startswith("stall: no new point for 1")
    state = await client.data("query($id: ID!) { node(id: $id) { ... on TrainingJob "
                              "{ status errorMessage } } }", {"id": job})  # fmt: skip
    assert state["node"]["status"] == "CANCELLED"
    assert "health rule 'stall' fired: no new point" in state["node"]["errorMessage"]
