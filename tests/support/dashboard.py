"""Driving the dashboard (dashboard/) in headless Chromium: a tab that records the page's
errors, the key form, screenshots, axe-core's audit, waiting for a state, the laptop width."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import ARTIFACTS
from tests.support.tools import require_tool

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
LAPTOP = {"width": 1280, "height": 800}


async def open_tab(browser, base_url: str):  # type: ignore[no-untyped-def]
    """A fresh tab that records the page's uncaught errors (``tab.errors``)."""
    context = await browser.new_context(viewport=LAPTOP)
    tab = await context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.base_url = base_url
    return tab


async def sign_in(page, key: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{page.base_url}/app/")
    await page.fill("input[name=apiKey]", key)
    await page.click("button[type=submit]")
    await page.wait_for_selector("header .brand")
    stored = await page.evaluate(
        "() => [sessionStorage.getItem('mlgraph:apiKey'), localStorage.length]"
    )
    assert stored == [key, 0]  # session storage only: gone with the tab


async def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / name), full_page=True)


AXE = DASHBOARD / "node_modules" / "axe-core" / "axe.min.js"


async def audit(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """axe-core's WCAG 2 A and AA rules on the page as it stands: no violation (each one
    listed with the elements it found, to fix)."""
    require_tool("axe-core", AXE.exists(), "make dashboard (npm ci installs axe-core)")
    await page.add_script_tag(path=str(AXE))
    found = await page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations.map(v =>
            `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`)"""
    )
    assert found == [], f"{name}: " + "\n".join(found)


async def wait_for(page, script: str, name: str) -> None:  # type: ignore[no-untyped-def]
    try:
        await page.wait_for_function(script, timeout=30_000)
    except Exception:
        await shot(page, f"failure-{name}.png")
        raise AssertionError(f"never true: {script}; page errors: {page.errors}") from None


async def fits_the_width(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Nothing wider than the window (a laptop's): no sideways scrolling of the page; wide
    content (a graph, a table) scrolls inside its own box."""
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: {overflow} px wider than the window"


DOCUMENT = re.compile(r"graphql\(`([^`]*)`\)")


def dashboard_documents() -> dict[str, str]:
    """Every GraphQL operation the dashboard's source sends, by name, with the fragments
    it spreads (as graphql-codegen's client preset sends it)."""
    operations, fragments = {}, {}
    for source in sorted((DASHBOARD / "src").rglob("*.tsx")):
        for document in DOCUMENT.findall(source.read_text()):
            if name := re.search(r"(query|mutation|subscription)\s+(\w+)", document):
                operations[name[2]] = document
            else:
                fragment = re.search(r"fragment\s+(\w+)", document)
                assert fragment, (source, document)
                fragments[fragment[1]] = document

    def with_fragments(document: str) -> str:
        text, added = document, set()
        while needed := set(re.findall(r"\.\.\.\s*(\w+)", text)) - added - {"on"}:
            added |= needed
            text += "".join(fragments[n] for n in sorted(needed) if n in fragments)
        return text

    return {name: with_fragments(document) for name, document in operations.items()}


ALERT_CREATE = """mutation($input: AlertCreateInput!) {
  alertCreate(input: $input) { alert { id } userErrors { field code message } } }"""


async def alert_shows_live(page, client, deployment: str, title: str, severity: str) -> None:  # type: ignore[no-untyped-def]
    """Open alerts "<title> (n)" on the deployment until the page shows one it was sent by
    its alerts subscription (one opened before the page subscribed never comes): the state
    waited for, a new alert per look."""
    for attempt in range(60):
        made = await client.mutate(ALERT_CREATE, {
            "deploymentId": deployment, "severity": severity, "title": f"{title} ({attempt})"})  # fmt: skip
        assert made["userErrors"] == [], made
        try:
            await page.wait_for_selector(f"text={title} ({attempt})", timeout=500)
            return
        except Exception:  # noqa: BLE001 - not subscribed yet: another one
            continue
    raise AssertionError("the alerts subscription never delivered")
