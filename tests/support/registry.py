"""Shared by the tests of api/registry and others (from tests/api/test_registry.py)."""

from __future__ import annotations

from tests.helpers import (
    USER_ERRORS,
)

PROJECT_UPDATE = f"""
mutation($input: ProjectUpdateInput!) {{
  projectUpdate(input: $input) {{ project {{ id slug name description }} {USER_ERRORS} }}
}}"""


PROJECT_DELETE = f"""
mutation($input: ProjectDeleteInput!) {{
  projectDelete(input: $input) {{ project {{ id }} {USER_ERRORS} }}
}}"""


MODEL_UPDATE = f"""
mutation($input: ModelUpdateInput!) {{
  modelUpdate(input: $input) {{ model {{ id name description tags framework }} {USER_ERRORS} }}
}}"""


MODEL_DELETE = f"""
mutation($input: ModelDeleteInput!) {{
  modelDelete(input: $input) {{ model {{ id }} {USER_ERRORS} }}
}}"""
