"""The run query language: a typed query over runs (params, tags, metric summaries,
attributes, full text; AND / OR / NOT), its SQL, and its textual form for people.

The text is a superset of MLflow's search syntax::

    metrics.val/auc.max > 0.9 and params.lr in (0.1, 0.01) or tags.team = "vision"
    not (status = "FAILED" or params.optimizer like 'sgd%') and search = "resnet imagenet"

- ``metrics.<key>`` compares the run's last value (at its highest step); ``.min``,
  ``.max`` or ``.last`` after the key picks that summary (NaN and ±Infinity never match).
- ``params.<key>`` compares as text with a quoted value (as MLflow does) and as a number with
  a number (a param logged as ``"0.1"`` is the number 0.1 there).
- ``tags.<key>`` compares as text; ``attributes.<name>`` (or the bare name) is one of the
  run's own fields: ``status``, ``run_name``/``name``, ``run_id``/``id``, ``start_time``/
  ``started_at``/``created`` and ``end_time``/``ended_at`` (epoch ms, or an ISO date in
  quotes), ``user_id``.
- Operators: ``= != <> < <= > >=``, ``like``, ``ilike``, ``in (...)``, ``not in (...)``,
  ``is null``, ``is not null``; ``and`` binds tighter than ``or``; ``not`` and parentheses.
- ``search = "words"``: full text over the name, description, tag values and param values.
- A key with other characters goes in backticks or double quotes: ``params.`batch size```.

Errors say what was expected and the character where the text went wrong."""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    and_,
    case,
    cast,
    func,
    inspect,
    literal_column,
    not_,
    or_,
    select,
    true,
)

from app.db.arrays import NONFINITE_VALUES
from app.domain.errors import DomainError, validation
from app.domain.experiments.enums import RunStatus
from app.domain.experiments.models import RunMetricSummary

MAX_QUERY_CHARS = 10_000
# Tags MLflow's client sets that are columns of a run in mlgraph.
NAME_TAG = "mlflow.runName"
NOTE_TAG = "mlflow.note.content"
MAX_IN_VALUES = 1_000
MAX_DEPTH = 32  # nested parentheses and NOTs


class Stat(enum.Enum):
    LAST = "last"
    MIN = "min"
    MAX = "max"


@dataclass(frozen=True)
class Param:
    key: str


@dataclass(frozen=True)
class Tag:
    key: str


@dataclass(frozen=True)
class Metric:
    key: str
    stat: Stat = Stat.LAST


@dataclass(frozen=True)
class Attribute:
    name: str  # one of ATTRIBUTES


Target = Param | Tag | Metric | Attribute
Value = float | str | tuple[float, ...] | tuple[str, ...] | None


@dataclass(frozen=True)
class Compare:
    target: Target
    op: str
    value: Value


