"""Tools outside Python that some tests need (Node, Chromium, the dashboard's build)."""

from __future__ import annotations

import os

import pytest


def require_tool(what: str, found: bool, how: str) -> None:
    if found:
        return
    message = f"{what} is missing: {how}"
    if os.environ.get("MLGRAPH_REQUIRE_BROWSER_TESTS") == "1":
        pytest.fail(f"MLGRAPH_REQUIRE_BROWSER_TESTS=1 but {message}")
    print(f"\n!!! SKIPPED: {message} !!!")
    pytest.skip(f"SKIPPED LOUDLY: {message}")
