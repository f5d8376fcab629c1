"""Shared by the tests of api/drift_and_embeddings and others (from tests/api/test_drift_and_embeddings.py)."""

from __future__ import annotations

from tests.helpers import USER_ERRORS

DRIFT = f"""mutation($input: DriftReportCreateInput!) {{
  driftReportCreate(input: $input) {{ driftReport {{ id overallScore isDriftDetected threshold
    features {{ name psi ksStatistic jsDistance isDrifted }} alert {{ alertType severity status }} }}
    {USER_ERRORS} }} }}"""


EMBED = f"""mutation($input: PredictionEmbeddingsRecordInput!) {{
  predictionEmbeddingsRecord(input: $input) {{ recordedCount dimension {USER_ERRORS} }} }}"""
