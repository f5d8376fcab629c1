"""The builds context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

import enum

import strawberry

from app.domain.builds import enums as builds

_EXPOSED: tuple[tuple[type[enum.Enum], str | None], ...] = ((builds.BuildStatus, None),)
for _domain_enum, _name in _EXPOSED:
    strawberry.enum(_domain_enum, name=_name)

BuildStatus = builds.BuildStatus
