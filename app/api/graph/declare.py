"""The read graph's vocabulary: for each GraphQL node type, its table and how each field
reads. A type declares itself where it is defined, once:

    @from_declaration(ProjectRow, python={"quota": "why it is not SQL"})
    @strawberry.type
    class Project(Node, FromRow):
        organization = related()                      # a Link: organization_id's row
        models = children(MODELS_OF_PROJECT, [...], query=filtered_query)

``collect_graph`` (app/api/graph/fields.py) gathers each declared type into one
``NodeType`` when the schema is built; it says everything both read paths need:

- its table (the SQLAlchemy model) and global-id name (the type's, if it is a Node);
- its columns: a GraphQL field reads the column of the same name in snake_case unless
  ``columns`` maps it elsewhere; the JSON form follows the field's GraphQL type;
- its to-one ``links`` (a foreign key on this row) and ``lookups`` (a row of another
  table found by a condition, e.g. the production version of a model);
- its child ``lists`` (a ``ListSpec``: table, parent column, orders, and the filter the
  field's arguments build);
- ``computed``: fields computed from the row, written twice — SQL for the compiler and
  Python for ``from_row`` (e.g. whether a channel has a secret; ``ForeignId``, a foreign
  key as a global id); the differential test holds the two equal;
- ``admin_only``: rows only an organization's admins may read (the audit log, notification
  deliveries), with the message everyone else gets; their lists run on the resolvers,
  which check the role;
- ``python``: fields that genuinely compute in Python (drift statistics, quotas, ...),
  each with the reason. A query that selects one of them runs on the resolver path.

Tenancy is the table's: rows of the caller's organizations only, live rows only where the
table soft-deletes (``visibility``). The compiler (app/api/graph/compiler.py) turns a query
over declared fields into one SQL statement; the resolvers of the same fields
(app/api/graph/fields.py) read through the per-request loaders."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement

from app.api.errors import ClientError
from app.api.graph.sql_text import Fragment, condition_fragment, entity
from app.api.loaders.list_spec import ListFilter, ListSpec, StatusFilter


@dataclass(frozen=True)
class ListQuery:
    """What a list field's arguments ask for, beyond first/after/last/before."""

    order: str | None = None  # a key of the ListSpec's orders; None: its default
    filter: ListFilter | None = None
    order_argument: str | None = None


def order_of(kwargs: Mapping[str, Any]) -> str | None:
    """The order a list field's ``orderBy`` argument names (None: the list's default)."""
    order_by = kwargs.get("order_by")
    return order_by.name if order_by is not None else None


def order_only(kwargs: Mapping[str, Any]) -> ListQuery:
    """The list query of a field whose only argument (besides paging) is ``orderBy``."""
    return ListQuery(order=order_of(kwargs))


def filtered_query(kwargs: Mapping[str, Any]) -> ListQuery:
    """``orderBy`` and a ``filter:`` input object with ``to_filter()`` (ModelFilterInput,
    DeploymentFilterInput, ...)."""
    value = kwargs.get("filter")
    return ListQuery(order=order_of(kwargs), filter=value.to_filter() if value else None)


def status_query(kwargs: Mapping[str, Any]) -> ListQuery:
    """``orderBy``, ``status: [...]`` and ``createdFrom`` / ``createdTo`` (training jobs,
    dataset versions, pipeline runs)."""
    statuses = tuple(s.value for s in kwargs.get("status") or ())
    since, until = created_range(kwargs.get("created_from"), kwargs.get("created_to"))
    return ListQuery(
        order=order_of(kwargs),
        filter=StatusFilter(statuses=statuses, created_from=since, created_to=until),
    )


def created_query(kwargs: Mapping[str, Any]) -> ListQuery:
    """``orderBy`` and ``createdFrom`` / ``createdTo`` (a list without a status)."""
    since, until = created_range(kwargs.get("created_from"), kwargs.get("created_to"))
    return ListQuery(
        order=order_of(kwargs), filter=StatusFilter(created_from=since, created_to=until)
    )


def created_range(since: Any, until: Any) -> tuple[Any, Any]:
    if since is not None and until is not None and since > until:
        raise ClientError("createdFrom must not be after createdTo")
    return since, until


@dataclass(frozen=True)
class Children:
    """A child connection: rows of ``spec.model`` whose ``spec.parent_column`` is our id.
    ``target`` (the rows' GraphQL type) is found when the graph is collected."""

    spec: ListSpec
    # The resolver's keyword arguments (Strawberry-converted, minus paging) -> what to read.
    # It raises ClientError for arguments it refuses; both paths call it.
    query: Callable[[Mapping[str, Any]], ListQuery] = order_only
    target: str = ""


