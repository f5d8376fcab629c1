"""Every node type is declared, and every field of a declared type says how it reads: a
column, a computed field, a link, a lookup, a list, or a hand-written resolver with its
reason (``python``). A field added to a type without a declaration fails here."""

from __future__ import annotations

import uuid

import strawberry
from graphql import GraphQLObjectType
from strawberry.schema.config import StrawberryConfig

from app.api.graph import fields
from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.declare import GRAPH, Link
from app.api.registry.lists import MODELS_OF_PROJECT
from app.api.scalars import SCALAR_MAP
from app.domain.tenancy.models import Project as ProjectRow
from app.server.schema import build_schema

SCHEMA = build_schema()._schema


def object_types() -> dict[str, GraphQLObjectType]:
    return {
        name: gql_type
        for name, gql_type in SCHEMA.type_map.items()
        if isinstance(gql_type, GraphQLObjectType) and not name.startswith("__")
    }


def test_every_node_type_is_declared() -> None:
    nodes = {
        name
        for name, gql_type in object_types().items()
        if any(interface.name == "Node" for interface in gql_type.interfaces)
    }
    assert nodes - set(GRAPH) == set()


def test_every_field_of_a_declared_type_says_how_it_reads() -> None:
    unaccounted = {}
    for name, declared in GRAPH.items():
        gql_type = object_types()[name]
        missing = [
            field
            for field in gql_type.fields
            if field != "id"
            and field not in declared.links
            and field not in declared.lookups
            and field not in declared.lists
            and field not in declared.computed
            and field not in declared.built
            and field not in declared.python
            and declared.column_of(field) is None
        ]
        if missing:
            unaccounted[name] = missing
    assert unaccounted == {}


def test_python_fields_give_their_reason_and_exist() -> None:
    for name, declared in GRAPH.items():
        fields = object_types()[name].fields
        for field, reason in declared.python.items():
            assert field in fields, f"{name}.{field} is declared but not in the schema"
            assert len(reason) > 10, f"{name}.{field}: say why it is computed in Python"


def test_a_list_orders_exactly_as_its_order_enum_says() -> None:
    """An order enum is its own spec: each member's value is the order its name picks, so
    a list's orderBy can offer nothing its ListSpec does not sort by, and the two cannot
    drift apart (and its default is one of its orders)."""
    from graphql import GraphQLEnumType, get_named_type

    checked = 0
    for type_name, declared in GRAPH.items():
        gql_type = SCHEMA.get_type(type_name)
        for field_name, children in declared.lists.items():
            spec = children.spec
            assert spec.default_order in spec.orders, (type_name, field_name)
            argument = gql_type.fields[field_name].args.get("orderBy")
            if argument is None:
                continue
            enum_type = get_named_type(argument.type)
            assert isinstance(enum_type, GraphQLEnumType)
            for name, value in enum_type.values.items():
                assert spec.orders.get(name) == value.value, (type_name, field_name, name)
            checked += 1
    assert checked >= 25


@from_declaration(ProjectRow, python={"note": "a probe's own field"})
@strawberry.type
class ProjectProbe(FromRow):
    """Not in the server's schema: a type of a schema of its own."""

    slug: str
    organization_id: strawberry.Private[uuid.UUID]
    db_id: strawberry.Private[uuid.UUID]
    organization = fields.related()
    models = fields.children(MODELS_OF_PROJECT)

    @strawberry.field
    def note(self) -> str:
        return "probe"


@strawberry.type
class Probe:
    probe: ProjectProbe | None = None


def test_a_type_declares_itself_and_the_schema_collects_it() -> None:
    """No file lists the graph: a type made by @from_declaration, with a link named by its
    foreign key and a list by its ListSpec, is in the graph of any schema that has it."""
    schema = strawberry.Schema(query=Probe, config=StrawberryConfig(scalar_map=SCALAR_MAP))
    graph = fields.collect_graph(schema)
    probe = graph["ProjectProbe"]
    assert probe.model is ProjectRow
    assert not probe.global_id  # not a Node: the Project type stays the table's node
    assert probe.links == {"organization": Link(column="organization_id", target="Organization")}
    assert probe.lists["models"].target == "Model"
    assert probe.lists["models"].spec is MODELS_OF_PROJECT
    assert probe.python == {"note": "a probe's own field"}
    assert "ProjectProbe" not in GRAPH  # a schema's graph is installed by build_schema only
