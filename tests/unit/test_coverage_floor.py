"""`make test` fails when app/'s line coverage falls under the floor, and says so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.coverage_floor import ROOT, floor, report


def measured(covered: int, missing: int) -> dict:  # type: ignore[type-arg]
    """SlipCover's JSON for two files, ``covered`` of ``covered + missing`` lines run."""
    return {
        "files": {
            "app/ok.py": {
                "executed_lines": list(range(1, covered + 1)),
                "missing_lines": [],
                "summary": {"covered_lines": covered, "missing_lines": 0, "percent_covered": 100.0},
            },
            "app/untested.py": {
                "executed_lines": [],
                "missing_lines": list(range(1, missing + 1)),
                "summary": {"covered_lines": 0, "missing_lines": missing, "percent_covered": 0.0},
            },
        },
        "summary": {
            "covered_lines": covered,
            "missing_lines": missing,
            "percent_covered": 100.0 * covered / (covered + missing),
        },
    }


def test_the_floor_is_set_in_pyproject() -> None:
    assert 50 <= floor() <= 100
    makefile = (ROOT / "Makefile").read_text()
    assert "-m slipcover --json --out test-artifacts/coverage.json -m pytest" in makefile
    assert "-m tests.support.coverage_floor test-artifacts/coverage.json" in makefile


def test_coverage_at_or_above_the_floor_passes_with_a_report() -> None:
    ok, text = report(measured(925, 75), 92.5)
    assert ok
    assert "92.50% (925 of 1,000 lines; floor 92.50%)" in text
    assert "app/untested.py" in text and "app/ok.py" not in text  # only files missing lines
    assert "FAILED" not in text


def test_coverage_under_the_floor_fails_and_says_why(tmp_path: Path) -> None:
    ok, text = report(measured(924, 76), 92.5)
    assert not ok
    assert "FAILED: coverage fell to 92.40%, under the floor of 92.50%" in text
    data = tmp_path / "coverage.json"
    data.write_text(json.dumps(measured(40, 60)))  # under any floor (at least 50)
    run = subprocess.run(
        [sys.executable, "-m", "tests.support.coverage_floor", str(data)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1 and "FAILED: coverage fell to 40.00%" in run.stdout, run.stdout
    data.write_text(json.dumps(measured(1000, 0)))
    run = subprocess.run(
        [sys.executable, "-m", "tests.support.coverage_floor", str(data)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout
