"""MLflow's run ``order_by`` clauses and the small equality filters its client sends for
logged models and model versions. Run filter strings are mlgraph's run query language
(app/domain/experiments/run_query.py), a superset of MLflow's search syntax."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.errors import validation
from app.domain.experiments.run_query import Attribute, Metric, Param, Reader, Tag, read_target


class Entity(enum.Enum):
    METRIC = "metrics"
    PARAM = "params"
    TAG = "tags"
    ATTRIBUTE = "attributes"


@dataclass(frozen=True)
class OrderBy:
    entity: Entity
    key: str
    ascending: bool


def parse_order_by(clauses: Sequence[str], field: Sequence[str] = ("order_by",)) -> list[OrderBy]:
    """``["metrics.loss ASC", "attributes.start_time DESC", "params.lr"]``."""
    found: list[OrderBy] = []
    for index, clause in enumerate(clauses):
        reader = Reader(clause, [*field, str(index)])
        target = read_target(reader)
        ascending = True
        if reader.keyword("DESC"):
            ascending = False
        else:
            reader.keyword("ASC")
        extra = reader.peek()
        if extra is not None:
            raise reader.fail(f"expected ASC or DESC, found {extra.text!r}", extra)
        if isinstance(target, Metric):
            found.append(OrderBy(Entity.METRIC, target.key, ascending))
        elif isinstance(target, Param):
            found.append(OrderBy(Entity.PARAM, target.key, ascending))
        elif isinstance(target, Tag):
            found.append(OrderBy(Entity.TAG, target.key, ascending))
        elif isinstance(target, Attribute):
            found.append(OrderBy(Entity.ATTRIBUTE, target.name, ascending))
    return found


EQUALITY = re.compile(r"""^\s*([A-Za-z_]+)\s*=\s*(?:'([^']*)'|"([^"]*)")\s*$""")


def equalities(text: str | None, names: Sequence[str], what: str) -> dict[str, str]:
    """The small filters MLflow's client sends for logged models and model versions:
    ``<name> = '<value>'`` clauses joined by AND, over ``names``."""
    wanted: dict[str, str] = {}
    if not text or not text.strip():
        return wanted
    for clause in re.split(r"\s+AND\s+", text.strip(), flags=re.IGNORECASE):
        match = EQUALITY.match(clause)
        if match is None or match.group(1) not in names:
            allowed = " and ".join(f"{name} = '...'" for name in names)
            raise validation(f"{what} are filtered here by {allowed} (joined by AND)", ["filter"])
        wanted[match.group(1)] = match.group(2) if match.group(2) is not None else match.group(3)
    return wanted
