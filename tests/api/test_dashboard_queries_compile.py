"""Issue 31: each dashboard page is one query, compiled to one statement where it can be.
Every page query (the dashboard's own documents, as it sends them) is compiled by the
server's compiler for a node of its type; the pages that cannot be yet are listed with the
field that stops them, so a page that stops compiling fails here, and one that starts to
is struck off the list."""

from __future__ import annotations

import re
import uuid

from graphql import OperationDefinitionNode, parse
from graphql.execution.values import get_variable_values

from app.api.graph.compiler import Unsupported
from app.api.ids import encode_id
from app.server.schema import build_schema
from tests.support.dashboard import dashboard_documents

# The query of each page (home, project, training job, pipeline, experiment, sweep, run,
# model, endpoint, deployment, version, lineage), and variables as the pages send them.
PAGES = (
    "OrganizationTree", "ProjectPage", "TrainingJobPage", "PipelinePage", "ExperimentRuns",
    "SweepPage", "RunPage", "ModelPage", "EndpointPage", "DeploymentPage", "VersionPage",
    "VersionLineage",
)  # fmt: skip
VARIABLES = {"orderBy": "CREATED_DESC", "keys": ["val/auc"], "up": 2, "down": 2}
# Page -> the field computed in Python that keeps its query on the resolver path.
NOT_COMPILED = {
    "VersionLineage": "ModelVersion.lineage is computed in Python",
    # A signed, expiring download link: made with the server's key, never in SQL.
    "VersionPage": "RunArtifact.downloadUrl is computed in Python",
}


def test_every_page_query_compiles_but_the_listed_ones():
    schema = build_schema()
    compiler = schema.compiled_path.compiler
    documents = dashboard_documents()
    pages = {name: documents[name] for name in PAGES}
    reasons = {}
    for name, document in sorted(pages.items()):
        on = re.search(r"node\(id: \$id\)\s*\{\s*\.\.\. on (\w+)", document)
        assert on or name == "OrganizationTree", name
        given = {**VARIABLES, "id": encode_id(on[1], uuid.uuid4()) if on else None}
        parsed = parse(document)
        operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
        variables = get_variable_values(schema._schema, operation.variable_definitions or (), given)
        assert not isinstance(variables, list), (name, variables)
        try:
            compiler.compile(parsed, operation, variables, [uuid.uuid4()], uuid.uuid4(), ())
        except Unsupported as reason:
            reasons[name] = str(reason)
    assert reasons == NOT_COMPILED
