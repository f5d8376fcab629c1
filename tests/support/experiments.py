"""Shared by the tests of api/experiments and others (from tests/api/test_experiments.py)."""

from __future__ import annotations

from tests.helpers import (
    USER_ERRORS,
)

RUN_UPDATE = f"""
mutation($input: RunUpdateInput!) {{
  runUpdate(input: $input) {{ run {{ id name params tags }} {USER_ERRORS} }}
}}"""