@dataclass(frozen=True)
class AllOf:
    parts: tuple[RunQuery, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[RunQuery, ...]


@dataclass(frozen=True)
class Not:
    part: RunQuery


@dataclass(frozen=True)
class Search:
    text: str


RunQuery = Compare | AllOf | AnyOf | Not | Search

ENTITIES = {
    "metric": "metrics",
    "metrics": "metrics",
    "param": "params",
    "params": "params",
    "parameter": "params",
    "parameters": "params",
    "tag": "tags",
    "tags": "tags",
    "attribute": "attributes",
    "attributes": "attributes",
    "attr": "attributes",
    "run": "attributes",
}
# Attribute names and their aliases (MLflow's and mlgraph's).
ATTRIBUTE_NAMES = {
    "status": "status",
    "run_name": "name",
    "runname": "name",
    "name": "name",
    "run_id": "id",
    "run_uuid": "id",
    "id": "id",
    "start_time": "started_at",
    "started_at": "started_at",
    "created": "started_at",
    "end_time": "ended_at",
    "ended_at": "ended_at",
    "user_id": "user_id",
}
TIME_ATTRIBUTES = frozenset({"started_at", "ended_at"})
# Statuses by mlgraph's names and MLflow's.
STATUSES = {
    "running": RunStatus.RUNNING,
    "scheduled": RunStatus.RUNNING,
    "completed": RunStatus.COMPLETED,
    "finished": RunStatus.COMPLETED,
    "failed": RunStatus.FAILED,
    "killed": RunStatus.KILLED,
}
NUMERIC_OPS = frozenset({"=", "!=", ">", ">=", "<", "<=", "IN", "NOT IN"})
TEXT_OPS = frozenset({"=", "!=", ">", ">=", "<", "<=", "LIKE", "ILIKE", "IN", "NOT IN"})
NULL_OPS = frozenset({"IS NULL", "IS NOT NULL"})
NUMBER_TEXT = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"  # a param logged as text


# -- SQL ---------------------------------------------------------------------------------


def compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    """``column <op> value`` for every operator of the language but the NULL tests."""
    if op == "IN":
        return column.in_(list(value))  # type: ignore[no-any-return]
    if op == "NOT IN":
        return column.not_in(list(value))  # type: ignore[no-any-return]
    if op == "LIKE":
        return column.like(value)  # type: ignore[no-any-return]
    if op == "ILIKE":
        return column.ilike(value)  # type: ignore[no-any-return]
    operators = {
        "=": column.__eq__,
        "!=": column.__ne__,
        ">": column.__gt__,
        ">=": column.__ge__,
        "<": column.__lt__,
        "<=": column.__le__,
    }
    return operators[op](value)  # type: ignore[no-any-return]


def numeric_param(model: Any, key: str) -> ColumnElement[Any]:
    """A param as a number: a JSON number, or text that reads as one; else NULL."""
    param = model.params[key]
    return case(
        (func.jsonb_typeof(param) == "number", cast(param.astext, Float(precision=53))),
        (
            and_(func.jsonb_typeof(param) == "string", param.astext.op("~")(NUMBER_TEXT)),
            cast(param.astext, Float(precision=53)),
        ),
        else_=None,
    )


def tag_column(model: Any, key: str) -> Any:
    """A tag's text; MLflow's name and note tags are the run's name and description."""
    if key == NAME_TAG:
        return model.name
    if key == NOTE_TAG:
        return model.description
    return model.tags[key].astext


METRIC_COLUMNS = {
    Stat.LAST: RunMetricSummary.last_value,
    Stat.MIN: RunMetricSummary.min_value,
    Stat.MAX: RunMetricSummary.max_value,
}


def finite(column: Any) -> ColumnElement[bool]:
    """Not NaN nor ±Infinity (PostgreSQL's NaN equals itself, so NOT IN finds it)."""
    return column.not_in(list(NONFINITE_VALUES.values()))  # type: ignore[no-any-return]


def outer_id(model: Any) -> ColumnElement[Any]:
    """The outer run's id by its table's (or alias's) name: a subquery correlated through
    it never takes the runs table into its own FROM, even compiled on its own (the compiled
    read path keeps each condition as a separate fragment)."""
    found = inspect(model)
    name = found.name if getattr(found, "is_aliased_class", False) else model.__tablename__
    return literal_column(f'"{name}".id')


def _metric(model: Any, target: Metric, op: str, value: Any) -> ColumnElement[bool]:
    """The run's summary value, read by a scalar subquery (a probe of the summaries'
    primary key per run): PostgreSQL does not turn it into a join, so a page driven by
    another index (a metric order) stops after a few probes instead of first reading
    every summary that matches (an EXISTS became a hash semi-join: seconds on a million
    runs). A run without the key, or with a non-finite value, never matches."""
    column = METRIC_COLUMNS[target.stat]
    summary = (
        select(column)
        .where(
            RunMetricSummary.run_id == outer_id(model),
            RunMetricSummary.key == target.key,
            finite(column),  # min/max: finite or NULL
        )
        # Its own summaries, even inside a query that joins summaries (a metric order's).
        .correlate_except(RunMetricSummary)
        .scalar_subquery()
    )
    return compare(summary, op, value)


def _moment(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_moment(v) for v in value)
    if isinstance(value, float):
        return datetime.fromtimestamp(value / 1000, UTC)
    moment = datetime.fromisoformat(value)  # checked by check(): a date, or with a zone
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _attribute(model: Any, name: str, op: str, value: Any) -> ColumnElement[bool]:
    if name == "status":
        values = value if isinstance(value, tuple) else (value,)
        statuses = sorted({STATUSES[str(v).lower()].value for v in values})
        if op in ("=", "IN"):
            return model.status.in_(statuses)  # type: ignore[no-any-return]
        return model.status.not_in(statuses)  # type: ignore[no-any-return]
    if name == "id":
        values = value if isinstance(value, tuple) else (value,)
        ids = [found for v in values if (found := _uuid(str(v))) is not None]
        if op in ("=", "IN"):
            return model.id.in_(ids)  # type: ignore[no-any-return]
        return model.id.not_in(ids)  # type: ignore[no-any-return]
    if name in TIME_ATTRIBUTES:
        column = model.started_at if name == "started_at" else model.ended_at
        return compare(column, op, _moment(value))
    if name == "user_id":
        return compare(model.tags["mlflow.user"].astext, op, value)
    return compare(model.name, op, value)


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def condition(query: RunQuery, model: Any) -> ColumnElement[bool]:
    """The query as one SQL condition on ``model`` (the runs table, or an alias of it)."""
    if isinstance(query, AllOf):
        return and_(true(), *(condition(part, model) for part in query.parts))
    if isinstance(query, AnyOf):
        return or_(*(condition(part, model) for part in query.parts))
    if isinstance(query, Not):
        return not_(condition(query.part, model))
    if isinstance(query, Search):
        return model.search_vector.op("@@")(  # type: ignore[no-any-return]
            func.websearch_to_tsquery("simple", query.text)
        )
    target, op, value = query.target, query.op, query.value
    if isinstance(target, Metric):
        return _metric(model, target, op, value)
    if isinstance(target, Attribute):
        return _attribute(model, target.name, op, value)
    if isinstance(target, Param):
        if op == "IS NULL":
            return not_(model.params.has_key(target.key))  # type: ignore[no-any-return]
        if op == "IS NOT NULL":
            return model.params.has_key(target.key)  # type: ignore[no-any-return]
        numeric = isinstance(value, float) or (
            isinstance(value, tuple) and bool(value) and isinstance(value[0], float)
        )
        column = numeric_param(model, target.key) if numeric else model.params[target.key].astext
        return and_(column.is_not(None), compare(column, op, value))
    column = tag_column(model, target.key)
    if op == "IS NULL":
        return column.is_(None)  # type: ignore[no-any-return]
    if op == "IS NOT NULL":
        return column.is_not(None)  # type: ignore[no-any-return]
    return and_(column.is_not(None), compare(column, op, value))


# -- checks shared by the text and the typed input ----------------------------------------


def check(comparison: Compare, field: Sequence[str] = ("filter",)) -> Compare:
    """A comparison whose operator and value fit its target (ValueError-free SQL later)."""
    target, op, value = comparison.target, comparison.op, comparison.value
    what = _name(target)
    numbers = isinstance(value, float) or (isinstance(value, tuple) and _all(value, float))
    texts = isinstance(value, str) or (isinstance(value, tuple) and _all(value, str))
    if op in NULL_OPS:
        if not isinstance(target, Param | Tag):
            raise validation(f"{op} applies to params and tags, not {what}", field)
        return comparison
    if isinstance(value, tuple) and not value:
        raise validation(f"{op} needs at least one value", field)
    if isinstance(target, Metric):
        if op not in NUMERIC_OPS or not numbers:
            raise validation(f"{what} compares with numbers (=, !=, <, <=, >, >=, in)", field)
    elif isinstance(target, Attribute):
        _check_attribute(target.name, op, value, numbers, texts, field)
    elif op not in (NUMERIC_OPS if numbers else TEXT_OPS) or not (numbers or texts):
        allowed = "=, !=, <, <=, >, >=, in" if numbers else "=, !=, like, ilike, in"
        raise validation(f"{what} takes {allowed} with this value", field)
    return comparison


def _all(values: tuple[Any, ...], kind: type) -> bool:
    return all(isinstance(v, kind) for v in values)


def _name(target: Target) -> str:
    if isinstance(target, Metric):
        suffix = "" if target.stat is Stat.LAST else f".{target.stat.value}"
        return f"metrics.{target.key}{suffix}"
    if isinstance(target, Attribute):
        return f"attributes.{target.name}"
    return f"{'params' if isinstance(target, Param) else 'tags'}.{target.key}"


def _check_attribute(
    name: str, op: str, value: Value, numbers: bool, texts: bool, field: Sequence[str]
) -> None:
    if name == "status":
        values = value if isinstance(value, tuple) else (value,)
        bad = [v for v in values if not isinstance(v, str) or v.lower() not in STATUSES]
        if bad or op not in ("=", "!=", "IN", "NOT IN"):
            raise validation(
                "attributes.status takes =, != or in with RUNNING, COMPLETED (FINISHED), "
                "FAILED or KILLED",
                field,
            )
    elif name == "id":
        if op not in ("=", "!=", "IN", "NOT IN") or not texts:
            raise validation("attributes.run_id takes =, != or in with quoted ids", field)
    elif name in TIME_ATTRIBUTES:
        if op not in NUMERIC_OPS:
            raise validation(f"attributes.{name} takes =, !=, <, <=, >, >= or in", field)
        values = value if isinstance(value, tuple) else (value,)
        for v in values:
            if isinstance(v, str):
                try:
                    moment = datetime.fromisoformat(v)
                except ValueError:
                    raise validation(
                        f"attributes.{name}: give epoch milliseconds or an ISO date",
                        field,
                    ) from None
                if moment.tzinfo is None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
                    raise validation(f"attributes.{name}: give the time zone ({v}Z)", field)
    elif op not in TEXT_OPS or not texts:
        raise validation(f"attributes.{name} compares with quoted text", field)


# -- the text -----------------------------------------------------------------------------

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<op>!=|<>|>=|<=|=|>|<)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.]))
  | (?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*")
  | (?P<backtick>`[^`]*`)
  | (?P<word>[A-Za-z0-9_./:\-]+)
    """,
    re.VERBOSE,
)
KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    at: int  # the character it starts at (0-based)


def _error(message: str, at: int, field: Sequence[str]) -> DomainError:
    return validation(f"{message} at character {at + 1}", field)


def _unquote(token: Token) -> str:
    quote = token.text[0]
    inner = token.text[1:-1]
    return inner if quote == "`" else inner.replace(quote * 2, quote)


class Reader:
    """Tokens of a query's text, read left to right with positions for errors."""

    def __init__(self, text: str, field: Sequence[str]) -> None:
        self.text = text
        self.field = field
        self.tokens = self._tokens()
        self.index = 0

    def _tokens(self) -> list[Token]:
        found: list[Token] = []
        position = 0
        while position < len(self.text):
            match = TOKEN.match(self.text, position)
            if match is None:
                raise _error(f"unexpected {self.text[position]!r}", position, self.field)
            kind = match.lastgroup or ""
            if kind != "space":
                found.append(Token(kind, match.group(), position))
            position = match.end()
        return found

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, what: str) -> Token:
        token = self.peek()
        if token is None:
            raise _error(f"expected {what}, found the end", len(self.text), self.field)
        self.index += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.upper() in words:
            self.index += 1
            return True
        return False

    def fail(self, message: str, token: Token) -> DomainError:
        return _error(message, token.at, self.field)


