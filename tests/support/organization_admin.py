"""Shared by the tests of api/organization_admin and others (from tests/api/test_organization_admin.py)."""

from __future__ import annotations

from tests.helpers import (
    USER_ERRORS,
)

ORG = f"""mutation($input: OrganizationUpdateInput!) {{
  organizationUpdate(input: $input) {{ organization {{ id name plan status billingEmail
    settings }} {USER_ERRORS} }} }}"""


DELETE = f"""mutation($input: OrganizationDeleteInput!) {{
  organizationDelete(input: $input) {{ organization {{ id slug }} {USER_ERRORS} }} }}"""
