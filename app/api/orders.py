"""Orders many lists share (by creation, by name). An order enum is its own spec: each
member's value is the order its GraphQL name picks (``orders_of(NamedOrder)`` is the
ListSpec's mapping), so an orderBy can offer nothing its list does not sort by."""

from __future__ import annotations

import enum

import strawberry

from app.api.loaders.list_spec import Order


@strawberry.enum(description="Orders by creation time.")
class CreatedOrder(enum.Enum):
    CREATED_ASC = Order(("id",))
    CREATED_DESC = Order(("id",), descending=True)


@strawberry.enum(description="Orders of deployments and environments.")
class NamedOrder(enum.Enum):
    CREATED_ASC = Order(("id",))
    CREATED_DESC = Order(("id",), descending=True)
    NAME_ASC = Order(("name", "id"))
    NAME_DESC = Order(("name", "id"), descending=True)
