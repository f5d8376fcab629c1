"""SQL text for the compiler: JSON values written as the resolver path writes them, and
SQLAlchemy fragments (order keys, filters, lookups) compiled once and kept as text."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from graphql import GraphQLEnumType, GraphQLList, GraphQLNonNull, GraphQLScalarType
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg
from sqlalchemy.orm import aliased

DIALECT = pg_asyncpg.dialect()
PLACEHOLDER = re.compile(r"\$(\d+)")


class Unsupported(Exception):
    """This operation (or this part of it) is not compiled: the resolver path runs it.
    ``by_document``: every request with this document would fail the same way (so the
    document need not be tried again); False where it depends on the variables."""

    def __init__(self, reason: str, *, by_document: bool = True) -> None:
        super().__init__(reason)
        self.by_document = by_document


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def concat(parts: Sequence[str]) -> str:
    """``parts`` are SQL text expressions; adjacent literals are merged."""
    merged: list[str] = []
    for part in parts:
        if merged and part.startswith("'") and merged[-1].startswith("'") and _is_literal(part):
            if _is_literal(merged[-1]):
                merged[-1] = merged[-1][:-1] + part[1:]
                continue
        merged.append(part)
    return "(" + " || ".join(merged) + ")"


def _is_literal(sql: str) -> bool:
    return (
        len(sql) >= 2
        and sql[0] == "'"
        and sql[-1] == "'"
        and "'" not in sql[1:-1].replace("''", "")
    )


def unwrap(gql_type: Any) -> Any:
    return gql_type.of_type if isinstance(gql_type, GraphQLNonNull) else gql_type


# -- SQLAlchemy fragments, compiled once ------------------------------------------------
# Compiling SQLAlchemy expressions costs far more than the rest of a compile: the
# fragments of an order, a filter (by value) or a lookup are compiled once per alias and
# kept, with their bound values, as text with markers for the values.

Fragment = tuple[str, tuple[Any, ...]]
MARKER = re.compile("\x01(\\d+)\x01")


def sql_fragment(expression: Any) -> Fragment:
    compiled = expression.compile(dialect=DIALECT, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params()
    processors = compiled._bind_processors
    names = compiled.positiontup or []
    bound: list[Any] = []

    def mark(match: re.Match[str]) -> str:
        name = names[int(match.group(1)) - 1]
        processor = processors.get(name)
        bound.append(processor(values[name]) if processor else values[name])
        return f"\x01{len(bound) - 1}\x01"

    return PLACEHOLDER.sub(mark, compiled.string), tuple(bound)


def condition_fragment(condition: Any) -> Fragment:
    """A condition as a term of an AND: parenthesised, so that an OR inside it stays inside
    (``revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())``)."""
    text, values = sql_fragment(condition)
    return f"({text})", values


@functools.lru_cache(maxsize=1024)
def entity(model: Any, alias: str) -> Any:
    return aliased(model, name=alias)


@functools.lru_cache(maxsize=4096)
def order_fragments(
    spec: Any, order: Any, argument: str | None, alias: str
) -> tuple[tuple[Fragment, ...], tuple[type, ...]]:
    keys = order.expressions(entity(spec.model, alias), argument)
    return tuple(sql_fragment(k) for k in keys), tuple(k.type.python_type for k in keys)


@functools.lru_cache(maxsize=1024)  # by filter value: bounded (a filter is a few KB at most)
def filter_fragments(spec: Any, list_filter: Any, alias: str) -> tuple[Fragment, ...]:
    return tuple(condition_fragment(c) for c in list_filter.conditions(entity(spec.model, alias)))


# -- values ----------------------------------------------------------------------------


def json_array_sql(item: str, order: str) -> str:
    """A JSON list aggregated over the rows of the FROM it is selected with: ``item`` (JSON
    text) per row, in ``order``; ``[]`` for no row."""
    return f"'[' || coalesce(string_agg({item}, ',' ORDER BY {order}), '') || ']'"


def text_array_sql(jsonb: str) -> str:
    """A jsonb array of strings as text[], in its order."""
    return (
        f"ARRAY(SELECT t.v FROM jsonb_array_elements_text({jsonb}) WITH ORDINALITY AS t(v, o) "
        "ORDER BY t.o)"
    )


def global_id_sql(type_name: str, id_sql: str) -> str:
    """base64url("<Type>:<uuid>") without padding, as app/api/ids.encode_id."""
    return typed_global_id_sql(literal(type_name), id_sql)


def typed_global_id_sql(type_sql: str, id_sql: str) -> str:
    """The global id of a row whose type name is itself SQL (e.g. an audit entry's target
    type column); NULL when either is."""
    raw = f"convert_to({type_sql} || ':' || {id_sql}::text, 'UTF8')"
    return f"('\"' || {base64url_sql(raw)} || '\"')"


def cursor_sql(alias: str, key_types: Sequence[type]) -> str:
    """The cursor of a row, as app/api/pagination.encode_cursor writes it."""
    return cursor_of([f"{alias}._k{index}" for index in range(len(key_types))], key_types)


def cursor_of(columns: Sequence[str], key_types: Sequence[type]) -> str:
    """The cursor of the order key values ``columns`` (SQL expressions), one per key."""
    items = []
    for column, key_type in zip(columns, key_types, strict=True):
        if key_type is datetime:
            text = f"btrim(mlgraph_json_time({column}), '\"')"
        elif key_type is bool:
            text = f"CASE WHEN {column} THEN 'True' ELSE 'False' END"
        else:
            text = f"{column}::text"
        items.append(f"to_json(coalesce({text}, 'None'))::text")
    json_text = "'[' || " + " || ',' || ".join(items) + " || ']'"
    return base64url_sql(f"convert_to({json_text}, 'UTF8')")


def base64url_sql(raw: str) -> str:
    """``raw`` (bytea) in unpadded base64url, as Python's urlsafe_b64encode(...).rstrip("=").
    Written with replace() and rtrim(): translate() did the same in 6.5 µs a value against
    1.8 (100,000 cursors), and every global id and cursor a compiled query writes goes
    through it. PostgreSQL's base64 breaks lines every 76 characters: removed too."""
    b64 = f"encode({raw}, 'base64')"
    return f"rtrim(replace(replace(replace({b64}, E'\\n', ''), '+', '-'), '/', '_'), '=')"


