"""The Python client's generated operations match schema.graphql and its queries: the
generator (ariadne-codegen, in its own environment: `make install` builds it) runs into a
scratch copy and every file must come out byte-for-byte as committed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "python"
CODEGEN = ROOT / ".venv-codegen" / "bin" / "ariadne-codegen"


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def test_the_generated_client_is_current(tmp_path):
    require_tool("ariadne-codegen", CODEGEN.exists(), "make install (it builds .venv-codegen)")
    copy = tmp_path / "clients" / "python"
    copy.mkdir(parents=True)
    shutil.copy(CLIENT / "pyproject.toml", copy)
    shutil.copytree(CLIENT / "queries", copy / "queries")
    (copy / "mlgraph").mkdir()
    shutil.copy(ROOT / "schema.graphql", tmp_path / "schema.graphql")
    done = subprocess.run([CODEGEN, "--config", "pyproject.toml"], cwd=copy,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    fresh, committed = (
        files(copy / "mlgraph" / "generated"),
        files(CLIENT / "mlgraph" / "generated"),
    )
    stale = sorted(name for name in fresh.keys() | committed.keys()
                   if fresh.get(name) != committed.get(name))  # fmt: skip
    assert not stale, f"run `make client`: stale generated files {stale}"
