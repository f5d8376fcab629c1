"""Tests share documents and helpers through tests/support (and tests/helpers.py,
tests/ws.py, tests/id_slots.py, conftest.py), never by importing one another: a test
module can then be renamed, split or deleted without breaking others."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_test_module_imports_another() -> None:
    wrong = []
    for path in TESTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[-1].startswith("test_"):
                    wrong.append(f"{path.relative_to(TESTS)}: {node.module}")
    assert not wrong, wrong
