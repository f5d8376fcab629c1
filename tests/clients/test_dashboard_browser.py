"""The dashboard (dashboard/, issue 14) in headless Chromium, served by a server process at
/app: the key goes to session storage; a run's chart loads its history and gains points
logged through the API without a reload; a deployment page shows an alert opened by a
breaching metric without a reload, and acknowledges it. Screenshots: test-artifacts/."""

from __future__ import annotations

import httpx

from app.settings import Limits, Settings
from tests.conftest import TEST_SETTINGS, serve, server_process
from tests.helpers import (
    EXPERIMENT_CREATE,
    RUN_CREATE,
    RUN_FINISH,
    VERSION_CREATE,
    assert_ok,
    build_graph,
    create_deployment,
    create_environment,
    create_model,
    create_project,
    create_run,
    create_version,
    log_points,
)
from tests.support.alert_rules import record, rule
from tests.support.dashboard import (
    alert_shows_live,
    audit,
    dashboard_documents,
    open_tab,
    shot,
    sign_in,
    wait_for,
)
from tests.support.health import rule as health_rule
from tests.support.subscriptions import points
from tests.support.sweeps import claim_trial, create_sweep, finish_trial, log_loss, sweep_setup


async def test_a_run_chart_loads_its_history_then_grows_live(page, tenant):
    """Where a user starts: the key form, the home page's tree (served with the default
    limits, which its query once exceeded), the experiment, the run, its chart, and the
    health alert a NaN opens (issue 29, item 5's run page)."""
    ids = await create_run(tenant.client, tenant.org_id)
    await health_rule(tenant.client, ids["project"], {"nonFinite": {"metricKey": "loss"}},
                      name="nan-loss")  # fmt: skip
    await log_points(tenant.client, ids["run"], points("loss", range(3)))
    await sign_in(page, tenant.key)
    experiment_link = f"a[href='#/experiments/{ids['experiment']}']"
    try:
        await page.wait_for_selector(experiment_link, timeout=30_000)
    except Exception:
        await shot(page, "failure-home.png")
        raise AssertionError(f"the home page shows no experiment: {page.errors}") from None
    await shot(page, "dashboard-home.png")
    await page.click(experiment_link)
    await page.click(f"a[href='#/runs/{ids['run']}']")
    chart = "document.querySelector('.chart[data-metric=\"loss\"]')"
    await wait_for(page, f"() => {chart}?.dataset.points === '3'", "history")
    await log_points(tenant.client, ids["run"], points("loss", range(3, 8)))
    await log_points(tenant.client, ids["run"], points("accuracy", range(0, 8)))
    await wait_for(page, f"() => {chart}?.dataset.points === '8'", "live")
    await wait_for(page, "() => document.querySelector('.chart[data-metric=\"accuracy\"]')"
                   "?.dataset.points === '8'", "new-key")  # fmt: skip
    # A diverging step: NaN leaves a gap, marked (live, then in the history after a reload).
    await log_points(tenant.client, ids["run"], [{"key": "loss", "step": 8, "value": "NaN"}])
    gap = f"() => {chart}?.dataset.points === '9' && {chart}?.dataset.nonfinite === '1'"
    await wait_for(page, gap, "nan-live")
    # The health rule's alert opened with that point: it appears on the page, live.
    health = "document.querySelector('.health-alerts')"
    await wait_for(page, f"() => {health}?.dataset.alerts === '1' && {health}.textContent"
                   ".includes('nan-loss: loss is nan at step 8')", "health-alert-live")  # fmt: skip
    # Another client ends the run: the page's status follows without a reload.
    status = "document.querySelector('[data-run-status]')?.dataset.runStatus"
    await wait_for(page, f"() => {status} === 'RUNNING'", "running")
    finish = {"runId": ids["run"], "status": "KILLED"}
    assert_ok(await tenant.client.mutate(RUN_FINISH, finish))
    await wait_for(page, f"() => {status} === 'KILLED'", "status-live")
    assert await page.evaluate("() => performance.getEntriesByType('navigation').length") == 1
    await shot(page, "dashboard-run.png")
    await audit(page, "run page")
    await page.reload()
    await wait_for(page, gap, "nan-history")
    assert page.errors == []

    # The experiment's runs table links back to the run.
    await page.goto(f"{page.base_url}/app/#/experiments/{ids['experiment']}")
    await page.wait_for_selector(f"a[href='#/runs/{ids['run']}']")


