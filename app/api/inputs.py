"""Helpers for input objects."""

from __future__ import annotations

from typing import Any

from strawberry import UNSET


def provided(input_object: Any, *names: str) -> dict[str, Any]:
    """The fields a client actually sent (UNSET ones are left out), by snake_case name."""
    return {
        name: getattr(input_object, name)
        for name in names
        if getattr(input_object, name) is not UNSET
    }