def _stat_suffix(key: str) -> tuple[str, Stat]:
    head, dot, tail = key.rpartition(".")
    if dot and head and tail.lower() in ("last", "min", "max"):
        return head, Stat(tail.lower())
    return key, Stat.LAST


def read_target(reader: Reader) -> Target:
    """``metrics.loss.min``, ``params.`learning rate```, ``tags."mlflow.user"``,
    ``status``. The first dot ends the entity."""
    token = reader.take("a metric, param, tag or attribute")
    if token.kind != "word":
        raise reader.fail(
            f"expected metrics.<key>, params.<key>, tags.<key> or an attribute, found "
            f"{token.text!r}",
            token,
        )
    head, dot, rest = token.text.partition(".")
    entity = ENTITIES.get(head.lower())
    if entity is None:
        name = ATTRIBUTE_NAMES.get(token.text.lower())
        if name is not None:
            return Attribute(name)
        raise reader.fail(
            f"{token.text!r} is not metrics.<key>, params.<key>, tags.<key> or an attribute",
            token,
        )
    quoted = False
    if dot and rest:
        key = rest
    else:
        following = reader.peek()
        if (
            not dot
            or following is None
            or following.kind not in ("backtick", "string")
            or following.at != token.at + len(token.text)
        ):
            raise reader.fail(f"give a key after {head}.", token)
        key = _unquote(reader.take("a key"))
        quoted = True
    if not key:
        raise reader.fail("the key is empty", token)
    if entity == "attributes":
        name = ATTRIBUTE_NAMES.get(key.lower())
        if name is None:
            names = ", ".join(sorted(set(ATTRIBUTE_NAMES)))
            raise reader.fail(f"unknown attribute {key!r} (one of {names})", token)
        return Attribute(name)
    if entity == "metrics":
        stat = Stat.LAST
        if quoted:  # metrics.`val/auc`.max: the stat follows the quoted key
            following = reader.peek()
            if following and following.kind == "word" and following.text.startswith("."):
                suffix = following.text[1:].lower()
                if suffix not in ("last", "min", "max"):
                    raise reader.fail("after a metric's key: .last, .min or .max", following)
                reader.take("a summary")
                stat = Stat(suffix)
        else:
            key, stat = _stat_suffix(key)
        return Metric(key, stat)
    return Param(key) if entity == "params" else Tag(key)