async def test_an_experiment_s_runs_are_filtered_sorted_compared_and_grouped_live(page, tenant):
    """Issue 27 in the browser: the runs table with the query box (a bad query's error
    points at its character), a sorted param column, ticked runs overlaid, the matched runs
    grouped by a param as mean ± std bands, growing while a run logs; a run's params as a
    table."""
    project = await create_project(tenant.client, tenant.org_id)
    made = await tenant.client.mutate(
        EXPERIMENT_CREATE, {"projectId": project["id"], "name": "sweep"}
    )
    experiment = assert_ok(made)["experiment"]["id"]
    runs: dict[tuple[str, int], str] = {}
    for optimizer in ("adam", "sgd"):
        for seed in (1, 2, 3):
            params = {"optimizer": optimizer, "seed": seed, "lr": 0.1 / seed}
            run = assert_ok(await tenant.client.mutate(
                RUN_CREATE, {"experimentId": experiment, "name": f"{optimizer}-{seed}", "params": params}
            ))["run"]["id"]  # fmt: skip
            runs[(optimizer, seed)] = run
            base = 1.0 if optimizer == "adam" else 2.0
            await log_points(tenant.client, run, [
                {"key": "loss", "step": s, "value": base / (1 + s) * (0.4 + 0.3 * seed)} for s in range(20)
            ])  # fmt: skip
    await sign_in(page, tenant.key)
    await page.click(f"a[href='#/experiments/{experiment}']")
    rows = "document.querySelectorAll('tr[data-run]').length"
    await wait_for(page, f"() => {rows} === 6", "runs-table")
    # A query with a mistake: the server's error, at its character, under the box.
    await page.fill("#run-query", "params.seed >")
    await page.press("#run-query", "Enter")
    error = "document.querySelector('[data-query-error]')?.dataset.queryError ?? ''"
    await wait_for(page, f"() => ({error}).includes('at character')", "query-error")
    assert await page.get_attribute("#run-query", "aria-invalid") == "true"
    await page.fill("#run-query", "params.seed >= 2")
    await page.press("#run-query", "Enter")
    await wait_for(
        page, f"() => {rows} === 4 && !document.querySelector('[data-query-error]')", "query"
    )
    # Sorted by a param on the server, by clicking its column.
    await page.click("button[data-sort='param:seed']")
    seeds = """() => [...document.querySelectorAll('tr[data-run]')].map(
        r => r.children[[...r.parentElement.parentElement.querySelectorAll('th')]
             .findIndex(th => th.textContent.startsWith('seed'))].textContent).join(',')"""
    await wait_for(page, f"() => ({seeds})() === '3,3,2,2'", "sorted")
    # Two ticked runs: their curves overlaid.
    for name in ("adam-2", "sgd-3"):
        await page.check(f"input[aria-label='compare {name}']")
    overlay = "document.querySelector('.compare-chart[data-chart=\"runs\"]')"
    await wait_for(
        page,
        f"() => {overlay}?.dataset.curves === '2' && {overlay}?.dataset.points === '40'",
        "overlay",
    )
    # Grouped by optimizer: two mean ± std curves of the four matched runs.
    groups = "document.querySelector('.compare-chart[data-chart=\"groups\"]')"
    await wait_for(page, f"() => {groups}?.dataset.curves === '1'", "one-group")
    await page.check("input[data-group-by='optimizer']")
    await wait_for(
        page,
        f"() => {groups}?.dataset.curves === '2' && {groups}?.dataset.points === '40'",
        "grouped",
    )
    # A run trains on: the grouped curves and its overlaid curve grow without a reload.
    await log_points(tenant.client, runs[("adam", 2)], [
        {"key": "loss", "step": s, "value": 0.5 / (1 + s)} for s in range(20, 30)
    ])  # fmt: skip
    await wait_for(
        page,
        f"() => {groups}?.dataset.maxStep === '29' && {groups}?.dataset.points === '50'",
        "groups-live",
    )
    await wait_for(page, f"() => {overlay}?.dataset.maxStep === '29'", "overlay-live")
    assert await page.evaluate("() => performance.getEntriesByType('navigation').length") == 1
    await shot(page, "dashboard-experiment.png")
    await audit(page, "experiment page")
    # A run's params are a table.
    await page.click(f"a[href='#/runs/{runs[('sgd', 3)]}']")
    await page.wait_for_selector("table.param-table[data-params='3']")
    assert page.errors == []


