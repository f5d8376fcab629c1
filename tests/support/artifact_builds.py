"""Shared by the tests of api/artifact_builds and others (from tests/api/test_artifact_builds.py)."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
)

BUILD = """id status sourceRepositoryUrl sourceRef sourcePath imageUrl errorMessage startedAt
  finishedAt leaseOwner leaseExpiresAt claims maxAttempts modelVersion { version }
  createdBy { email }"""


CREATE = f"""mutation($input: ArtifactBuildCreateInput!) {{
  artifactBuildCreate(input: $input) {{ artifactBuild {{ {BUILD} }} {USER_ERRORS} }} }}"""


CLAIM = f"""mutation($input: ArtifactBuildsClaimInput!) {{
  artifactBuildsClaim(input: $input) {{ artifactBuilds {{ {BUILD} }} {USER_ERRORS} }} }}"""


SOURCE = {"repositoryUrl": "https://github.com/acme/fraud.git", "ref": "main", "path": "serve"}


async def build(client: GraphQLClient, version: str, **fields: Any) -> dict[str, Any]:
    return await client.mutate(CREATE, {"modelVersionId": version, "source": SOURCE, **fields})
