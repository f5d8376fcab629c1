"""Shared by the tests of api/gpu_types and others (from tests/api/test_gpu_types.py)."""

from __future__ import annotations

from tests.conftest import GraphQLClient
from tests.helpers import USER_ERRORS

FIELDS = "id key label enabled priority createdAt updatedAt environment { id name }"


CREATE = f"""mutation($input: GpuTypeCreateInput!) {{
  gpuTypeCreate(input: $input) {{ gpuType {{ {FIELDS} }} {USER_ERRORS} }} }}"""


async def create(client: GraphQLClient, environment: str, **fields: object) -> dict:  # type: ignore[type-arg]
    return await client.mutate(CREATE, {"environmentId": environment, **fields})
