"""Clients that need tools outside Python: Node (the reference JavaScript clients) and
Chromium (GraphiQL in a real browser). Where a tool is missing the tests skip loudly;
with MLGRAPH_REQUIRE_BROWSER_TESTS=1 (set by .ci/run, which installs both) a missing
tool fails the run instead, so CI always runs them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BACKGROUND_OFF, server_process
from tests.support.dashboard import DASHBOARD, open_tab
from tests.support.mlflow_client import MLFLOW_PYTHON
from tests.support.tools import require_tool

JS_DIR = Path(__file__).resolve().parent.parent / "js"
# What Chromium needs here: no sandbox as root, no GPU, and none of its background
# connections (this machine has no network but the loopback).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """tests/js with its locked packages installed (npm ci on first use)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    require_tool("Node.js", bool(node and npm), "apt-get install -y nodejs npm")
    if not (JS_DIR / "node_modules" / "graphql-ws").is_dir():
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, capture_output=True, text=True
        )
        require_tool("tests/js packages", done.returncode == 0, f"npm ci failed: {done.stderr}")
    return JS_DIR


@pytest.fixture(scope="session")
def chromium() -> str:
    path = next((p for p in CHROMIUM_PATHS if Path(p).exists()), None)
    require_tool("Chromium", path is not None, "apt-get install -y chromium")
    return str(path)


@pytest.fixture(scope="session")
async def chromium_process(chromium):  # type: ignore[no-untyped-def]
    """Headless Chromium (Debian's), driven by Playwright: one per worker (starting the
    driver and the browser costs a second or two of CPU)."""
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def browser(chromium_process):  # type: ignore[no-untyped-def]
    """The worker's Chromium for one test: every browser context the test opened (its
    storage, cookies, sockets, pages) is closed after it, so nothing of it lives on."""
    yield chromium_process
    for context in list(chromium_process.contexts):
        await context.close()


@pytest.fixture(scope="session")
def mlflow_python() -> Path:
    if not MLFLOW_PYTHON.exists():
        pytest.fail("MLflow's client is missing: make .venv-mlflow/.installed (make test does)")
    return MLFLOW_PYTHON


@pytest.fixture(scope="session")
def dashboard_dist() -> Path:
    """dashboard/dist, built (npm ci, codegen, type check, vite) unless `make dashboard`
    already did."""
    dist = DASHBOARD / "dist"
    if not (dist / "index.html").exists():
        require_tool("Node.js", bool(shutil.which("npm")), "apt-get install -y nodejs npm")
        for step in (["npm", "ci", "--no-audit", "--no-fund"], ["npm", "run", "build"]):
            done = subprocess.run(step, cwd=DASHBOARD, capture_output=True, text=True)
            require_tool("the dashboard build", done.returncode == 0,
                         f"{' '.join(step)} failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")  # fmt: skip
    return dist


@pytest.fixture(scope="session")
async def dashboard_server(dashboard_dist, database_url):  # type: ignore[no-untyped-def]
    """A server process serving the built dashboard, shared by a worker's browser tests
    (each has its own tenant and its own browser context): starting one costs ~6 s."""
    async with server_process(
        database_url, MLGRAPH_DASHBOARD_DIR=str(dashboard_dist), **BACKGROUND_OFF
    ) as served:
        yield served


@pytest.fixture
async def page(browser, dashboard_server):  # type: ignore[no-untyped-def]
    """A fresh tab (its own browser context: storage, cookies, sockets) on the dashboard."""
    tab = await open_tab(browser, dashboard_server.base_url)
    yield tab
    await tab.context.close()
