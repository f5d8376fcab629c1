"""Shared by the tests of training health (tests/api/test_training_health.py and the Python
client's): documents, a rule maker, logging series with timestamps, and moving a run's or
a job's last sign of life into the past (the clock rules' 'paused clock')."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from app.api.ids import decode_id
from app.db.engine import make_engine
from tests.conftest import GraphQLClient
from tests.helpers import USER_ERRORS, assert_ok

RULE_FIELDS = """id name kind metricKey steps zScore rise seconds fraction severity cancelJob
  enabled project { id } experiment { id }"""
RULE_CREATE = f"""mutation($input: HealthRuleCreateInput!) {{
  healthRuleCreate(input: $input) {{ healthRule {{ {RULE_FIELDS} }} {USER_ERRORS} }} }}"""
RULE_UPDATE = f"""mutation($input: HealthRuleUpdateInput!) {{
  healthRuleUpdate(input: $input) {{ healthRule {{ {RULE_FIELDS} }} {USER_ERRORS} }} }}"""
RULE_DELETE = f"""mutation($input: HealthRuleDeleteInput!) {{
  healthRuleDelete(input: $input) {{ healthRule {{ id }} {USER_ERRORS} }} }}"""
EVALUATE = f"""mutation($input: TrainingHealthEvaluateInput!) {{
  trainingHealthEvaluate(input: $input) {{
    alertsOpened {{ id title run {{ id }} healthRule {{ id }} }} {USER_ERRORS} }} }}"""
SERIES_LOG = f"""mutation($input: RunMetricsLogInput!) {{
  runMetricsLog(input: $input) {{ newCount {USER_ERRORS} }} }}"""
RUN_ALERTS = """query($id: ID!) { node(id: $id) { ... on Run { status alerts {
  totalCount nodes { id alertType severity status title message metricName metricValue
                     run { id } healthRule { id name } } } } } }"""
RESOLVE = f"""mutation($input: AlertStatusInput!) {{
  alertResolve(input: $input) {{ alert {{ id status }} {USER_ERRORS} }} }}"""
HEARTBEAT = f"""mutation($input: TrainingJobHeartbeatInput!) {{
  trainingJobHeartbeat(input: $input) {{ trainingJob {{ id status }} {USER_ERRORS} }} }}"""


async def rule(
    client: GraphQLClient, project: str, condition: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    made = await client.mutate(
        RULE_CREATE, {"projectId": project, "name": "watch", "condition": condition, **fields}
    )
    return assert_ok(made)["healthRule"]  # type: ignore[no-any-return]


async def log_series(
    client: GraphQLClient,
    run: str,
    key: str,
    steps: list[int],
    values: list[Any],
    timestamps: list[float] | None = None,
) -> dict[str, Any]:
    series: dict[str, Any] = {"steps": steps, "values": values}
    if timestamps is not None:
        series["timestamps"] = timestamps
    return await client.mutate(SERIES_LOG, {"runId": run, "series": {key: series}})


async def run_alerts(client: GraphQLClient, run: str) -> dict[str, Any]:
    return (await client.data(RUN_ALERTS, {"id": run}))["node"]["alerts"]  # type: ignore[no-any-return]


async def silent_since(
    database_url: str, *, seconds: int, run: str | None = None, job: str | None = None
) -> None:
    """Move a run's last batch, or a job's last heartbeat, ``seconds`` into the past."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as connection:
            if run is not None:
                await connection.execute(
                    text("UPDATE runs SET last_logged_at = now() - make_interval(secs => :s), "
                         "started_at = now() - make_interval(secs => :s) WHERE id = :id"),
                    {"s": seconds, "id": decode_id(run, "Run", [])},
                )  # fmt: skip
            if job is not None:
                await connection.execute(
                    text("UPDATE training_jobs SET heartbeat_at = now() - make_interval(secs => :s) "
                         "WHERE id = :id"),
                    {"s": seconds, "id": decode_id(job, "TrainingJob", [])},
                )  # fmt: skip
    finally:
        await engine.dispose()
