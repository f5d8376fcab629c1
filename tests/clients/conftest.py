"""Clients that need tools outside Python: Node (the reference JavaScript clients) and
Chromium (GraphiQL in a real browser). Where a tool is missing the tests skip loudly;
with MLGRAPH_REQUIRE_BROWSER_TESTS=1 (set by .ci/run, which installs both) a missing
tool fails the run instead, so CI always runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.mlflow_client import MLFLOW_PYTHON

JS_DIR = Path(__file__).resolve().parent.parent / "js"
# What Chromium needs here: no sandbox as root, no GPU, and none of its background
# connections (this machine has no network but the loopback).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def require_tool(what: str, found: bool, how: str) -> None:
    if found:
        return
    message = f"{what} is missing: {how}"
    if os.environ.get("MLGRAPH_REQUIRE_BROWSER_TESTS") == "1":
        pytest.fail(f"MLGRAPH_REQUIRE_BROWSER_TESTS=1 but {message}")
    print(f"\n!!! SKIPPED: {message} !!!")
    pytest.skip(f"SKIPPED LOUDLY: {message}")


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


@pytest.fixture
async def browser(chromium):  # type: ignore[no-untyped-def]
    """Headless Chromium (Debian's), driven by Playwright."""
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture(scope="session")
def mlflow_python() -> Path:
    if not MLFLOW_PYTHON.exists():
        pytest.fail("MLflow's client is missing: make .venv-mlflow/.installed (make test does)")
    return MLFLOW_PYTHON
