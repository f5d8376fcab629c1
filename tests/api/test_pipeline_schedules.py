"""Pipeline schedules (issue 30, item 1): a cron expression in a time zone starts runs of an
ACTIVE pipeline, each fire time exactly once however many schedulers run at the same moment
(two `mlgraph schedules-fire` processes with the clock paused at one instant), and fire
times missed in downtime follow the schedule's policy."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.api.ids import decode_id
from tests.conftest import GraphQLClient
from tests.helpers import USER_ERRORS, assert_error, assert_ok, create_project
from tests.support.pipelines import PIPELINE_CREATE
from tests.support.project_visibility import set_visibility
from tests.support.schedules import fire, started

FIELDS = "id cron timeZone enabled missedRuns nextRunAt lastRunAt lastPipelineRun { id }"
CREATE = f"""mutation($input: PipelineScheduleCreateInput!) {{
  pipelineScheduleCreate(input: $input) {{ pipelineSchedule {{ {FIELDS} }} {USER_ERRORS} }} }}"""
UPDATE = f"""mutation($input: PipelineScheduleUpdateInput!) {{
  pipelineScheduleUpdate(input: $input) {{ pipelineSchedule {{ {FIELDS} }} {USER_ERRORS} }} }}"""
READ = f"""query($id: ID!) {{ node(id: $id) {{ ... on PipelineSchedule {{ {FIELDS} }} }} }}"""
RUNS = """query($id: ID!) { node(id: $id) { ... on Pipeline { runs { totalCount } } } }"""
PROJECT_OF = """query($id: ID!) { node(id: $id) { ... on Pipeline { project { id } } } }"""


async def pipeline(client: GraphQLClient, org_id: str, **fields: Any) -> str:
    project = (await create_project(client, org_id))["id"]
    made = await client.mutate(PIPELINE_CREATE, {
        "projectId": project, "name": "nightly", "orchestrator": "ARGO",
        "steps": [{"name": "prepare", "kind": "DATA_PROCESSING"}], **fields})  # fmt: skip
    return assert_ok(made)["pipeline"]["id"]  # type: ignore[no-any-return]


async def test_a_schedule_is_checked_and_knows_its_next_fire_time(tenant, make_tenant):
    client = tenant.client
    made = await pipeline(client, tenant.org_id)
    for fields, field in (({"cron": "0 3 * * * *"}, "cron"), ({"cron": "61 * * * *"}, "cron"),
                          ({"timeZone": "Mars/Olympus"}, "timeZone"),
                          ({"maxRetries": 11}, "maxRetries")):  # fmt: skip
        payload = await client.mutate(CREATE, {"pipelineId": made, "cron": "0 3 * * *", **fields})
        assert_error(payload, "VALIDATION", ["input", field])
    schedule = assert_ok(await client.mutate(CREATE, {
        "pipelineId": made, "cron": "0  3 * * *", "timeZone": "Europe/Paris"}))  # fmt: skip
    got = schedule["pipelineSchedule"]
    paris = ZoneInfo("Europe/Paris")
    today = datetime.now(paris)
    expected = datetime.combine(today.date(), time(3), tzinfo=paris)
    if expected <= today:
        expected = datetime.combine(today.date() + timedelta(days=1), time(3), tzinfo=paris)
    assert got["cron"] == "0 3 * * *"
    assert datetime.fromisoformat(got["nextRunAt"]) == expected
    assert (got["lastRunAt"], got["lastPipelineRun"]) == (None, None)
    other = await make_tenant()
    assert_error(await other.client.mutate(CREATE, {"pipelineId": made, "cron": "0 3 * * *"}),
                 "NOT_FOUND", ["input", "pipelineId"])  # fmt: skip
    assert (await other.client.data(READ, {"id": got["id"]}))["node"] is None


async def test_each_fire_time_starts_one_run_whatever_the_schedulers(tenant, database_url):
    client = tenant.client
    pipelines = [await pipeline(client, tenant.org_id) for _ in range(3)]
    schedules = []
    for made in pipelines:
        for minute in range(10):  # 30 schedules due at the same moments
            payload = await client.mutate(CREATE, {"pipelineId": made, "cron": f"{minute} 4 * * *"})
            schedules.append(assert_ok(payload)["pipelineSchedule"])
    due = max(datetime.fromisoformat(s["nextRunAt"]) for s in schedules)
    now = due + timedelta(minutes=1)  # every one due, none missed
    outputs = await fire(database_url, now, processes=2)
    # (Schedules of other tests in this database may fire too: count this test's runs.)
    assert started(outputs) >= 30, outputs
    for made in pipelines:
        assert (await client.data(RUNS, {"id": made}))["node"]["runs"]["totalCount"] == 10
    for schedule in schedules:
        read = (await client.data(READ, {"id": schedule["id"]}))["node"]
        assert read["lastRunAt"] == now.isoformat() and read["lastPipelineRun"] is not None
        assert datetime.fromisoformat(read["nextRunAt"]) == (
            datetime.fromisoformat(schedule["nextRunAt"]) + timedelta(days=1))  # fmt: skip
    await fire(database_url, now, processes=2)  # the same moment again: nothing new
    for made in pipelines:
        assert (await client.data(RUNS, {"id": made}))["node"]["runs"]["totalCount"] == 10


async def test_missed_fire_times_follow_the_policy_and_a_draft_does_not_run(tenant, database_url):
    """Nor does a pipeline of a PUBLIC (read-only) project: its schedule moves on."""
    from sqlalchemy import text

    from app.db.engine import make_engine

    client = tenant.client
    once, skip = await pipeline(client, tenant.org_id), await pipeline(client, tenant.org_id)
    draft = await pipeline(client, tenant.org_id, status="DRAFT")
    published = await pipeline(client, tenant.org_id)
    made = {}
    for name, target, policy in (("once", once, "RUN_ONCE"), ("skip", skip, "SKIP"),
                                 ("draft", draft, "RUN_ONCE"), ("published", published, "RUN_ONCE")):  # fmt: skip
        payload = await client.mutate(CREATE, {"pipelineId": target, "cron": "0 * * * *",
                                               "missedRuns": policy})  # fmt: skip
        made[name] = assert_ok(payload)["pipelineSchedule"]
    now = datetime.fromisoformat(made["once"]["nextRunAt"]) + timedelta(minutes=1)
    # Downtime: the scheduler last ran three days before now; 72 hourly fire times passed.
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE pipeline_schedules SET next_run_at = :at WHERE id = ANY(:ids)"),
                {"at": now - timedelta(days=3),
                 "ids": [decode_id(s["id"], "PipelineSchedule", []) for s in made.values()]},
            )  # fmt: skip
    finally:
        await engine.dispose()
    project = (await client.data(PROJECT_OF, {"id": published}))["node"]["project"]["id"]
    await set_visibility(tenant, project, "PUBLIC")
    await fire(database_url, now)
    runs = {name: (await client.data(RUNS, {"id": target}))["node"]["runs"]["totalCount"]
            for name, target in (("once", once), ("skip", skip), ("draft", draft),
                                 ("published", published))}  # fmt: skip
    assert runs == {"once": 1, "skip": 0, "draft": 0, "published": 0}
    for schedule in made.values():  # all wait for the next fire time after now
        read = (await client.data(READ, {"id": schedule["id"]}))["node"]
        assert datetime.fromisoformat(read["nextRunAt"]) == now.replace(minute=0) + timedelta(
            hours=1)  # fmt: skip

    # Disabled, it does not fire; a new expression moves its next fire time.
    off = assert_ok(await client.mutate(UPDATE, {"pipelineScheduleId": made["once"]["id"],
                                                 "enabled": False}))  # fmt: skip
    later = datetime.fromisoformat(off["pipelineSchedule"]["nextRunAt"]) + timedelta(minutes=1)
    await fire(database_url, later)
    assert (await client.data(RUNS, {"id": once}))["node"]["runs"]["totalCount"] == 1  # off
    assert (await client.data(RUNS, {"id": skip}))["node"]["runs"]["totalCount"] == 1  # on time
    moved = assert_ok(await client.mutate(UPDATE, {"pipelineScheduleId": made["once"]["id"],
                                                   "cron": "30 2 * * *", "enabled": True}))  # fmt: skip
    assert datetime.fromisoformat(moved["pipelineSchedule"]["nextRunAt"]).minute == 30
    assert_error(await client.mutate(UPDATE, {"pipelineScheduleId": made["once"]["id"],
                                              "cron": None}), "VALIDATION", ["input", "cron"])  # fmt: skip
    assert datetime.now(UTC)  # (the real clock played no part above)
