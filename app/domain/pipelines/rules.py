"""Pure pipeline rules: a definition must be a DAG; runs and steps move by their machines."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter

from app.domain.errors import ensure_transition, validation
from app.domain.pipelines.enums import PipelineRunStatus as R
from app.domain.pipelines.enums import StepKind, StepStatus

STEP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
MAX_STEPS = 100
MAX_RETRIES = 10
STEPS = ["steps"]


@dataclass(frozen=True)
class Step:
    name: str
    kind: StepKind
    depends_on: tuple[str, ...]


def ensure_dag(steps: Sequence[Step]) -> list[str]:
    """The steps in an order that runs every step after its dependencies. Duplicate names,
    unknown dependencies and cycles are userErrors that name the offending steps."""
    if not 1 <= len(steps) <= MAX_STEPS:
        raise validation(f"a pipeline has 1 to {MAX_STEPS} steps", STEPS)
    seen: dict[str, int] = {}
    for index, step in enumerate(steps):
        if not STEP_NAME.fullmatch(step.name):  # "$" alone lets "a\n" through
            raise validation(
                "a step name is 1-63 letters, digits, '_', '.' or '-'", [*STEPS, str(index), "name"]
            )
        if step.name in seen:
            raise validation(
                f"two steps are named {step.name} (steps {seen[step.name]} and {index})",
                [*STEPS, str(index), "name"],
            )
        seen[step.name] = index
    for index, step in enumerate(steps):
        for dependency in step.depends_on:
            if dependency not in seen:
                raise validation(
                    f"step {step.name} depends on {dependency}, which is not a step",
                    [*STEPS, str(index), "depends_on"],
                )
    try:
        return list(TopologicalSorter({s.name: set(s.depends_on) for s in steps}).static_order())
    except CycleError as error:
        cycle = error.args[1]  # [a, b, ..., a]
        raise validation(
            f"the steps form a cycle: {' -> '.join(cycle)}", [*STEPS, str(seen[cycle[0]])]
        ) from error


RUN_TRANSITIONS: dict[R, frozenset[R]] = {
    R.CREATED: frozenset({R.PENDING, R.CANCELLED}),
    R.PENDING: frozenset({R.RUNNING, R.CANCELLED}),
    R.RUNNING: frozenset({R.SUCCEEDED, R.FAILED, R.CANCELLED}),
    R.FAILED: frozenset({R.RETRYING, R.CANCELLED}),
    R.RETRYING: frozenset({R.RUNNING, R.CANCELLED}),
    R.SUCCEEDED: frozenset(),
    R.CANCELLED: frozenset(),
}


def run_is_final(status: R, retry_count: int, max_retries: int) -> bool:
    """SUCCEEDED and CANCELLED end a run; FAILED does once its retries are used up."""
    return status in (R.SUCCEEDED, R.CANCELLED) or (
        status is R.FAILED and retry_count >= max_retries
    )


def ensure_run_transition(current: R, target: R, retry_count: int, max_retries: int) -> None:
    allowed = RUN_TRANSITIONS[current]
    if current is R.FAILED and retry_count >= max_retries:
        allowed = frozenset()  # retries used up: FAILED is final
    ensure_transition("pipeline run", current, target, allowed)


STEP_TRANSITIONS: dict[StepStatus, frozenset[StepStatus]] = {
    StepStatus.PENDING: frozenset({StepStatus.RUNNING}),
    StepStatus.RUNNING: frozenset({StepStatus.SUCCEEDED, StepStatus.FAILED}),
    StepStatus.SUCCEEDED: frozenset(),
    StepStatus.FAILED: frozenset({StepStatus.RUNNING}),  # a retry runs it again
}