def enum_json(gql_type: GraphQLEnumType, column: str) -> str:
    """An enum column as the name of its GraphQL value, quoted."""
    cases = " ".join(
        f"WHEN {literal(str(getattr(value.value, 'value', value.value)))} "
        f"THEN {literal(chr(34) + name + chr(34))}"
        for name, value in gql_type.values.items()
    )
    return f"(CASE {column} {cases} ELSE 'null' END)"


def scalar_json(gql_type: Any, column: str) -> str:
    """A column written as the resolver path writes the field's GraphQL type."""
    gql_type = unwrap(gql_type)
    if isinstance(gql_type, GraphQLList):
        item = unwrap(gql_type.of_type)
        if isinstance(item, GraphQLScalarType) and item.name == "String":
            return f"coalesce(array_to_json({column})::text, 'null')"
        if isinstance(item, GraphQLEnumType):  # e.g. a key's scopes, in their order
            items = (
                f"SELECT string_agg({enum_json(item, 'u.v')}, ',' ORDER BY u.o) "
                f"FROM unnest({column}) WITH ORDINALITY AS u(v, o)"
            )
            return (
                f"(CASE WHEN {column} IS NULL THEN 'null' "
                f"ELSE '[' || coalesce(({items}), '') || ']' END)"
            )
        raise Unsupported(f"list of {item}")
    if isinstance(gql_type, GraphQLEnumType):
        return enum_json(gql_type, column)
    name = gql_type.name
    if name in ("String", "ID"):
        return f"coalesce(to_json({column})::text, 'null')"
    if name == "Int":
        return f"coalesce({column}::text, 'null')"
    if name == "Float":
        return f"mlgraph_json_float({column}::float8)"
    if name == "Boolean":
        return f"(CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' ELSE 'null' END)"
    if name == "DateTime":
        return f"mlgraph_json_time({column})"
    if name == "JSON":
        return json_sql(column)
    raise Unsupported(f"scalar {name}")


COLUMN = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
# A jsonb value inside an object, as mlgraph_json_slow writes it: a number as
# mlgraph_json_number (migration 0069: as the value orjson reads, the resolver path),
# nested containers through the function itself.
JSON_MEMBER = (
    "CASE jsonb_typeof(jm.value) "
    "WHEN 'number' THEN mlgraph_json_number(jm.value) "
    "WHEN 'object' THEN mlgraph_json_slow(jm.value) "
    "WHEN 'array' THEN mlgraph_json_slow(jm.value) "
    "ELSE jm.value::text END"
)


def json_sql(column: str) -> str:
    """A jsonb column as mlgraph_json writes it (compact, floats as Python writes them).
    An object (a run's params or tags: most JSON fields) is written here, one level in
    SQL, rather than by the function's PL/pgSQL, which calls itself for every member:
    30-44 against 53-62 us for a 10-key params object. Expressions other than a plain
    column keep the function (they would be evaluated more than once here)."""
    if not COLUMN.match(column):
        return f"mlgraph_json({column})"
    members = (
        f"SELECT '{{' || coalesce(string_agg(to_json(jm.key)::text || ':' || {JSON_MEMBER}, "
        f"',' ORDER BY jm.o), '') || '}}' "
        f"FROM jsonb_each({column}) WITH ORDINALITY AS jm(key, value, o)"
    )
    return (
        f"(CASE WHEN jsonb_typeof({column}) = 'object' THEN ({members}) "
        f"ELSE mlgraph_json({column}) END)"
    )
