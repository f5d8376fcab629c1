"""The API makes a userError's GraphQL path from the domain's relative one by walking the
mutation's input type: Python names become GraphQL names, list positions and data keys
(a param's name, below a JSON scalar) pass as they are."""

from __future__ import annotations

from app.api.errors import graphql_path
from app.api.experiments.mutations import RunCreateInput, RunMetricsLogInput
from app.api.registry.mutations import ModelVersionCreateAndDeployInput


def test_input_fields_take_their_graphql_names() -> None:
    assert graphql_path(RunCreateInput, ("experiment_id",)) == ["input", "experimentId"]
    assert graphql_path(RunCreateInput, ()) == ["input"]


def test_nested_inputs_and_list_positions() -> None:
    nested = ("model_version", "artifact_size_bytes")
    assert graphql_path(ModelVersionCreateAndDeployInput, nested) == [
        "input",
        "modelVersion",
        "artifactSizeBytes",
    ]
    assert graphql_path(RunMetricsLogInput, ("points", "3", "timestamp")) == [
        "input",
        "points",
        "3",
        "timestamp",
    ]


def test_data_keys_below_a_scalar_keep_their_spelling() -> None:
    assert graphql_path(RunCreateInput, ("params", "learning_rate")) == [
        "input",
        "params",
        "learning_rate",
    ]


def test_a_name_the_type_does_not_have_is_spelled_as_graphql_would() -> None:
    path = graphql_path(RunCreateInput, ("no_such_field", "x_y"))
    assert path == ["input", "noSuchField", "x_y"]
