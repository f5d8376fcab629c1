"""The suite's line coverage of app/, against its floor: ``make test`` runs the suite under
SlipCover (it instruments bytecode and removes each probe once its line has run, so it
costs the suite a fraction of what a tracer does), which writes test-artifacts/coverage.json;
this prints the total and where most lines are missed, and fails under the floor
(``[tool.mlgraph] coverage-floor`` in pyproject.toml).

Code that runs only in the server and command processes the tests start (app/cli.py, the
MLflow importer, the HTTP read timeouts) is not measured, so it counts as missed."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WORST = 12  # files listed by missed lines


def floor(pyproject: Path = ROOT / "pyproject.toml") -> float:
    settings = tomllib.loads(pyproject.read_text())
    return float(settings["tool"]["mlgraph"]["coverage-floor"])


def report(coverage: dict[str, Any], minimum: float) -> tuple[bool, str]:
    """Whether ``coverage`` (SlipCover's JSON) holds ``minimum`` percent, and what to print."""
    summary = coverage["summary"]
    total = float(summary["percent_covered"])
    files = sorted(
        coverage["files"].items(),
        key=lambda item: len(item[1].get("missing_lines", [])),
        reverse=True,
    )
    lines = [
        f"line coverage of app/: {total:.2f}% ({summary['covered_lines']:,} of "
        f"{summary['covered_lines'] + summary['missing_lines']:,} lines; floor {minimum:.2f}%)",
        "most lines missed:",
    ]
    for name, data in files[:WORST]:
        missed = len(data.get("missing_lines", []))
        if missed:
            lines.append(f"  {missed:5d}  {data['summary']['percent_covered']:5.1f}%  {name}")
    ok = total >= minimum
    if not ok:
        lines.append(
            f"FAILED: coverage fell to {total:.2f}%, under the floor of {minimum:.2f}%: test "
            "the code that came without tests (the full list: test-artifacts/coverage.json)"
        )
    return ok, "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else ROOT / "test-artifacts" / "coverage.json"
    ok, text = report(json.loads(path.read_text()), floor())
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
