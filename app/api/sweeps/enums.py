"""The sweeps context's GraphQL enums: its domain enums, registered in place."""

from __future__ import annotations

from app.api.exposing import expose
from app.domain.sweeps import enums as sweeps

expose(
    sweeps.SweepMethod,
    sweeps.SweepGoal,
    (sweeps.ParamKind, "SweepParamKind"),
    (sweeps.EarlyStopping, "SweepEarlyStopping"),
    sweeps.SweepStatus,
    (sweeps.TrialStatus, "SweepTrialStatus"),
)

SweepMethod = sweeps.SweepMethod
SweepGoal = sweeps.SweepGoal
SweepParamKind = sweeps.ParamKind
EarlyStopping = sweeps.EarlyStopping
SweepStatus = sweeps.SweepStatus
SweepTrialStatus = sweeps.TrialStatus
