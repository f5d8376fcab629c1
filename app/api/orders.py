"""Orders many lists share (by creation, by name): GraphQL enums whose members name a
list's order (its ListSpec maps each to its columns)."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(description="Orders by creation time.")
class CreatedOrder(enum.Enum):
    CREATED_ASC = "CREATED_ASC"
    CREATED_DESC = "CREATED_DESC"


@strawberry.enum(description="Orders of deployments and environments.")
class NamedOrder(enum.Enum):
    CREATED_ASC = "CREATED_ASC"
    CREATED_DESC = "CREATED_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
