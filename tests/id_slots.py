"""Every id a mutation takes, from the schema itself: the tenancy tests walk these, so a new
mutation (or a new id field in an input) is covered the day it is added.

An *id slot* is a path from a mutation's arguments to an ``ID`` field, through nested
inputs and lists (``["input", "parentIds"]``). The node type an id slot names comes from
its field name (``deploymentId`` → ``Deployment``); ``required_input`` fills the rest of the
input with values of the right type, so a request gets as far as looking the id up."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)

# Field names whose node type is not their capitalised stem.
SLOT_TYPES = {
    "channelId": "NotificationChannel",
    "ruleId": "NotificationRule",
    "parentIds": "DatasetVersion",
    "endpointId": "ServingEndpoint",
    "gpuTypeId": "GpuType",
    "integrationConfigId": "IntegrationConfig",
    "defaultOrganizationId": "Organization",
}


def node_type_of(field_name: str) -> str:
    """The node type an id field names: ``deploymentId`` → ``Deployment``."""
    if field_name in SLOT_TYPES:
        return SLOT_TYPES[field_name]
    stem = field_name.removesuffix("Ids").removesuffix("Id")
    return stem[0].upper() + stem[1:]


@dataclass(frozen=True)
class IdSlot:
    mutation: str
    path: tuple[str, ...]  # from the mutation's arguments to the ID field
    many: bool  # a list of ids
    required: bool

    @property
    def node_type(self) -> str:
        return node_type_of(self.path[-1])

    def __str__(self) -> str:
        return f"{self.mutation}({'.'.join(self.path)})"


def unwrap(kind: Any) -> Any:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def is_list(kind: Any) -> bool:
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    return isinstance(kind, GraphQLList)


def _slots(
    mutation: str, fields: dict[str, Any], path: tuple[str, ...], seen: frozenset[str]
) -> Iterator[IdSlot]:
    for name, field in fields.items():
        kind = unwrap(field.type)
        required = isinstance(field.type, GraphQLNonNull)
        if isinstance(kind, GraphQLScalarType) and kind.name == "ID":
            yield IdSlot(mutation, (*path, name), is_list(field.type), required)
        elif isinstance(kind, GraphQLInputObjectType) and kind.name not in seen:
            yield from _slots(mutation, kind.fields, (*path, name), seen | {kind.name})


def id_slots(schema: GraphQLSchema) -> list[IdSlot]:
    """Every id slot of every mutation."""
    assert schema.mutation_type is not None
    return [
        slot
        for name, field in schema.mutation_type.fields.items()
        for slot in _slots(name, field.args, (), frozenset())
    ]


_counter = itertools.count()

SCALARS: dict[str, Any] = {
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "JSON": {},
    "MetricValue": 1.0,
    "IntColumn": [1],
    "FloatColumn": [1.0],
    "MetricColumn": [1.0],
    "Vector": [0.1, 0.2, 0.3],
}


def _string(name: str) -> str:
    n = next(_counter)
    lowered = name.lower()
    if "email" in lowered:
        return f"slot{n}@example.com"
    if "url" in lowered or "uri" in lowered:
        return f"https://example.com/slot{n}"
    if lowered in {"version", "semver"}:
        return f"1.0.{n}"
    if "sha" in lowered or "checksum" in lowered:
        return f"{n:064x}"
    if lowered == "metricname":
        return "latency_ms"
    return f"slot-{n}"


def value_of(name: str, kind: Any, ids: dict[str, str], twin: dict[str, str]) -> Any:
    """A value of GraphQL type ``kind`` for a field called ``name``; an id is one of ``ids``
    of the type the name says (or ``twin``, one that exists nowhere)."""
    if isinstance(kind, GraphQLNonNull):
        return value_of(name, kind.of_type, ids, twin)
    if isinstance(kind, GraphQLList):
        return [value_of(name, kind.of_type, ids, twin)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        return required_input(kind, ids, twin)
    if kind.name == "ID":
        node_type = node_type_of(name)
        return ids.get(node_type) or twin[node_type]
    if kind.name == "DateTime":
        return datetime.now(UTC).isoformat()
    if kind.name == "MetricSeries":
        return {"key": "loss", "steps": [0], "values": [1.0]}
    if kind.name == "String":
        return _string(name)
    return SCALARS[kind.name]


def required_input(
    kind: GraphQLInputObjectType, ids: dict[str, str], twin: dict[str, str]
) -> dict[str, Any]:
    """The required fields of an input, each with a plausible value (of a oneOf input, its
    first field: exactly one is required)."""
    declared = kind.extensions.get("strawberry-definition")  # Strawberry keeps oneOf there
    if kind.is_one_of or getattr(declared, "is_one_of", False):
        name, field = next(iter(kind.fields.items()))
        return {name: value_of(name, field.type, ids, twin)}
    out = {}
    for name, field in kind.fields.items():
        assert isinstance(field, GraphQLInputField)
        if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined:
            out[name] = value_of(name, field.type, ids, twin)
    return out


def request_for(
    schema: GraphQLSchema,
    slot: IdSlot,
    value: str,
    own: dict[str, str],
    twin: dict[str, str],
    adjust: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[str, dict[str, Any]]:
    """A mutation document and its variables: ``value`` in ``slot``; every other required
    field filled (ids from ``own``, the caller's objects), then ``adjust``ed (what a
    mutation's own rules need, e.g. shares summing to 100)."""
    assert schema.mutation_type is not None
    field = schema.mutation_type.fields[slot.mutation]
    variables: dict[str, Any] = {}
    declared = []
    for name, argument in field.args.items():
        assert isinstance(argument, GraphQLArgument)
        if isinstance(argument.type, GraphQLNonNull) or name == slot.path[0]:
            variables[name] = value_of(name, argument.type, own, twin)
            declared.append(f"${name}: {argument.type}")
    if adjust is not None:
        adjust(variables)
    holder: Any = variables
    for step in slot.path[:-1]:
        if step not in holder:
            step_kind, many = _field_kind(schema, slot, step)
            made = required_input(step_kind, own, twin)
            holder[step] = [made] if many else made
        holder = holder[step]
        if isinstance(holder, list):
            holder = holder[0]
    holder[slot.path[-1]] = [value] if slot.many else value
    returns = unwrap(field.type)
    selection = "userErrors { code field message }" if "userErrors" in returns.fields else ""
    document = (
        f"mutation({', '.join(declared)}) {{ {slot.mutation}"
        f"({', '.join(f'{n}: ${n}' for n in variables)}) {{ __typename {selection} }} }}"
    )
    return document, variables


def _field_kind(
    schema: GraphQLSchema, slot: IdSlot, step: str
) -> tuple[GraphQLInputObjectType, bool]:
    """The input type at ``step`` along the slot's path, and whether it is a list."""
    assert schema.mutation_type is not None
    fields: dict[str, Any] = schema.mutation_type.fields[slot.mutation].args
    for name in slot.path:
        kind = unwrap(fields[name].type)
        if name == step:
            assert isinstance(kind, GraphQLInputObjectType)
            return kind, is_list(fields[name].type)
        fields = kind.fields
    raise KeyError(step)


class Twins(dict[str, str]):
    """An id of each node type that exists nowhere, made on first use."""

    def __missing__(self, node_type: str) -> str:
        import uuid

        from app.api.ids import encode_id

        made = self[node_type] = encode_id(node_type, uuid.uuid4())
        return made
