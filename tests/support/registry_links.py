"""Shared by the tests of api/registry_links and others (from tests/api/test_registry_links.py)."""

from __future__ import annotations

from tests.helpers import (
    USER_ERRORS,
)

LINK = """id registry externalId repoUrl externalVersion importedAt exportedAt metadata
  syncState lastCheckedAt model { id } modelVersion { version } createdBy { email }"""


CREATE = f"""mutation($input: RegistryLinkCreateInput!) {{
  registryLinkCreate(input: $input) {{ registryLink {{ {LINK} }} {USER_ERRORS} }} }}"""
