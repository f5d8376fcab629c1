"""The shape most mutations share, and their payload's entity read back on the compiled path.

``mutate`` runs the work in one transaction (``run_mutation``: the WRITE scope, userErrors,
unique-violation races) and answers with the payload. Its entity is read back by ONE
statement of the compiler when the payload's selection of it compiles (a deployment with
its version, model, project and environment costs one read, not one per link); otherwise,
or when the compiled read does not see the row (a soft-deleted one: ``projectDelete``
answers with the project it retired), the row the work returned is converted by the
declaration (``from_row``) and the resolvers complete it, as before.

The compiled read's JSON is parsed once (a payload is small) and handed to graphql-core as
a ``Precompiled`` value, which the executor returns as the field's completed value
without walking it again (``PrecompiledValues.complete_value``)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from graphql import get_named_type
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.errors import run_mutation
from app.domain.tenancy.access import Actor

if TYPE_CHECKING:
    from strawberry.types import Info

log = logging.getLogger("mlgraph.graphql")

P = TypeVar("P")
T = TypeVar("T")


class Precompiled:
    """A field's completed value, by response key: graphql-core returns it as it is."""

    __slots__ = ("by_key",)

    def __init__(self, by_key: dict[str, Any]) -> None:
        self.by_key = by_key


class PrecompiledValues:
    """Executor mix-in: a ``Precompiled`` result is already the completed value."""

    def complete_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if type(result) is Precompiled:
            return result.by_key[path.key]
        return super().complete_value(  # type: ignore[misc]  # graphql-core's untyped method
            return_type, field_details_list, info, path, result, position_context
        )


async def mutate(
    info: Info,
    payload: type[P],
    entity: str,
    work: Callable[[AsyncSession, Actor], Awaitable[T]],
    *,
    row_of: Callable[[T], Any] | None = None,
    extra: Callable[[T | None], dict[str, Any]] | None = None,
    after: Callable[[T], None] | None = None,
) -> P:
    """``work`` in one transaction, then the payload with its ``entity`` field: read back on
    the compiled path where it compiles, else the returned row through ``from_row``.

    ``row_of`` picks the entity's row from what the work returned (by default, that is the
    row); ``extra`` gives the payload's other fields (e.g. a key's secret, shown once);
    ``after`` runs once the work has committed, before the read (e.g. the request's
    cached access forgets a changed membership), also when the work returned nothing (a
    removed project role)."""
    result, errors = await run_mutation(info, work)
    if after is not None and not errors:
        after(cast(T, result))
    value: Any = None
    if result is not None:
        row = row_of(result) if row_of is not None else result
        value = await read_back(info, payload, entity, row)
        if value is None:
            value = _entity_type(cast(Any, payload), entity).from_row(row)
    others = extra(result) if extra is not None else {}
    return payload(**{entity: value, **others, "user_errors": errors})


async def read_back(info: Info, payload: type, entity: str, row: Any) -> Precompiled | None:
    """The entity as the payload selects it, by one compiled statement (the compiled
    path's door, app/api/graph/extension.py); None when it cannot be read so."""
    path = getattr(info.schema, "compiled_path", None)
    if path is None:
        return None
    field_name, type_name = _entity_field(info._raw_info.return_type, payload, entity)
    by_key = await path.answer_entity(info, field_name, type_name, row.id)
    return Precompiled(by_key) if by_key is not None else None


@functools.cache
def _entity_field(payload_type: Any, payload: type, entity: str) -> tuple[str, str]:
    """The GraphQL name of the payload's ``entity`` field and of its type."""
    payload_type = get_named_type(payload_type)
    for name, gql_field in payload_type.fields.items():
        definition = (gql_field.extensions or {}).get("strawberry-definition")
        if definition is not None and definition.python_name == entity:
            return name, get_named_type(gql_field.type).name
    raise LookupError(f"{payload.__name__} has no field {entity}")


@functools.cache
def _entity_type(payload: Any, entity: str) -> Any:
    definition = payload.__strawberry_definition__
    field = next(f for f in definition.fields if f.python_name == entity)
    node_type = field.type.of_type if hasattr(field.type, "of_type") else field.type
    if hasattr(node_type, "resolve_type"):  # a lazily named type
        node_type = node_type.resolve_type()
    return node_type
