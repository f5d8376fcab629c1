"""Sweep enums."""

from __future__ import annotations

import enum


class SweepMethod(enum.Enum):
    """How the next trial's params are chosen."""

    GRID = "grid"  # every combination, in order (choices and integer ranges only)
    RANDOM = "random"  # independent draws (Optuna's RandomSampler, seeded per trial)
    TPE = "tpe"  # model-based: Optuna's TPESampler over the finished trials


class SweepGoal(enum.Enum):
    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"


class ParamKind(enum.Enum):
    CHOICE = "choice"
    UNIFORM = "uniform"
    LOG_UNIFORM = "log_uniform"
    INTEGER = "integer"


class EarlyStopping(enum.Enum):
    """Which rule stops a trial early, judged as its points arrive."""

    NONE = "none"
    MEDIAN = "median"  # worse than the median of the completed trials at the same step
    ASHA = "asha"  # not in the top 1/eta of the trials that reached the same rung


class SweepStatus(enum.Enum):
    RUNNING = "running"
    FINISHED = "finished"  # every trial it may make has ended
    STOPPED = "stopped"  # stopped by hand: its unfinished trials were cancelled


class TrialStatus(enum.Enum):
    ACTIVE = "active"  # its job is pending, queued or running
    COMPLETED = "completed"  # its job succeeded
    FAILED = "failed"
    PRUNED = "pruned"  # stopped early by the sweep's rule
    CANCELLED = "cancelled"  # its job was cancelled (the sweep stopped, a health rule, by hand)
