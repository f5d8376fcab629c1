"""Domain enums as GraphQL enums: registered in place, so the domain's class *is* the
GraphQL enum (exposed by member name) and the API annotates with the domain's own class."""

from __future__ import annotations

import enum

import strawberry


def expose(*enums: type[enum.Enum] | tuple[type[enum.Enum], str]) -> None:
    """Register each enum, under its own name or the one paired with it."""
    for entry in enums:
        domain_enum, name = entry if isinstance(entry, tuple) else (entry, None)
        strawberry.enum(domain_enum, name=name)
