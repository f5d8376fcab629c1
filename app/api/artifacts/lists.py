"""The artifacts context's lists: a run's files, or those under one folder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_

import app.api.artifacts.types  # noqa: F401  (the node type its list's rows become)
from app.api.errors import ClientError
from app.api.graph.declare import ListQuery
from app.api.graph.fields import PAGING
from app.api.loaders.list_spec import ListSpec, Order
from app.domain.artifacts.models import RunArtifact
from app.domain.artifacts.rules import artifact_prefix
from app.domain.errors import DomainError


@dataclass(frozen=True)
class ArtifactFilter:
    folder: str | None = None  # the files under it (at any depth), or the file itself

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        if self.folder is None:
            return []
        under = model.path.startswith(self.folder + "/", autoescape=True)
        return [or_(model.path == self.folder, under)]


ARTIFACTS_OF_RUN = ListSpec(
    "artifacts_of_run",
    RunArtifact,
    "run_id",
    {"PATH_ASC": Order(("path", "id"))},
    default_order="PATH_ASC",
)
ARTIFACT_LIST_ARGUMENTS = [*PAGING, ("path", str | None, None)]
ARTIFACTS = (
    "The run's files, by path; `path`: the file there or those under that folder. Upload "
    "and download over HTTP: PUT/GET /v1/runs/{runId}/artifacts/{path} (downloadUrl)."
)


def artifacts_query(kwargs: Mapping[str, Any]) -> ListQuery:
    try:
        folder = artifact_prefix(kwargs.get("path"), ["path"])
    except DomainError as error:
        raise ClientError(f"path: {error.message}") from error
    return ListQuery(filter=ArtifactFilter(folder))
