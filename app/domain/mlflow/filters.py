"""MLflow's run filter strings (``search_runs(filter_string=...)``) and ``order_by``
clauses, parsed into typed comparisons, with errors that point at the offending character.

The grammar is MLflow's: comparisons joined by AND, each ``<entity>.<key> <op> <value>``
where the entity is ``metrics``, ``params``, ``tags`` or ``attributes`` (and their
singular forms), the key is bare (letters, digits and ``_ - . / :``; the first dot ends the
entity) or quoted with backticks or double quotes, and the value a number, a quoted string
or, for IN / NOT IN, a parenthesised list of strings. ``IS NULL`` / ``IS NOT NULL`` test
whether a param or tag is set. Metrics compare the run's latest value (at its highest
step), numerically; params and tags compare as the text MLflow logged."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.errors import validation


class Entity(enum.Enum):
    METRIC = "metrics"
    PARAM = "params"
    TAG = "tags"
    ATTRIBUTE = "attributes"


ENTITY_NAMES = {
    "metric": Entity.METRIC,
    "metrics": Entity.METRIC,
    "param": Entity.PARAM,
    "params": Entity.PARAM,
    "parameter": Entity.PARAM,
    "parameters": Entity.PARAM,
    "tag": Entity.TAG,
    "tags": Entity.TAG,
    "attribute": Entity.ATTRIBUTE,
    "attributes": Entity.ATTRIBUTE,
    "attr": Entity.ATTRIBUTE,
    "run": Entity.ATTRIBUTE,
}

# Attributes that can be filtered on, and how their values compare.
TEXT_ATTRIBUTES = frozenset({"status", "run_name", "run_id", "user_id", "artifact_uri"})
TIME_ATTRIBUTES = frozenset({"start_time", "end_time", "created"})
ATTRIBUTES = TEXT_ATTRIBUTES | TIME_ATTRIBUTES
ATTRIBUTE_ALIASES = {"run_uuid": "run_id", "runname": "run_name", "name": "run_name"}

NUMERIC_OPS = frozenset({"=", "!=", ">", ">=", "<", "<="})
TEXT_OPS = frozenset({"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"})
NULL_OPS = frozenset({"IS NULL", "IS NOT NULL"})
MAX_FILTER_CHARS = 10_000
MAX_IN_VALUES = 1_000


@dataclass(frozen=True)
class Comparison:
    entity: Entity
    key: str
    op: str
    value: float | str | tuple[str, ...] | None


@dataclass(frozen=True)
class OrderBy:
    entity: Entity
    key: str
    ascending: bool


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


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    at: int  # the character it starts at (0-based)


def _tokens(text: str, field: Sequence[str]) -> list[Token]:
    found: list[Token] = []
    position = 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None:
            raise _error(f"unexpected {text[position]!r}", position, field)
        kind = match.lastgroup or ""
        if kind != "space":
            found.append(Token(kind, match.group(), position))
        position = match.end()
    return found


def _error(message: str, at: int, field: Sequence[str]) -> Exception:
    return validation(f"{message} at character {at + 1}", field)


def _unquote(token: Token) -> str:
    quote = token.text[0]
    inner = token.text[1:-1]
    return inner if quote == "`" else inner.replace(quote * 2, quote)


class _Reader:
    def __init__(self, text: str, field: Sequence[str]) -> None:
        self.text = text
        self.field = field
        self.tokens = _tokens(text, field)
        self.index = 0

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

    def fail(self, message: str, token: Token) -> Exception:
        return _error(message, token.at, self.field)


def _identifier(reader: _Reader) -> tuple[Entity, str, Token]:
    """``metrics.loss``, ``params.`learning rate```, ``tags."mlflow.user"``, ``status``."""
    token = reader.take("a metric, param, tag or attribute")
    if token.kind == "word":
        head, dot, rest = token.text.partition(".")
        entity = ENTITY_NAMES.get(head.lower())
        if entity is None:
            bare = ATTRIBUTE_ALIASES.get(token.text.lower(), token.text.lower())
            if bare in ATTRIBUTES:
                return Entity.ATTRIBUTE, bare, token
            raise reader.fail(
                f"{token.text!r} is not metrics.<key>, params.<key>, tags.<key> or "
                "attributes.<name>",
                token,
            )
        if dot and rest:
            key = rest
        else:
            quoted = reader.peek()
            if not dot or quoted is None or quoted.kind not in ("backtick", "string"):
                raise reader.fail(f"give a key after {head}.", token)
            # ``params.`a b``` arrives as the word "params." then the quoted key.
            if quoted.at != token.at + len(token.text):
                raise reader.fail(f"give a key after {head}.", quoted)
            key = _unquote(reader.take("a key"))
    else:
        raise reader.fail("expected metrics.<key>, params.<key>, tags.<key> or attributes", token)
    if entity is Entity.ATTRIBUTE:
        key = ATTRIBUTE_ALIASES.get(key.lower(), key.lower())
        if key not in ATTRIBUTES:
            names = ", ".join(sorted(ATTRIBUTES))
            raise reader.fail(f"unknown attribute {key!r} (one of {names})", token)
    if not key:
        raise reader.fail("the key is empty", token)
    return entity, key, token


def _operator(reader: _Reader) -> tuple[str, Token]:
    token = reader.take("an operator")
    if token.kind == "op":
        return ("!=" if token.text == "<>" else token.text), token
    if token.kind == "word":
        word = token.text.upper()
        if word in ("LIKE", "ILIKE", "IN"):
            return word, token
        if word == "NOT" and reader.keyword("IN"):
            return "NOT IN", token
        if word == "NOT" and reader.keyword("LIKE"):
            return "NOT LIKE", token
        if word == "IS":
            negated = reader.keyword("NOT")
            if reader.keyword("NULL"):
                return ("IS NOT NULL" if negated else "IS NULL"), token
    raise reader.fail(
        f"expected an operator (=, !=, <, <=, >, >=, LIKE, IN, IS NULL), found {token.text!r}",
        token,
    )


def _value(reader: _Reader, entity: Entity, key: str, op: str, at: Token) -> Comparison:
    if op in NULL_OPS:
        if entity not in (Entity.PARAM, Entity.TAG):
            raise reader.fail(f"{op} applies to params and tags", at)
        return Comparison(entity, key, op, None)
    if op in ("IN", "NOT IN"):
        opening = reader.take("(")
        if opening.kind != "lparen":
            raise reader.fail(f"{op} takes a list in parentheses: ('a', 'b')", opening)
        values: list[str] = []
        while True:
            item = reader.take("a quoted string")
            if item.kind != "string":
                raise reader.fail("the values of IN are quoted strings", item)
            values.append(_unquote(item))
            if len(values) > MAX_IN_VALUES:
                raise reader.fail(f"at most {MAX_IN_VALUES} values in a list", item)
            closing = reader.take(", or )")
            if closing.kind == "rparen":
                break
            if closing.kind != "comma":
                raise reader.fail("expected , or )", closing)
        return _checked(reader, Comparison(entity, key, op, tuple(values)), at)
    token = reader.take("a value")
    if token.kind == "number":
        return _checked(reader, Comparison(entity, key, op, float(token.text)), at)
    if token.kind == "string":
        return _checked(reader, Comparison(entity, key, op, _unquote(token)), at)
    raise reader.fail(f"expected a number or a quoted string, found {token.text!r}", token)


def _checked(reader: _Reader, comparison: Comparison, at: Token) -> Comparison:
    entity, key, op, value = (
        comparison.entity,
        comparison.key,
        comparison.op,
        comparison.value,
    )
    numeric = entity is Entity.METRIC or (entity is Entity.ATTRIBUTE and key in TIME_ATTRIBUTES)
    if numeric:
        if op not in NUMERIC_OPS:
            raise reader.fail(f"{op} does not apply to {entity.value}.{key} (a number)", at)
        if not isinstance(value, float):
            raise reader.fail(f"{entity.value}.{key} compares with a number", at)
    else:
        if op not in TEXT_OPS:
            raise reader.fail(f"{op} does not apply to {entity.value}.{key} (text)", at)
        if isinstance(value, float):
            raise reader.fail(f"{entity.value}.{key} compares with a quoted string", at)
    if entity is Entity.ATTRIBUTE and key == "run_id" and op not in ("=", "!=", "IN", "NOT IN"):
        raise reader.fail("attributes.run_id takes =, !=, IN or NOT IN", at)
    return comparison


def parse_filter(text: str | None, field: Sequence[str] = ("filter",)) -> list[Comparison]:
    """MLflow's filter string as comparisons (all must hold); empty or None: none."""
    if text is None or not text.strip():
        return []
    if len(text) > MAX_FILTER_CHARS:
        raise validation(f"a filter is at most {MAX_FILTER_CHARS:,} characters", field)
    reader = _Reader(text, field)
    found: list[Comparison] = []
    while True:
        entity, key, start = _identifier(reader)
        op, at = _operator(reader)
        if op == "NOT LIKE":
            raise reader.fail("NOT LIKE is not supported: use != or LIKE", at)
        found.append(_value(reader, entity, key, op, start))
        following = reader.peek()
        if following is None:
            return found
        if not reader.keyword("AND"):
            if following.kind == "word" and following.text.upper() == "OR":
                raise reader.fail("OR is not supported in MLflow filters: use AND", following)
            raise reader.fail(f"expected AND, found {following.text!r}", following)


def parse_order_by(clauses: Sequence[str], field: Sequence[str] = ("order_by",)) -> list[OrderBy]:
    """``["metrics.loss ASC", "attributes.start_time DESC", "params.lr"]``."""
    found: list[OrderBy] = []
    for index, clause in enumerate(clauses):
        where = [*field, str(index)]
        reader = _Reader(clause, where)
        entity, key, _ = _identifier(reader)
        ascending = True
        if reader.keyword("DESC"):
            ascending = False
        else:
            reader.keyword("ASC")
        extra = reader.peek()
        if extra is not None:
            raise reader.fail(f"expected ASC or DESC, found {extra.text!r}", extra)
        found.append(OrderBy(entity, key, ascending))
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
