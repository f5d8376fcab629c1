"""Issue 31, item 6: a new user's walk through the dashboard on the demo data (`mlgraph seed
--demo`, Acme's fraud model), in headless Chromium at a laptop's width: from the key form,
by links only (the first one by the keyboard alone), through every page — home, project, training job, pipeline, experiment,
sweep, run, model, endpoint, deployment, version, lineage — each audited with axe-core,
none wider than the window, each screenshotted (test-artifacts/walk-*.png). Three
changes made elsewhere while a page is open arrive without a reload: a training job
finishing, a traffic change, an alert. The whole walk is one page load."""

from __future__ import annotations

import os
from typing import Any

import httpx

from app.db.engine import make_engine, make_session_factory
from app.db.migrate import upgrade
from app.seed.demo import DEMO_ADMIN, seed_demo
from tests.conftest import GraphQLClient, create_database, server_process
from tests.helpers import assert_ok
from tests.support.dashboard import (
    alert_shows_live,
    audit,
    fits_the_width,
    open_tab,
    shot,
    sign_in,
    wait_for,
)
from tests.support.serving_endpoints import TRAFFIC
from tests.support.sweeps import create_sweep
from tests.support.tenancy import issue_secret
from tests.support.training_jobs import TRANSITION
from tests.support.training_queue import CLAIM, queued_job

DEMO = """{ organization(slug: "acme") {
  id environments { nodes { id name } }
  projects { nodes { id experiments { nodes { id } }
    models { nodes { id endpoints { nodes { id environment { name } activeDeployment { id }
      trafficSplit { nodes { id trafficPercentage } } } } } } } } } }"""


async def demo_database(pg_server_url: str) -> tuple[str, str]:
    """A database holding the demo, and a key of its admin (as `mlgraph seed --demo` and
    `mlgraph create-key` make them)."""
    url = await create_database(pg_server_url, f"mlgraph_walk_{os.getpid()}")
    upgrade(url)
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            assert await seed_demo(session)
    finally:
        await engine.dispose()
    return url, await issue_secret(url, DEMO_ADMIN)


async def look(page: Any, name: str) -> None:
    """What every page must be: accessible and no wider than a laptop's window."""
    await audit(page, name)
    await fits_the_width(page, name)
    await shot(page, f"walk-{name}.png")