@dataclass(frozen=True)
class Link:
    """A to-one link by a foreign key column of this row (null when the row is not
    visible to the caller). ``target``: the GraphQL type of the row the key points to."""

    column: str
    target: str


def no_conditions(_: Any) -> list[ColumnElement[bool]]:
    return []


@dataclass(frozen=True)
class Lookup:
    """A to-one link found by a condition: the row of ``model`` whose ``parent_column``
    is our id and for which ``where`` holds (at most one by a unique index). ``target``
    (its GraphQL type) is found when the graph is collected."""

    model: Any
    parent_column: str
    where: Callable[[Any], list[ColumnElement[bool]]] = no_conditions
    target: str = ""


@dataclass(frozen=True)
class Computed:
    """A field computed from its row: ``sql`` is an expression over the row's alias
    ``{a}`` (JSON text when ``json``, else a value written as the field's GraphQL type),
    ``python`` the same from the ORM row."""

    sql: str
    python: Callable[[Any], Any]
    json: bool = False


def elapsed_seconds(since: str, until: str) -> Computed:
    """Seconds from the row's ``since`` timestamp to its ``until`` (null while either is),
    the same to the microsecond on both paths."""

    def python(row: Any) -> float | None:
        start, end = getattr(row, since), getattr(row, until)
        return None if start is None or end is None else float((end - start).total_seconds())

    return Computed(
        sql=f"(extract(epoch FROM {{a}}.{until} - {{a}}.{since}))::float8", python=python
    )


@dataclass(frozen=True)
class ForeignId:
    """A foreign key shown as the global id of the row it points to (null when null):
    the target's type is the one declared over the table the key references."""

    column: str


@dataclass(frozen=True)
class Built:
    """A field with arguments and a sub-selection of its own (not a node) whose JSON the
    compiler asks ``build`` for: ``build(run, parent_type, alias, nodes)`` returns SQL
    text over the row's ``alias``, or raises ``Unsupported`` for what it does not
    compile (e.g. Run.metric: raw point pages as columns, app/api/graph/metric_pages.py)."""

    build: Callable[[Any, Any, str, list[Any]], str]


def foreign_table(model: Any, column: str) -> Any:
    """The table a foreign key column of ``model`` references."""
    keys = model.__table__.c[column].foreign_keys
    if len(keys) != 1:
        raise TypeError(f"{model.__tablename__}.{column} is not a foreign key to one table")
    return next(iter(keys)).column.table


@dataclass(frozen=True)
class Declaration:
    """What a Strawberry type says of its table (``@from_declaration``); its links and
    lists are its fields' (``related()``, ``children()``)."""

    model: Any
    columns: Mapping[str, str] = field(default_factory=dict)  # field -> column, when not snake
    computed: Mapping[str, Computed | ForeignId] = field(default_factory=dict)
    built: Mapping[str, Built] = field(default_factory=dict)
    python: Mapping[str, str] = field(default_factory=dict)  # field -> why it is not SQL
    admin_only: str | None = None  # rows only organization admins may read: why not


@dataclass(frozen=True)
class NodeType:
    """A declared type as both read paths see it: collected from the schema's types."""

    name: str
    model: Any
    global_id: bool = True  # has ``id: ID!`` (the Relay Node interface)
    columns: Mapping[str, str] = field(default_factory=dict)  # field -> column, when not snake
    links: Mapping[str, Link] = field(default_factory=dict)
    lookups: Mapping[str, Lookup] = field(default_factory=dict)
    lists: Mapping[str, Children] = field(default_factory=dict)
    computed: Mapping[str, Computed] = field(default_factory=dict)
    built: Mapping[str, Built] = field(default_factory=dict)
    python: Mapping[str, str] = field(default_factory=dict)  # field -> why it is not SQL
    admin_only: str | None = None  # rows only organization admins may read: why not

    def column_of(self, field_name: str) -> str | None:
        """The column a scalar field reads, or None if the table has no such column."""
        name = self.columns.get(field_name) or snake_case(field_name)
        table = self.model.__table__
        return name if name in table.c else None


def snake_case(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


# The declared graph by GraphQL type name: collected from the schema's types when a schema
# is built (app/api/graph/fields.collect_graph); the compiler and the loaders read it.
GRAPH: dict[str, NodeType] = {}


@functools.lru_cache(maxsize=256)
def lookup_fragments(type_name: str, field_name: str) -> tuple[Fragment, ...]:
    """The conditions of a declared lookup, as SQL over the target row ``{a}``."""
    lookup = GRAPH[type_name].lookups[field_name]
    target = entity(GRAPH[lookup.target].model, "{a}")
    return tuple(condition_fragment(c) for c in lookup.where(target))