async def test_after_the_server_restarts_the_chart_resumes_from_its_cursor(
    browser, dashboard_dist, database_url, tenant
):
    """The server goes away and comes back on the same address: graphql-ws reconnects and
    subscribes again with the cursor of the last batch it got, so the points logged while
    it was down arrive, and nothing before them is sent twice."""
    import json
    import socket

    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(tenant.client, ids["run"], points("loss", range(3)))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"MLGRAPH_DASHBOARD_DIR": str(dashboard_dist)}
    chart = "document.querySelector('.chart[data-metric=\"loss\"]')"
    page = await open_tab(browser, f"http://127.0.0.1:{port}")
    sent: list[dict] = []
    received: list[dict] = []
    page.on("websocket", lambda ws: (
        ws.on("framesent", lambda f: sent.append(json.loads(f))),
        ws.on("framereceived", lambda f: received.append(json.loads(f)))))  # fmt: skip
    async with server_process(database_url, port=port, **env):
        await sign_in(page, tenant.key)
        await page.goto(f"{page.base_url}/app/#/runs/{ids['run']}")
        await wait_for(page, f"() => {chart}?.dataset.points === '3'", "before")
        await log_points(tenant.client, ids["run"], points("loss", range(3, 5)))
        await wait_for(page, f"() => {chart}?.dataset.points === '5'", "live-before")
    metrics = [
        m for m in received if m.get("type") == "next" and "runMetrics" in m["payload"]["data"]
    ]
    cursor = metrics[-1]["payload"]["data"]["runMetrics"]["cursor"]
    await log_points(tenant.client, ids["run"], points("loss", range(5, 9)))  # while down
    batches_before = len([m for m in received if m.get("type") == "next"
                          and "runMetrics" in m["payload"]["data"]])  # fmt: skip
    async with server_process(database_url, port=port, **env):
        await wait_for(page, f"() => {chart}?.dataset.points === '9'", "resumed")
    subscribes = [m["payload"]["variables"] for m in sent
                  if m.get("type") == "subscribe" and "RunLive" in m["payload"]["query"]]  # fmt: skip
    assert subscribes[-1] == {"runId": ids["run"], "after": cursor}
    resumed = [m["payload"]["data"]["runMetrics"]["points"] for m in received
               if m.get("type") == "next" and "runMetrics" in m["payload"]["data"]][batches_before:]  # fmt: skip
    assert [p["step"] for batch in resumed for p in batch] == [5, 6, 7, 8]
    assert page.errors == []


