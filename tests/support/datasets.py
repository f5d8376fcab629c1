"""Shared by the tests of api/datasets and others (from tests/api/test_datasets.py)."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
    assert_ok,
)

DATASET_CREATE = f"""mutation($input: DatasetCreateInput!) {{
  datasetCreate(input: $input) {{ dataset {{ id name type tags format schema
    project {{ id }} }} {USER_ERRORS} }} }}"""


VERSION_FIELDS = """id version versioningSystem externalVersionId storageUri checksumAlgorithm
  checksum fileCount totalSizeBytes recordCount status dataset { id name }"""


DV_CREATE = f"""mutation($input: DatasetVersionCreateInput!) {{
  datasetVersionCreate(input: $input) {{ datasetVersion {{ {VERSION_FIELDS} }} {USER_ERRORS} }} }}"""


INPUTS = f"""mutation($input: DatasetInputsRecordInput!) {{
  datasetInputsRecord(input: $input) {{ newCount {USER_ERRORS} }} }}"""


BY_CHECKSUM = """query($a: ChecksumAlgorithm!, $d: String!) {
  datasetVersionsByChecksum(algorithm: $a, digest: $d) { id version dataset { name } } }"""


LINEAGE = """query($id: ID!, $direction: LineageDirection!, $depth: Int!) { node(id: $id) {
  ... on ModelVersion { lineage(direction: $direction, depth: $depth) { ...graph } }
  ... on DatasetVersion { lineage(direction: $direction, depth: $depth) { ...graph } }
  ... on Run { lineage(direction: $direction, depth: $depth) { ...graph } }
  ... on EvaluationRun { lineage(direction: $direction, depth: $depth) { ...graph } } } }
fragment graph on Lineage { nodes { id type label depth } edges { from to kind role } }"""


SHA = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"


VERIFY = f"""mutation($input: DatasetVersionVerifyInput!) {{
  datasetVersionVerify(input: $input) {{ datasetVersion {{ id status verifiedAt
    verifiedBy {{ email }} }} {USER_ERRORS} }} }}"""


async def verify(client: GraphQLClient, version_id: str, digest: str = SHA,
                 algorithm: str = "SHA256") -> dict[str, Any]:  # fmt: skip
    checksum = {"algorithm": algorithm, "digest": digest}
    return await client.mutate(VERIFY, {"datasetVersionId": version_id, "checksum": checksum})


async def dataset(client: GraphQLClient, project: str, name: str, **fields: Any) -> str:
    input = {"projectId": project, "name": name, "type": "TABULAR", **fields}
    return assert_ok(await client.mutate(DATASET_CREATE, input))["dataset"]["id"]


async def version(client: GraphQLClient, dataset_id: str, name: str, **fields: Any) -> dict:  # type: ignore[type-arg]
    return await client.mutate(DV_CREATE, {"datasetId": dataset_id, "version": name, **fields})


JOB_WITH_INPUTS = f"""mutation($input: TrainingJobCreateInput!) {{
  trainingJobCreate(input: $input) {{ trainingJob {{ id createdBy {{ email }}
    datasetInputs {{ nodes {{ role datasetVersion {{ version dataset {{ name }} }} }} }} }}
  {USER_ERRORS} }} }}"""


CONSUMED = """query($run: ID!, $job: ID!) {
  run: node(id: $run) { ... on Run { datasetInputs { totalCount nodes { role
    datasetVersion { version createdBy { email } } } } } }
  job: node(id: $job) { ... on TrainingJob { datasetInputs { nodes { role } } } } }"""
