"""The runs filter: a typed input that is the run query language (app/domain/experiments/
run_query.py) field by field, with ``query:`` for the same as text. Every given field must
hold; ``and``, ``or`` and ``not`` nest filters."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from app.api.errors import ClientError
from app.api.experiments.enums import ExperimentStatus, RunStatus
from app.api.experiments.lists import ExperimentFilter, RunFilter
from app.api.ids import filter_ids
from app.domain.errors import DomainError
from app.domain.experiments import run_query as q
from app.domain.validation import json_object, json_value

MAX_FILTER_NODES = 500  # conditions and nested filters in one filter


@strawberry.enum(description="Which summary of a metric a condition compares.")
class MetricStat(enum.Enum):
    LAST = q.Stat.LAST
    MIN = q.Stat.MIN
    MAX = q.Stat.MAX


@strawberry.input(
    description="A condition on one param. A number in eq/ne/in, or gt/gte/lt/lte, compares "
    "as a number (a param logged as text that reads as a number is that number); a string "
    "compares as text. Runs without the param never match (but exists: false)."
)
class ParamCondition:
    key: str
    eq: JSON | None = None
    ne: JSON | None = None
    in_: list[JSON] | None = strawberry.field(name="in", default=None)
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    like: str | None = strawberry.field(default=None, description="SQL LIKE: % and _.")
    exists: bool | None = None


@strawberry.input(description="A condition on one tag, as text.")
class TagCondition:
    key: str
    eq: str | None = None
    ne: str | None = None
    in_: list[str] | None = strawberry.field(name="in", default=None)
    like: str | None = strawberry.field(default=None, description="SQL LIKE: % and _.")
    exists: bool | None = None


@strawberry.input(
    description="A condition on a metric's summary (its last value by default); NaN and "
    "±Infinity never match; runs without the key never match."
)
class MetricCondition:
    key: str
    stat: MetricStat = MetricStat.LAST
    eq: float | None = None
    ne: float | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None


@strawberry.input(
    description="Filter runs: every given field must hold. `query` is the run query language "
    "(README: 'Comparing runs'), e.g. `metrics.val/auc.max > 0.9 and params.lr in (0.1, "
    '0.01) or tags.team = "vision"`; `and`, `or` and `not` nest filters.'
)
class RunFilterInput:
    status: list[RunStatus] | None = None
    params: JSON | None = strawberry.field(
        default=None,
        description='Runs whose params contain this object, e.g. {"optimizer": "adam"}.',
    )
    tags: JSON | None = strawberry.field(
        default=None, description="Runs whose tags contain this object."
    )
    query: str | None = strawberry.field(
        default=None, description="The run query language; errors name the character."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Full text over the name, description, tag values and param values "
        '(web search syntax: words, "a phrase", -not, or).',
    )
    param: list[ParamCondition] | None = None
    tag: list[TagCondition] | None = None
    metric: list[MetricCondition] | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None
    created_by: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Made by one of these users (top level only)."
    )
    and_: list[RunFilterInput] | None = strawberry.field(name="and", default=None)
    or_: list[RunFilterInput] | None = strawberry.field(name="or", default=None)
    not_: RunFilterInput | None = strawberry.field(name="not", default=None)

    def to_filter(self) -> RunFilter:
        encoded: dict[str, str | None] = {"params": None, "tags": None}
        for name, value in (("params", self.params), ("tags", self.tags)):
            if value is None:
                continue
            try:
                encoded[name] = json_value(json_object(value, ["filter", name]), []).decode()
            except DomainError as error:
                raise ClientError(f"filter.{name} {error.message}") from error
        counter = [0]
        query = self.to_query(counter, "filter")
        return RunFilter(
            statuses=tuple(s.value for s in self.status or []),
            params_json=encoded["params"],
            tags_json=encoded["tags"],
            query=query,
            creators=filter_ids(self.created_by, "User", "createdBy"),
        )

    def to_query(
        self, counter: list[int], where: str, *, nested: bool = False
    ) -> q.RunQuery | None:
        """This filter's conditions as one typed query: beyond status/params/tags at the
        top (RunFilter holds those), status included when ``nested`` in and/or/not."""
        parts: list[q.RunQuery] = []
        try:
            parsed = q.parse(self.query, [where, "query"])
        except DomainError as error:
            raise ClientError(f"{where}.query: {error.message}") from error
        if parsed is not None:
            parts.append(parsed)
        if self.search is not None and self.search.strip():
            parts.append(q.Search(self.search.strip()))
        for index, param in enumerate(self.param or []):
            parts.append(_param(param, f"{where}.param[{index}]"))
        for index, tag in enumerate(self.tag or []):
            parts.append(_tag(tag, f"{where}.tag[{index}]"))
        for index, metric in enumerate(self.metric or []):
            parts.append(_metric(metric, f"{where}.metric[{index}]"))
        started = q.Attribute("started_at")
        if self.started_after is not None:
            parts.append(q.Compare(started, ">", _millis(self.started_after, where)))
        if self.started_before is not None:
            parts.append(q.Compare(started, "<", _millis(self.started_before, where)))
        if self.status and nested:
            names = tuple(s.value for s in self.status)
            parts.append(q.Compare(q.Attribute("status"), "IN", names))
        for index, part in enumerate(self.and_ or []):
            parts.append(_nested(part, counter, f"{where}.and[{index}]"))
        if self.or_:
            options = [_nested(n, counter, f"{where}.or[{i}]") for i, n in enumerate(self.or_)]
            parts.append(q.AnyOf(tuple(options)))
        if self.not_ is not None:
            parts.append(q.Not(_nested(self.not_, counter, f"{where}.not")))
        counter[0] += len(parts)
        if counter[0] > MAX_FILTER_NODES:
            raise ClientError(f"a filter holds at most {MAX_FILTER_NODES} conditions")
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else q.AllOf(tuple(parts))


def _nested(nested: RunFilterInput, counter: list[int], where: str) -> q.RunQuery:
    if nested.params is not None or nested.tags is not None:
        raise ClientError(f"{where}: use param/tag conditions inside and/or/not")
    found = nested.to_query(counter, where, nested=True)
    if found is None:
        raise ClientError(f"{where}: an empty filter")
    return found


def _millis(moment: datetime, where: str) -> float:
    if moment.tzinfo is None:
        raise ClientError(f"{where}: give a time zone offset")
    return moment.timestamp() * 1000


def _checked(comparisons: list[q.Compare], where: str) -> q.RunQuery:
    if not comparisons:
        raise ClientError(f"{where}: give a comparison (eq, ne, in, gt, ...)")
    try:
        checked = [q.check(c, [where]) for c in comparisons]
    except DomainError as error:
        raise ClientError(f"{where}: {error.message}") from error
    return checked[0] if len(checked) == 1 else q.AllOf(tuple(checked))


def _scalar(value: Any, where: str) -> float | str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ClientError(f"{where}: compare with a number or a string")
    return float(value) if isinstance(value, int | float) else value


def _equalities(
    target: q.Param | q.Tag, condition: ParamCondition | TagCondition, value: Any
) -> list[q.Compare]:
    """eq, ne, in, like and exists: what param and tag conditions share."""
    found: list[q.Compare] = []
    if condition.eq is not None:
        found.append(q.Compare(target, "=", value(condition.eq)))
    if condition.ne is not None:
        found.append(q.Compare(target, "!=", value(condition.ne)))
    if condition.in_ is not None:
        found.append(q.Compare(target, "IN", tuple(value(v) for v in condition.in_)))
    if condition.like is not None:
        found.append(q.Compare(target, "LIKE", condition.like))
    if condition.exists is not None:
        found.append(q.Compare(target, "IS NOT NULL" if condition.exists else "IS NULL", None))
    return found


def _param(condition: ParamCondition, where: str) -> q.RunQuery:
    target = q.Param(condition.key)
    found = _equalities(target, condition, lambda v: _scalar(v, where))
    bounds = (
        (">", condition.gt),
        (">=", condition.gte),
        ("<", condition.lt),
        ("<=", condition.lte),
    )
    for op, bound in bounds:
        if bound is not None:
            found.append(q.Compare(target, op, float(bound)))
    return _checked(found, where)


def _tag(condition: TagCondition, where: str) -> q.RunQuery:
    return _checked(_equalities(q.Tag(condition.key), condition, str), where)


def _metric(condition: MetricCondition, where: str) -> q.RunQuery:
    target = q.Metric(condition.key, condition.stat.value)
    found: list[q.Compare] = []
    for op, bound in (
        ("=", condition.eq),
        ("!=", condition.ne),
        (">", condition.gt),
        (">=", condition.gte),
        ("<", condition.lt),
        ("<=", condition.lte),
    ):
        if bound is not None:
            found.append(q.Compare(target, op, float(bound)))
    return _checked(found, where)


@strawberry.input(description="Filter experiments.")
class ExperimentFilterInput:
    status: list[ExperimentStatus] | None = None
    created_by: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Made by one of these users."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Full-text search over name and description (web-search syntax, "
        "English stemming).",
    )

    def to_filter(self) -> ExperimentFilter:
        return ExperimentFilter(
            statuses=tuple(s.value for s in self.status or []),
            creators=filter_ids(self.created_by, "User", "createdBy"),
            search=self.search or None,
        )