async def test_a_new_user_walks_every_page_of_the_demo(browser, dashboard_dist, pg_server_url):
    url, key = await demo_database(pg_server_url)
    async with (
        server_process(url, MLGRAPH_DASHBOARD_DIR=str(dashboard_dist)) as served,
        httpx.AsyncClient(base_url=served.base_url, timeout=60) as http,
    ):
        client = GraphQLClient(http, key)
        acme = (await client.data(DEMO))["organization"]
        project = acme["projects"]["nodes"][0]
        environments = {e["name"]: e["id"] for e in acme["environments"]["nodes"]}
        model = project["models"]["nodes"][0]
        production = next(e for e in model["endpoints"]["nodes"]
                          if e["environment"]["name"] == "production")  # fmt: skip
        ids = {"project": project["id"], "environment": environments["staging"]}
        job = await queued_job(client, ids, name="walk-retrain")

        page = await open_tab(browser, served.base_url)
        await sign_in(page, key)
        await wait_for(page, "() => !!document.querySelector(\"a[href^='#/projects/']\")", "home")
        await look(page, "home")

        # Training: the project (reached by the keyboard alone: Tab to its link, Enter), a
        # job finishing while its page is open, the pipeline's DAG.
        focused = "document.activeElement?.matches(\"a[href^='#/projects/']\")"
        for _ in range(40):
            await page.keyboard.press("Tab")
            if await page.evaluate(f"() => {focused}"):
                break
        else:
            raise AssertionError("Tab never reached the project's link")
        await page.keyboard.press("Enter")
        await wait_for(page, "() => !!document.querySelector('table.training-jobs')", "project")
        assert await page.is_visible("text=SHA256")  # its datasets' versions and checksums
        await look(page, "project")
        await page.click("table.training-jobs a:has-text('walk-retrain')")
        status = "document.querySelector('.training-job')?.dataset.status"
        await wait_for(page, f"() => {status} === 'QUEUED'", "job")
        claimed = assert_ok(await client.mutate(CLAIM, {"worker": "gpu-node-7"}))
        assert [j["id"] for j in claimed["trainingJobs"]] == [job]
        await wait_for(page, f"() => {status} === 'RUNNING'", "job-running")
        assert_ok(await client.mutate(TRANSITION, {"trainingJobId": job, "status": "SUCCEEDED"}))
        await wait_for(page, f"() => {status} === 'SUCCEEDED'", "job-finished")
        await look(page, "training-job")
        await page.click(".training-job a[href^='#/projects/']")
        await page.click("ul.pipelines a")
        await wait_for(page, "() => document.querySelectorAll('g.dag-step').length > 1", "pipeline")
        await look(page, "pipeline")

        # Experiments: the runs, a sweep of them, a run's charts.
        sweep = await create_sweep(client, {"experiment": project["experiments"]["nodes"][0]["id"],
                                            "environment": environments["staging"]})  # fmt: skip
        await page.click("header a.brand")
        await page.click("a[href^='#/experiments/']")
        await wait_for(page, "() => document.querySelectorAll('table.runs tbody tr').length === 3",
                       "experiment")  # fmt: skip
        await look(page, "experiment")
        await page.click(f"a[data-sweep='{sweep['name']}']")
        await wait_for(page, "() => !!document.querySelector('table.trials')", "sweep")
        await look(page, "sweep")
        await page.click("a[href^='#/experiments/']")
        await page.click("table.runs a:has-text('depth-8')")
        await wait_for(page, "() => !!document.querySelector('.chart canvas')", "run")
        await look(page, "run")

        # Registry and serving: the model, its production endpoint while its traffic moves,
        # the active deployment while an alert opens.
        await page.click("header a.brand")
        await page.click(f"a[href='#/models/{model['id']}']")
        await wait_for(page, "() => document.querySelectorAll('tr.version').length === 3", "model")
        await look(page, "model")
        await page.click(f"ul.endpoints a[href='#/endpoints/{production['id']}']")
        await wait_for(page, "() => !!document.querySelector('form.traffic')", "endpoint")
        splits = production["trafficSplit"]["nodes"]
        assert [s["trafficPercentage"] for s in splits] == [90, 10]
        moved = [
            {"deploymentId": s["id"], "percentage": p}
            for s, p in zip(splits, (80, 20), strict=True)
        ]
        assert_ok(await client.mutate(TRAFFIC, {"modelId": model["id"], "splits": moved,
                                                "environmentId": environments["production"]}))  # fmt: skip
        share = (
            "(id) => document.querySelector(`tr[data-deployment] a[href='#/deployments/${id}']`)"
        )
        await wait_for(page, f"() => ({share})('{splits[1]['id']}')?.closest('tr').dataset.traffic"
                             " === '20'", "traffic-live")  # fmt: skip
        await look(page, "endpoint")
        await page.click(f"a[href='#/deployments/{production['activeDeployment']['id']}']")
        await wait_for(page, "() => !!document.querySelector('table.alerts')", "deployment")
        await alert_shows_live(page, client, production["activeDeployment"]["id"],
                               "p95 latency over budget", "HIGH")  # fmt: skip
        await look(page, "deployment")

        # The version it serves, and where that came from.
        await page.click("a[href^='#/versions/']")
        await wait_for(page, "() => !!document.querySelector('.version-page')", "version")
        await look(page, "version")
        await page.click("text=Open the lineage graph")
        await wait_for(page, "() => document.querySelectorAll('g.lineage-box, a .lineage-box, "
                             ".lineage-graph g').length > 2", "lineage")  # fmt: skip
        await look(page, "lineage")
        await page.click(".lineage-graph a[href^='#/runs/']")
        await wait_for(page, "() => !!document.querySelector('.chart')", "lineage-to-run")

        assert await page.evaluate("() => performance.getEntriesByType('navigation').length") == 1
        assert page.errors == []
