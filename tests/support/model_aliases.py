"""Shared by the tests of api/model_aliases and others (from tests/api/test_model_aliases.py)."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
)

ALIAS_SET = f"""mutation($input: ModelAliasSetInput!) {{
  modelAliasSet(input: $input) {{ modelAlias {{ id name protected updatedAt
    modelVersion {{ version }} model {{ name }} }} {USER_ERRORS} }} }}"""


ALIASES = """query($id: ID!, $at: DateTime) { node(id: $id) { ... on Model {
  aliases { nodes { name protected modelVersion { version }
    history { nodes { createdAt fromVersion { version } toVersion { version }
      actor { email } } } } }
  champion: alias(name: "champion", at: $at) { version }
  now: alias(name: "champion") { version }
  missing: alias(name: "nobody") { version } } } }"""


async def set_alias(client: GraphQLClient, model: str, version: str, **fields: Any) -> dict:  # type: ignore[type-arg]
    input = {"modelId": model, "name": "champion", "modelVersionId": version, **fields}
    return await client.mutate(ALIAS_SET, input)