def read_operator(reader: Reader) -> tuple[str, Token]:
    token = reader.take("an operator")
    if token.kind == "op":
        return ("!=" if token.text == "<>" else token.text), token
    if token.kind == "word":
        word = token.text.upper()
        if word in ("LIKE", "ILIKE", "IN"):
            return word, token
        if word == "NOT" and reader.keyword("IN"):
            return "NOT IN", token
        if word == "IS":
            negated = reader.keyword("NOT")
            if reader.keyword("NULL"):
                return ("IS NOT NULL" if negated else "IS NULL"), token
    raise reader.fail(
        f"expected an operator (=, !=, <, <=, >, >=, like, ilike, in, not in, is null), "
        f"found {token.text!r}",
        token,
    )


def _literal(reader: Reader, token: Token) -> float | str:
    if token.kind == "number":
        return float(token.text)
    if token.kind == "string":
        return _unquote(token)
    raise reader.fail(f"expected a number or a quoted string, found {token.text!r}", token)


def read_value(reader: Reader, op: str) -> Value:
    if op in NULL_OPS:
        return None
    if op not in ("IN", "NOT IN"):
        return _literal(reader, reader.take("a value"))
    opening = reader.take("(")
    if opening.kind != "lparen":
        raise reader.fail(f"{op} takes a list in parentheses: (0.1, 0.01) or ('a', 'b')", opening)
    values: list[float | str] = []
    while True:
        item = reader.take("a value")
        values.append(_literal(reader, item))
        if len(values) > MAX_IN_VALUES:
            raise reader.fail(f"at most {MAX_IN_VALUES:,} values in a list", item)
        if type(values[-1]) is not type(values[0]):
            raise reader.fail("a list holds numbers or quoted strings, not both", item)
        closing = reader.take(", or )")
        if closing.kind == "rparen":
            return tuple(values)  # type: ignore[return-value]
        if closing.kind != "comma":
            raise reader.fail("expected , or )", closing)


