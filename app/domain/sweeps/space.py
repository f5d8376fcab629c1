"""A sweep's search space: typed parameters, checked once when the sweep is made, kept as
JSON on the sweep, and enumerated for a grid. Pure: no database, no sampler."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.errors import validation
from app.domain.sweeps.enums import ParamKind

Scalar = str | int | float | bool
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/]{0,99}$")
MAX_PARAMS = 50
MAX_CHOICES = 1000
MAX_CHOICE_CHARS = 200
MAX_GRID = 100_000
MAX_ABS = 2**53  # integers and bounds exactly representable as JSON numbers everywhere


@dataclass(frozen=True)
class Param:
    """One dimension: CHOICE takes ``values``; UNIFORM and LOG_UNIFORM a float range
    ``[low, high]``; INTEGER an integer range ``[low, high]`` by ``step``."""

    name: str
    kind: ParamKind
    values: tuple[Scalar, ...] = ()
    low: float | None = None
    high: float | None = None
    step: int | None = None

    def as_json(self) -> dict[str, Any]:
        if self.kind is ParamKind.CHOICE:
            return {"name": self.name, "kind": self.kind.value, "values": list(self.values)}
        made: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind.value,
            "low": self.low,
            "high": self.high,
        }
        if self.kind is ParamKind.INTEGER:
            made.update(low=int(self.low or 0), high=int(self.high or 0), step=self.step)
        return made

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Param:
        kind = ParamKind(data["kind"])
        if kind is ParamKind.CHOICE:
            return Param(data["name"], kind, values=tuple(data["values"]))
        return Param(data["name"], kind, low=data["low"], high=data["high"], step=data.get("step"))

    def grid_values(self) -> Sequence[Scalar] | None:
        """Every value this dimension takes in a grid (an integer range stays a ``range``:
        its size is arithmetic, never a list of 2^32 values); None for a continuous one."""
        if self.kind is ParamKind.CHOICE:
            return self.values
        if self.kind is ParamKind.INTEGER and self.low is not None and self.high is not None:
            return range(int(self.low), int(self.high) + 1, self.step or 1)
        return None


def _scalar_key(value: Scalar) -> tuple[str, Any]:
    return (type(value).__name__, value)


def _choice(value: Any, field: list[str]) -> Scalar:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_ABS:
            raise validation(f"an integer choice is at most {MAX_ABS} in size", field)
        return value
    if isinstance(value, float):
        # Held to MAX_ABS as integers and bounds are: a float past 2^63 is kept by
        # PostgreSQL as a 20-digit integer, which the two read paths would write differently.
        if not math.isfinite(value) or abs(value) > MAX_ABS:
            raise validation(f"a number choice must be finite and at most {MAX_ABS} in size", field)
        return value
    if isinstance(value, str):
        if not value or len(value) > MAX_CHOICE_CHARS or not value.isprintable():
            raise validation(f"a text choice is 1-{MAX_CHOICE_CHARS} printable characters", field)
        return value
    raise validation("a choice is a string, a number or a boolean", field)


def _bound(value: float | None, field: list[str]) -> float:
    if value is None or not math.isfinite(value) or abs(value) > MAX_ABS:
        raise validation(f"must be a finite number of at most {MAX_ABS} in size", field)
    return float(value)


def clean_param(param: Param, field: list[str]) -> Param:
    """``field``: the parameter's path; its distribution's fields are under
    ``distribution.<kind>`` (as the input nests them)."""
    if not NAME_RE.fullmatch(param.name):
        raise validation(
            "a parameter name is 1-100 letters, digits, '_', '.', '-' or '/', "
            "starting with a letter or '_' (e.g. 'lr', 'optimizer.momentum')",
            [*field, "name"],
        )
    at = [*field, "distribution", param.kind.value]
    if param.kind is ParamKind.CHOICE:
        if not 1 <= len(param.values) <= MAX_CHOICES:
            raise validation(f"give 1 to {MAX_CHOICES} values", [*at, "values"])
        values = tuple(
            _choice(value, [*at, "values", str(i)]) for i, value in enumerate(param.values)
        )
        if len({_scalar_key(value) for value in values}) != len(values):
            raise validation("the values must differ", [*at, "values"])
        return Param(param.name, param.kind, values=values)
    low = _bound(param.low, [*at, "low"])
    high = _bound(param.high, [*at, "high"])
    if param.kind is ParamKind.INTEGER:
        step = 1 if param.step is None else param.step
        if not low.is_integer() or not high.is_integer():
            raise validation("an integer range has integer bounds", [*at, "low"])
        if step < 1:
            raise validation("step is at least 1", [*at, "step"])
        if high < low:
            raise validation("high is at least low", [*at, "high"])
        if (int(high) - int(low)) % step:
            raise validation(
                f"high - low ({int(high) - int(low)}) must be a multiple of step ({step})",
                [*at, "step"],
            )
        return Param(param.name, param.kind, low=int(low), high=int(high), step=step)
    if high <= low:
        raise validation("high is more than low", [*at, "high"])
    if param.kind is ParamKind.LOG_UNIFORM and low <= 0:
        raise validation("a log-uniform range starts above 0", [*at, "low"])
    return Param(param.name, param.kind, low=low, high=high)


def clean_space(params: Sequence[Param], field: str = "parameters") -> tuple[Param, ...]:
    if not 1 <= len(params) <= MAX_PARAMS:
        raise validation(f"give 1 to {MAX_PARAMS} parameters", [field])
    cleaned = tuple(clean_param(p, [field, str(i)]) for i, p in enumerate(params))
    seen: set[str] = set()
    for i, param in enumerate(cleaned):
        if param.name in seen:
            raise validation(f"parameter {param.name!r} is given twice", [field, str(i), "name"])
        seen.add(param.name)
    return cleaned


def grid_size(space: Sequence[Param], field: str = "parameters") -> int:
    """How many points the grid has; a continuous range or a grid past ``MAX_GRID`` points
    is refused, naming the parameter."""
    size = 1
    for i, param in enumerate(space):
        values = param.grid_values()
        if values is None:
            raise validation(
                f"a grid takes choices and integer ranges only; {param.name!r} is "
                f"{param.kind.value} (use RANDOM or TPE, or list its values as a choice)",
                [field, str(i), "distribution"],
            )
        size *= len(values)
        if size > MAX_GRID:
            raise validation(f"the grid has more than {MAX_GRID} points", [field, str(i)])
    return size


def grid_point(space: Sequence[Param], number: int) -> dict[str, Scalar]:
    """The grid's point ``number`` (0-based), the last parameter varying fastest (as
    ``itertools.product`` orders them)."""
    point: dict[str, Scalar] = {}
    for param in reversed(space):
        values = param.grid_values() or []
        number, index = divmod(number, len(values))
        point[param.name] = values[index]
    return {param.name: point[param.name] for param in space}
