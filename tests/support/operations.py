"""Shared by the tests of api/operations and others (from tests/api/test_operations.py)."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: str, database_url: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, **extra_env}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
