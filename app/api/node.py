"""The Relay ``Node`` interface and the map from global-id type names to tables and types."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import strawberry


@strawberry.interface(description="An object with a global id, fetchable with node(id:).")
class Node:
    id: strawberry.ID


@dataclass(frozen=True)
class NodeKind:
    model: Any
    to_node: Callable[[Any], Node]
    # Rows that only organization admins may list (the audit log, notification deliveries)
    # are only admins' through node(id:) too.
    admin_only: bool = False


NODE_KINDS: dict[str, NodeKind] = {}


def register_node(
    type_name: str, model: Any, to_node: Callable[[Any], Node], *, admin_only: bool = False
) -> None:
    NODE_KINDS[type_name] = NodeKind(model=model, to_node=to_node, admin_only=admin_only)
