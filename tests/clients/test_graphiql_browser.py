"""GraphiQL, as served by the app, in headless Chromium: a query, and a subscription whose
results grow live while points are logged through the API."""

from __future__ import annotations

import json

from tests.helpers import ARTIFACTS, create_run, log_points
from tests.support.subscriptions import points

RESPONSE_TEXT = (
    "() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? ''"
)


async def graphiql_run(browser, base_url: str, key: str, query: str):  # type: ignore[no-untyped-def]
    """A fresh GraphiQL tab that opens with ``query`` and the key in its Headers tab (as a
    user's stored editors would), then runs it. Loading the query with the page, not
    typing it, matters: GraphiQL re-parses an edited query after a debounce, and it picks
    WebSocket over HTTP from that parse."""
    context = await browser.new_context()
    page = await context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    headers = json.dumps({"Authorization": f"Bearer {key}"})
    await page.add_init_script(
        f"localStorage.setItem('graphiql:headers', {json.dumps(headers)});"
        f"localStorage.setItem('graphiql:query', {json.dumps(query)});"
    )
    await page.goto(f"{base_url}/graphql")
    await page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=30_000)
    await page.click(".graphiql-execute-button")
    return page


async def response_containing(page, text: str) -> dict:  # type: ignore[type-arg]
    try:
        await page.wait_for_function(
            f"() => ({RESPONSE_TEXT})().includes({json.dumps(text)})", timeout=30_000
        )
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "graphiql-failure.png"))
        raise AssertionError(f"no {text!r} in: {await page.evaluate(RESPONSE_TEXT)!r}") from None
    return json.loads(await page.evaluate(RESPONSE_TEXT))


async def test_graphiql_queries_and_subscribes_live(server, tenant, browser):
    page = await graphiql_run(browser, server.base_url, tenant.key, "{ viewer { user { email } } }")
    answer = await response_containing(page, tenant.email)
    assert answer == {"data": {"viewer": {"user": {"email": tenant.email}}}}

    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(tenant.client, ids["run"], points("loss", range(3)))
    subscription = (
        f'subscription {{ runMetrics(runId: "{ids["run"]}") {{ replay points {{ step }} }} }}'
    )
    page = await graphiql_run(browser, server.base_url, tenant.key, subscription)
    replay = await response_containing(page, '"replay": true')
    assert [p["step"] for p in replay["data"]["runMetrics"]["points"]] == [0, 1, 2]
    await log_points(tenant.client, ids["run"], points("loss", range(3, 5)))
    live = await response_containing(page, '"replay": false')
    assert [p["step"] for p in live["data"]["runMetrics"]["points"]] == [3, 4]
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "graphiql-subscription.png"))
    assert page.errors == []