class _Parser:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.depth = 0

    def any_of(self) -> RunQuery:
        parts = [self.all_of()]
        while self.reader.keyword("OR"):
            parts.append(self.all_of())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def all_of(self) -> RunQuery:
        parts = [self.unary()]
        while self.reader.keyword("AND"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def unary(self) -> RunQuery:
        reader = self.reader
        token = reader.peek()
        if token is None:
            raise _error("expected a comparison, found the end", len(reader.text), reader.field)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise reader.fail(f"nested more than {MAX_DEPTH} deep", token)
        try:
            if reader.keyword("NOT"):
                return Not(self.unary())
            if token.kind == "lparen":
                reader.take("(")
                inner = self.any_of()
                closing = reader.take(")")
                if closing.kind != "rparen":
                    raise reader.fail(f"expected ), found {closing.text!r}", closing)
                return inner
            return self.comparison()
        finally:
            self.depth -= 1

    def comparison(self) -> RunQuery:
        reader = self.reader
        start = reader.peek()
        assert start is not None
        if start.kind == "word" and start.text.lower() == "search":
            reader.take("search")
            equals = reader.take("=")
            words = reader.take("quoted words")
            if equals.text != "=" or words.kind != "string":
                raise reader.fail('full text is search = "words"', equals)
            return Search(_unquote(words))
        target = read_target(reader)
        op, _ = read_operator(reader)
        value = read_value(reader, op)
        try:
            return check(Compare(target, op, value), reader.field)
        except DomainError as error:
            raise reader.fail(error.message, start) from None


def parse(text: str | None, field: Sequence[str] = ("filter",)) -> RunQuery | None:
    """A query's text as the typed query (None for an empty text)."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise validation(f"a query is at most {MAX_QUERY_CHARS:,} characters", field)
    reader = Reader(text, field)
    query = _Parser(reader).any_of()
    extra = reader.peek()
    if extra is not None:
        expected = "and, or or the end" if extra.kind != "rparen" else "no ) here"
        raise reader.fail(f"expected {expected}, found {extra.text!r}", extra)
    return query
