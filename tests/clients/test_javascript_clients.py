"""The reference JavaScript clients against the live server: graphql-http's conformance
audit and the graphql-ws client (what GraphiQL and most React apps subscribe with)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.helpers import create_run, log_points
from tests.support.subscriptions import RUN_METRICS, points


async def node(js_dir: Path, script: str, *args: str) -> list[dict]:  # type: ignore[type-arg]
    process = await asyncio.create_subprocess_exec(
        "node", str(js_dir / script), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    return [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]


async def test_graphql_http_audit_passes_every_audit(server, node_modules):
    results = await node(node_modules, "audit.mjs", f"{server.base_url}/graphql")
    assert len(results) > 40
    failed = [r for r in results if r["status"] != "ok"]  # the MAYs pass too
    assert failed == [], json.dumps(failed, indent=1)


async def test_graphql_ws_client_subscribes_and_resumes(server, tenant, node_modules):
    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(tenant.client, ids["run"], points("loss", range(10)))
    url = server.base_url.replace("http://", "ws://") + "/graphql"
    events = await node(
        node_modules, "subscribe.mjs", url, tenant.key, RUN_METRICS,
        json.dumps({"runId": ids["run"]}), "1",
    )  # fmt: skip
    batches = [e["next"]["data"]["runMetrics"] for e in events if "next" in e]
    assert [p["step"] for p in batches[0]["points"]] == list(range(10))
    # Resume from the cursor: only what came after it.
    await log_points(tenant.client, ids["run"], points("loss", range(10, 15)))
    events = await node(
        node_modules, "subscribe.mjs", url, tenant.key, RUN_METRICS,
        json.dumps({"runId": ids["run"], "after": batches[0]["cursor"]}), "1",
    )  # fmt: skip
    resumed = [e["next"]["data"]["runMetrics"] for e in events if "next" in e]
    assert [p["step"] for p in resumed[0]["points"]] == list(range(10, 15))


async def test_graphql_ws_client_is_told_a_missing_key_from_a_bad_one(server, node_modules):
    url = server.base_url.replace("http://", "ws://") + "/graphql"
    query = 'subscription { runStatus(runId: "x") { status } }'
    for key, code in (("", 4401), ("mlg_00000000_wrong", 4403)):
        events = await node(node_modules, "subscribe.mjs", url, key, query, "{}", "1")
        closes = [e.get("closed") or e.get("error") or e.get("fatal") for e in events]
        assert any(c and c.get("code") == code for c in closes), events
