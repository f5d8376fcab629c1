"""Shared by the tests of api/deployment_lifecycle and others (from tests/api/test_deployment_lifecycle.py)."""

from __future__ import annotations

from tests.helpers import (
    USER_ERRORS,
)

DEPLOYMENT = "{ id status modelVersion { version } trafficPercentage minInstances maxInstances }"


TRANSITION = f"""mutation($input: DeploymentTransitionInput!) {{
  deploymentTransition(input: $input) {{ deployment {DEPLOYMENT} {USER_ERRORS} }} }}"""


UPDATE = f"""mutation($input: DeploymentUpdateInput!) {{
  deploymentUpdate(input: $input) {{ deployment {DEPLOYMENT} {USER_ERRORS} }} }}"""


ROLLBACK = f"""mutation($input: DeploymentRollbackInput!) {{
  deploymentRollback(input: $input) {{ deployment {DEPLOYMENT} {USER_ERRORS} }} }}"""


TRAFFIC = f"""mutation($input: DeploymentTrafficSetInput!) {{
  deploymentTrafficSet(input: $input) {{ deployments {{ id trafficPercentage }} {USER_ERRORS} }} }}"""