async def test_a_breaching_metric_shows_an_alert_live_and_it_is_acknowledged(page, tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    await rule(tenant.client, ids, aggregation="LAST", severity="CRITICAL")
    await sign_in(page, tenant.key)
    await page.goto(f"{page.base_url}/app/#/deployments/{ids['deployment']}")
    await wait_for(page, "() => !!document.querySelector('table.alerts')", "deployment")
    # The alerts subscription is live once a probe alert opened now shows up.
    await alert_shows_live(page, tenant.client, ids["deployment"], "probe", "LOW")

    await record(tenant.client, ids["deployment"], "latency_ms", [950])
    row = "tr.alert:has-text('latency_ms = 950')"
    opened = ("() => [...document.querySelectorAll('tr.alert')].some(r => "
              "r.textContent.includes('latency_ms = 950') && r.dataset.alertStatus === '{}')")  # fmt: skip
    await wait_for(page, opened.format("OPEN"), "breach")
    await shot(page, "dashboard-deployment.png")
    await audit(page, "deployment page")
    await page.click(f"{row} >> text=Acknowledge")
    await wait_for(page, opened.format("ACKNOWLEDGED"), "acknowledged")
    # The monitoring chart grows live: the point that breached, then two more.
    chart = "document.querySelector('.chart[data-metric=\"latency_ms\"]')"
    await wait_for(page, f"() => {chart}?.dataset.points === '1'", "chart")
    await record(tenant.client, ids["deployment"], "latency_ms", [120, 130], start=1.0)
    await wait_for(page, f"() => {chart}?.dataset.points === '3'", "chart-live")
    assert await page.evaluate("() => performance.getEntriesByType('navigation').length") == 1
    # Monitoring charts are drawn over time (epoch seconds), not labelled as steps.
    await page.reload()
    await wait_for(page, f"() => {chart}?.dataset.points === '3' && {chart}.dataset.axis === 'time'",
                   "time-axis")  # fmt: skip
    assert page.errors == []


async def test_the_server_serves_a_built_dashboard_and_works_without_one(database_url, tmp_path):
    import httpx

    from app.settings import Settings
    from tests.conftest import TEST_SETTINGS, serve

    built = tmp_path / "dist"
    (built / "assets").mkdir(parents=True)
    (built / "index.html").write_text("<!doctype html><title>mlgraph</title>")
    (built / "assets" / "app.js").write_text("console.log(1)")
    for folder, expected in ((built, 200), (tmp_path / "missing", 404)):
        settings = Settings(database_url=database_url, **{**TEST_SETTINGS, "dashboard_dir": folder})  # type: ignore[arg-type]
        async with serve(settings) as running, httpx.AsyncClient(base_url=running.base_url) as http:
            page = await http.get("/app/")
            assert page.status_code == expected
            if expected == 200:
                assert "<title>mlgraph</title>" in page.text
                assert (await http.get("/app/assets/app.js")).text == "console.log(1)"
                for escape in ("/app/../settings.py", "/app/..%2Fapp%2Fsettings.py",
                               "/app/%2e%2e/%2e%2e/app/settings.py"):  # fmt: skip
                    assert (await http.get(escape)).status_code == 404, escape
            assert (await http.get("/readyz")).status_code == 200


async def test_every_dashboard_document_passes_the_default_limits(database_url):
    """The home page's tree once asked for depth 14 and up to 11 million nodes: refused by
    a server with the default limits (the browser test jumped straight to a run). Each
    document is sent, unchanged and without variables, to such a server: none may be
    refused for its shape (missing variables are expected)."""
    documents = dashboard_documents()
    assert len(documents) >= 8, sorted(documents)
    settings = Settings(database_url=database_url, **{**TEST_SETTINGS, "limits": Limits()})  # type: ignore[arg-type]
    async with serve(settings) as running, httpx.AsyncClient(base_url=running.base_url) as http:
        for name, document in documents.items():
            answer = (await http.post("/graphql", json={"query": document})).json()
            shape = [e["message"] for e in answer.get("errors", ())
                     if e.get("extensions", {}).get("code") in LIMIT_CODES
                     or "depth" in e["message"] or "limit" in e["message"]]  # fmt: skip
            assert shape == [], (name, shape)


LIMIT_CODES = {"QUERY_TOO_COMPLEX", "QUERY_TOO_DEEP", "TOO_MANY_TOKENS", "TOO_MANY_ALIASES"}


async def test_a_sweep_page_shows_its_trials_and_scatter_live(page, tenant):
    """Issue 29, item 5: from the experiment to its sweep; the trials table and the scatter
    of a param against the objective follow a trial that completes elsewhere."""
    client = tenant.client
    ids = await sweep_setup(client, tenant.org_id)
    sweep = await create_sweep(client, ids, maxParallel=2)  # a grid of 4: lr × layers
    first = await claim_trial(client, sweep["id"])
    await log_loss(client, first["run"]["id"], [0, 1], [0.9, 0.4])
    assert_ok(await finish_trial(client, first["trial"]))
    await sign_in(page, tenant.key)
    await page.goto(f"{page.base_url}/app/#/experiments/{ids['experiment']}")
    await page.click(f"a[href='#/sweeps/{sweep['id']}']")
    rows = "document.querySelectorAll('table.trials tbody tr').length"
    circles = "document.querySelectorAll('svg.scatter circle').length"
    await wait_for(page, f"() => {rows} === 3 && {circles} === 1", "trials")
    second = await claim_trial(client, sweep["id"])
    await log_loss(client, second["run"]["id"], [0, 1], [0.8, 0.2])
    assert_ok(await finish_trial(client, second["trial"]))
    best = "document.querySelector('[data-best]')?.textContent"
    await wait_for(page, f"() => {rows} === 4 && {circles} === 2 && {best} === '0.2'", "live")
    await page.select_option("select[name=scatter-param]", "layers")
    await wait_for(page, "() => document.querySelector('svg.scatter')?.getAttribute('aria-label')"
                   " === 'val/loss against layers for 2 completed trials'", "param")  # fmt: skip
    assert await page.evaluate("() => performance.getEntriesByType('navigation').length") == 1
    await shot(page, "dashboard-sweep.png")
    await audit(page, "sweep page")
    assert page.errors == []


async def test_a_model_page_moves_stages_and_sets_aliases_with_the_servers_errors(page, tenant):
    """Issue 31, item 1: from the home page to a model; a stage moved and an alias set from
    the page, a refused move and a refused alias shown next to their controls (the
    server's own userErrors), the production version and the alias's history updated."""
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = await create_model(client, project, name="churn-classifier")
    first = await create_version(client, model["id"], "1.0.0")
    await create_version(client, model["id"], "1.1.0")
    await sign_in(page, tenant.key)
    await page.click("a:has-text('churn-classifier')")  # reached from the home page
    await wait_for(page, "() => !!document.querySelector('table.versions')", "model")
    assert page.url.endswith(f"#/models/{model['id']}")

    select = "select[aria-label='Move 1.0.0 to']"
    await page.select_option(select, "PRODUCTION")  # DEVELOPMENT → PRODUCTION: refused
    problem = "[aria-label='Problems moving 1.0.0']"
    await wait_for(page, f"() => document.querySelector(\"{problem}\")?.textContent"
                         ".includes('INVALID_TRANSITION')", "refused-move")  # fmt: skip
    row = "tr.version[data-version='1.0.0']"
    for stage in ("STAGING", "PRODUCTION"):
        await page.select_option(select, stage)
        await wait_for(page, f"() => document.querySelector(\"{row}\")?.dataset.stage === '{stage}'",
                       f"moved-{stage}")  # fmt: skip
    await wait_for(page, "() => document.querySelector('[data-production]')?.dataset.production"
                         " === '1.0.0'", "production")  # fmt: skip
    assert await page.evaluate(f'() => document.querySelector("{problem}")') is None

    await page.fill("input[name=aliasName]", "Not A Slug")
    await page.select_option("select[name=aliasVersion]", first["id"])
    await page.click("button:has-text('Set alias')")
    refused = "[aria-label='Problems setting the alias']"
    await wait_for(page, f"() => document.querySelector(\"{refused}\")?.textContent"
                         ".includes('VALIDATION')", "refused-alias")  # fmt: skip
    await page.fill("input[name=aliasName]", "champion")
    await page.click("button:has-text('Set alias')")
    alias = "li.alias[data-alias='champion']"
    await wait_for(page, f"() => document.querySelector(\"{alias}\")?.dataset.version === '1.0.0'",
                   "alias")  # fmt: skip
    history = f'[...document.querySelectorAll("{alias} ul li")].map(li => li.textContent)'
    await wait_for(page, f"() => {history}.length === 1 && {history}[0].includes('→ 1.0.0 by "
                         f"{tenant.email}')", "alias-history")  # fmt: skip
    await shot(page, "dashboard-model.png")
    await audit(page, "model page")
    await page.goto(f"{page.base_url}/app/#/")
    await wait_for(page, "() => document.querySelector('details.tree')", "home")
    await audit(page, "home page")
    assert page.errors == []


async def test_a_version_page_and_its_lineage_graph(page, tenant):
    """Issue 31, items 1 and 2: a version's page (metrics, hyperparameters, its run's params,
    where it is deployed) reached from its model, and its lineage as a graph — dataset
    version → run → version → deployment, each edge drawn with its kind — whose depth the
    reader sets, and whose nodes open their pages."""
    from tests.support import datasets

    client = tenant.client
    made = await create_run(client, tenant.org_id, params={"lr": 0.01, "depth": 6})
    data = await datasets.dataset(client, made["project"], "reviews")
    reviews = assert_ok(await datasets.version(client, data, "2.0"))["datasetVersion"]["id"]
    assert_ok(await client.mutate(datasets.INPUTS, {
        "runId": made["run"], "inputs": [{"datasetVersionId": reviews, "role": "TRAIN"}]}))  # fmt: skip
    model = await create_model(client, made["project"], name="sentiment")
    version = assert_ok(await client.mutate(VERSION_CREATE, {
        "modelId": model["id"], "version": "3.1.0", "runId": made["run"],
        "metrics": {"auc": 0.91}}))["modelVersion"]  # fmt: skip
    environment = (await create_environment(client, tenant.org_id, name="prod-eu"))["id"]
    deployment = await create_deployment(client, version["id"], environment, name="sentiment-eu")

    await sign_in(page, tenant.key)
    await page.goto(f"{page.base_url}/app/#/models/{model['id']}")
    await page.click("tr.version[data-version='3.1.0'] >> text=3.1.0")
    await wait_for(page, "() => document.querySelector('.version-page')?.dataset.version === '3.1.0'",
                   "version")  # fmt: skip
    tables = "(what) => document.querySelector(`table[data-what=${what}]`)?.textContent ?? ''"
    assert "auc" in await page.evaluate(f"({tables})('metric')")
    params = await page.evaluate(f"({tables})('param')")
    assert "lr" in params and "depth" in params
    assert await page.is_visible("a:has-text('sentiment-eu')")
    assert await page.is_visible("text=Trained on reviews")  # the dataset upstream
    await shot(page, "dashboard-version.png")
    await audit(page, "version page")

    await page.click("text=Open the lineage graph")
    graph = "document.querySelector('svg.lineage-graph')"
    await wait_for(page, f"() => {graph}?.dataset.nodes === '4'", "lineage")
    kinds = await page.evaluate(
        "() => [...document.querySelectorAll('g.lineage-edge')].map(g => g.dataset.kind).sort()"
    )
    assert len(kinds) == 3 and "CONSUMED" in kinds, kinds
    # One step upstream: the version and its run, not the dataset behind the run.
    await page.select_option("select[name=up]", "1")
    await wait_for(page, f"() => {graph}?.dataset.nodes === '3'", "shallower")
    assert not await page.evaluate(
        "() => [...document.querySelectorAll('g.lineage-box')].some(g => g.dataset.type === 'DatasetVersion')"
    )
    await page.select_option("select[name=up]", "6")
    await wait_for(page, f"() => {graph}?.dataset.nodes === '4'", "deeper")
    await shot(page, "dashboard-lineage.png")
    await audit(page, "lineage page")
    await page.click("g.lineage-box[data-type=Deployment] a")  # a node opens its page
    await wait_for(page, f"() => location.hash === '#/deployments/{deployment['id']}'", "opened")
    assert page.errors == []


BUNDLE_BUDGET_GZIP = 150_000  # bytes of JavaScript and CSS, gzipped, for the whole app


def test_the_production_bundle_stays_in_its_budget(dashboard_dist):
    """Issue 31, item 5: what a first visit downloads (every asset Vite emitted, gzipped as
    a server would send it) stays under the budget the README states."""
    import gzip

    assets = [p for p in (dashboard_dist / "assets").iterdir() if p.suffix in {".js", ".css"}]
    assert assets, "no built assets"
    total = sum(len(gzip.compress(p.read_bytes(), 9)) for p in assets)
    assert total <= BUNDLE_BUDGET_GZIP, (
        f"{total:,} bytes gzipped, over the {BUNDLE_BUDGET_GZIP:,} budget"
    )


async def test_an_endpoint_page_edits_the_traffic_split_with_the_servers_errors(page, tenant):
    """Issue 31, item 3: from a model to its endpoint in an environment: the active and
    previous deployments, the split across two active deployments set from the page (a
    split not summing to 100 refused by the server, its error beside the form), and the
    endpoint's history recording the change."""
    from tests.support.serving_endpoints import TRAFFIC, activate
    from tests.support.tenancy import KEY_CREATE

    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    canary_version = await create_version(client, ids["model"], "1.1.0")
    stable = ids["deployment"]
    canary = (await create_deployment(client, canary_version["id"], ids["environment"],
                                      name="canary"))["id"]  # fmt: skip
    await activate(client, stable)
    await activate(client, canary)

    await sign_in(page, tenant.key)
    await page.goto(f"{page.base_url}/app/#/models/{ids['model']}")
    await page.click("ul.endpoints a")
    await wait_for(page, "() => document.querySelectorAll('form.traffic tbody tr').length === 2",
                   "endpoint")  # fmt: skip
    share = "input[aria-label='Share of canary']"
    others = "form.traffic tbody tr:not([data-deployment=canary]) input"
    await page.fill(share, "30")
    await page.fill(others, "60")
    await page.click("button:has-text('Set traffic')")
    problem = "[aria-label='Problems setting the traffic']"
    await wait_for(page, f"() => document.querySelector(\"{problem}\")?.textContent.includes('100')",
                   "refused-split")  # fmt: skip
    await page.fill(others, "70")
    await page.click("button:has-text('Set traffic')")
    await wait_for(page, "() => document.querySelector('tr[data-deployment=canary]')?.dataset.traffic"
                         " === '30'", "split")  # fmt: skip
    await wait_for(page, "() => !!document.querySelector('li[data-reason=TRAFFIC]')", "history")
    assert await page.evaluate(f'() => document.querySelector("{problem}")') is None
    await shot(page, "dashboard-endpoint.png")
    await audit(page, "endpoint page")

    # A change made elsewhere (another user, the promotion worker) arrives without a reload.
    model, environment = ids["model"], ids["environment"]
    assert_ok(await client.mutate(TRAFFIC, {"modelId": model, "environmentId": environment,
                                            "splits": [{"deploymentId": canary, "percentage": 55},
                                                       {"deploymentId": stable, "percentage": 45}]}))  # fmt: skip
    await wait_for(page, "() => document.querySelector('tr[data-deployment=canary]')?.dataset.traffic"
                         " === '55'", "split-live")  # fmt: skip
    assert await page.evaluate("() => performance.getEntriesByType('navigation').length") == 1
    assert page.errors == []

    # A read-only key sees the split, not the form (the server's viewerCanSetTraffic).
    reader = assert_ok(await client.mutate(KEY_CREATE, {"name": "reader", "scopes": ["READ"],
                                                        "organizationId": tenant.org_id}))  # fmt: skip
    endpoint_url = page.url
    other = await open_tab(page.context.browser, page.base_url)
    await sign_in(other, reader["secret"])
    await other.goto(endpoint_url)
    await wait_for(other, "() => !!document.querySelector('.traffic.read-only p.muted')"
                          " && !!document.querySelector('.traffic.read-only tr[data-deployment=canary]')",
                   "read-only")  # fmt: skip
    assert (
        await other.evaluate(
            "() => document.querySelectorAll('form.traffic, .traffic input').length"
        )
        == 0
    )
    await audit(other, "endpoint page, read-only")
    assert other.errors == []


PREDICTIONS_RECORD = """mutation($input: PredictionsRecordInput!) {
  predictionsRecord(input: $input) { predictionIds userErrors { field code message } } }"""


async def test_a_deployment_page_edits_alert_rules_and_filters_predictions(page, tenant):
    """Issue 31, item 3: a deployment's alert rules created, edited, paused and deleted from
    its page (a rule without a name refused, the server's error beside the form), and its
    predictions narrowed by the server's own filters."""
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    assert_ok(await client.mutate(PREDICTIONS_RECORD, {"deploymentId": ids["deployment"], "predictions": [
        {"latencyMs": 40, "confidence": 0.9}, {"latencyMs": 120, "confidence": 0.7},
        {"latencyMs": 300, "confidence": 0.4}]}))  # fmt: skip
    await sign_in(page, tenant.key)
    await page.goto(f"{page.base_url}/app/#/deployments/{ids['deployment']}")
    count = "document.querySelector('table.predictions')?.dataset.count"
    await wait_for(page, f"() => {count} === '3'", "predictions")
    await page.fill("input[name=minLatencyMs]", "100")
    await page.click("button:has-text('Filter')")
    await wait_for(page, f"() => {count} === '2'", "filtered")
    await page.fill("input[name=minConfidence]", "0.5")
    await page.click("button:has-text('Filter')")
    await wait_for(page, f"() => {count} === '1'", "filtered-twice")

    await page.fill("input[name=ruleThreshold]", "500")
    await page.click("button:has-text('Add rule')")  # no name: refused
    await wait_for(page, "() => document.querySelector(\"[aria-label='Problems adding the rule']\")"
                         "?.textContent.includes('VALIDATION')", "refused-rule")  # fmt: skip
    await page.fill("input[name=ruleName]", "slow")
    await page.click("button:has-text('Add rule')")
    rule = "document.querySelector('li.alert-rule[data-rule=slow]')"
    await wait_for(page, f"() => {rule}?.dataset.threshold === '500'", "rule")
    await page.fill("input[aria-label='Threshold of slow']", "800")
    await page.click("button:has-text('Save slow')")
    await wait_for(page, f"() => {rule}?.dataset.threshold === '800'", "rule-edited")
    await page.click("button:has-text('Pause slow')")
    await wait_for(page, f"() => {rule}?.dataset.enabled === 'false'", "rule-paused")
    await audit(page, "deployment page with rules and predictions")
    await page.click("button:has-text('Delete slow')")
    await wait_for(page, f"() => !{rule}", "rule-deleted")
    assert page.errors == []


async def test_a_project_page_and_a_training_job_followed_live(page, tenant):
    """Issue 31, item 4: from the home page to a project's training side — its jobs with
    their GPUs, its datasets with versions and checksums — and to a job, whose status moves
    QUEUED → RUNNING → SUCCEEDED on the page as a worker claims and ends it (no reload)."""
    from tests.support import datasets
    from tests.support.training_jobs import TRANSITION
    from tests.support.training_queue import CLAIM, queued_job

    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    job = await queued_job(client, ids)
    data = await datasets.dataset(client, ids["project"], "images")
    assert_ok(await datasets.version(client, data, "1.0", checksum={
        "algorithm": "SHA256", "digest": datasets.SHA}))  # fmt: skip

    await sign_in(page, tenant.key)
    await page.click(f"a[href='#/projects/{ids['project']}']")  # from the home page's tree
    await wait_for(page, "() => !!document.querySelector('table.training-jobs')", "project")
    assert await page.is_visible("li[data-version='1.0'] >> text=SHA256")
    await page.click("table.training-jobs a")
    status = "document.querySelector('.training-job')?.dataset.status"
    await wait_for(page, f"() => {status} === 'QUEUED'", "job")
    await audit(page, "training job page")
    claimed = assert_ok(await client.mutate(CLAIM, {"worker": "gpu-node-7"}))
    assert [j["id"] for j in claimed["trainingJobs"]] == [job]
    await wait_for(page, f"() => {status} === 'RUNNING'", "running-live")
    assert_ok(await client.mutate(TRANSITION, {"trainingJobId": job, "status": "SUCCEEDED"}))
    await wait_for(page, f"() => {status} === 'SUCCEEDED'", "succeeded-live")
    assert await page.evaluate("() => performance.getEntriesByType('navigation').length") == 1
    await shot(page, "dashboard-training-job.png")
    await page.click(".training-job a[href^='#/projects/']")  # back to its project
    await wait_for(page, "() => !!document.querySelector('table.training-jobs')", "project-again")
    await audit(page, "project page")
    await shot(page, "dashboard-project.png")
    assert page.errors == []


STEP_UPDATE = """mutation($input: PipelineRunStepUpdateInput!) {
  pipelineRunStepUpdate(input: $input) { pipelineRun { id } userErrors { field code message } } }"""


async def test_a_pipeline_is_drawn_as_a_dag_and_its_steps_move_on_the_page(page, tenant):
    """Issue 31, item 4: a pipeline of five steps drawn as a DAG (an arrow per dependency),
    each step coloured by its status in the latest run, the statuses moving on the page as
    the run's steps move through the API (pipelineRunStatus: no reload, no polling)."""
    from tests.support.pipelines import RUN_CREATE as PIPELINE_RUN_CREATE
    from tests.support.pipelines import RUN_MOVE, create_pipeline

    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    pipeline = assert_ok(await create_pipeline(client, project))["pipeline"]["id"]
    run = assert_ok(await client.mutate(PIPELINE_RUN_CREATE, {"pipelineId": pipeline}))
    run_id = run["pipelineRun"]["id"]
    for status in ("PENDING", "RUNNING"):
        assert_ok(await client.mutate(RUN_MOVE, {"pipelineRunId": run_id, "status": status}))

    await sign_in(page, tenant.key)
    await page.goto(f"{page.base_url}/app/#/projects/{project}")
    await page.click("ul.pipelines a")
    step = "(name) => document.querySelector(`g.dag-step[data-step=${name}]`)?.dataset.status"
    await wait_for(page, f"() => ({step})('prepare') === 'PENDING'", "dag")
    queries: list[str] = []  # from here on, the page follows the run without asking again
    page.on("request", lambda r: queries.append(r.url) if r.url.endswith("/graphql") else None)
    assert await page.evaluate("() => document.querySelectorAll('line.dag-edge').length") == 5
    columns = await page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('g.dag-step')].map(g =>"
        " [g.dataset.step, g.getAttribute('transform')]))"
    )
    assert columns["train"].split(",")[0] == columns["report"].split(",")[0]  # both after prepare
    for status in ("RUNNING", "SUCCEEDED"):
        assert_ok(await client.mutate(STEP_UPDATE, {"pipelineRunId": run_id, "step": "prepare",
                                                    "status": status}))  # fmt: skip
        await wait_for(page, f"() => ({step})('prepare') === '{status}'", f"step-{status}")
    assert await page.evaluate("() => performance.getEntriesByType('navigation').length") == 1
    assert queries == []  # moved by pipelineRunStatus over the WebSocket, not by polling
    await shot(page, "dashboard-pipeline.png")
    await audit(page, "pipeline page")
    assert page.errors == []
