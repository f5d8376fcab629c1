"""The builds context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

from app.api.exposing import expose
from app.domain.builds import enums as builds

expose(
    builds.BuildStatus,
)

BuildStatus = builds.BuildStatus
