"""The datasets context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from app.api.loaders.list_spec import ListSpec, created_between, orders_of, tags_and_search
from app.api.orders import CreatedOrder, NamedOrder
from app.domain.datasets.models import Dataset, DatasetInput, DatasetVersion


@dataclass(frozen=True)
class DatasetFilter:
    types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # all of them
    search: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out = [model.dataset_type.in_(self.types)] if self.types else []
        out += created_between(model, self.created_from, self.created_to)
        return out + tags_and_search(model, self.tags, self.search)


DATASETS_OF_PROJECT = ListSpec("datasets_of_project", Dataset, "project_id", orders_of(NamedOrder))


VERSIONS_OF_DATASET = ListSpec(
    "versions_of_dataset",
    DatasetVersion,
    "dataset_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
)


INPUTS_OF_RUN = ListSpec(
    "inputs_of_run", DatasetInput, "run_id", orders_of(CreatedOrder), live_only=False
)


INPUTS_OF_TRAINING_JOB = ListSpec(
    "inputs_of_training_job",
    DatasetInput,
    "training_job_id",
    orders_of(CreatedOrder),
    live_only=False,
)
