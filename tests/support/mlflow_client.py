"""MLflow's own client, run as a user's program from its own environment (.venv-mlflow)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from tests.conftest import RunningServer

MLFLOW_PYTHON = Path(__file__).resolve().parents[2] / ".venv-mlflow" / "bin" / "python"


async def run_mlflow(
    python: Path, server: RunningServer | str, key: str | None, tmp_path: Path, source: str
) -> dict[str, Any]:
    """A script using MLflow's client, as its own program; the JSON it prints last. It
    tracks to mlgraph's MLflow API (``server``), or to the tracking URI given instead."""
    script = tmp_path / "script.py"
    script.write_text(source)
    uri = server if isinstance(server, str) else f"{server.base_url}/mlflow"
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": uri,
        **({"MLFLOW_TRACKING_TOKEN": key} if key else {}),
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",  # an error is an answer here, not a retry
        "GIT_PYTHON_REFRESH": "quiet",
        "TMPDIR": str(tmp_path),
    }
    process = await asyncio.create_subprocess_exec(
        str(python), str(script), cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()[-4000:]
    lines = out.decode().strip().splitlines()
    assert lines, err.decode()[-4000:]
    return json.loads(lines[-1])
