"""The sweeps context's lists: an experiment's and a project's sweeps, a sweep's trials."""

from __future__ import annotations

import enum

import strawberry

from app.api.loaders.list_spec import ListSpec, Order, orders_of
from app.api.orders import NamedOrder
from app.domain.sweeps.models import Sweep, SweepTrial


@strawberry.enum(description="Orders of a sweep's trials.")
class SweepTrialOrder(enum.Enum):
    NUMBER_ASC = Order(("number", "id"))
    NUMBER_DESC = Order(("number", "id"), descending=True)


SWEEPS_OF_EXPERIMENT = ListSpec(
    "sweeps_of_experiment",
    Sweep,
    "experiment_id",
    orders_of(NamedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)
SWEEPS_OF_PROJECT = ListSpec(
    "sweeps_of_project",
    Sweep,
    "project_id",
    orders_of(NamedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)
TRIALS_OF_SWEEP = ListSpec(
    "trials_of_sweep",
    SweepTrial,
    "sweep_id",
    orders_of(SweepTrialOrder),
    default_order="NUMBER_ASC",
    live_only=False,
)
