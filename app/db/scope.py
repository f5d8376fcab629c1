"""Whose rows a connection may touch: the database enforces tenancy (row-level security).

Every tenant-owned table has a policy for the ``mlgraph_app`` role (migration 0039, made
from each table's declaration by ``app/domain/tenancy/row_security.py``) that admits a
row only when its organization is one of the caller's and it is not under one of the
private projects hidden from the caller. The policies read four settings of the
connection:

- ``mlgraph.orgs``: the caller's organizations (a uuid[] literal);
- ``mlgraph.hidden``: the private projects hidden from it;
- ``mlgraph.user``: the caller's user (its own user row and API keys);
- ``mlgraph.scope``: ``system`` for the server's own work (workers, authentication,
  fan-out to subscribers, each of which checks access itself), else the caller's.

A connection without settings sees no tenant row at all, so a statement that forgets its
tenancy predicate returns nothing foreign, and one run where no scope was set returns
nothing.

The scope is a context variable: set once where the caller is known (the authentication
middleware, a WebSocket's connection_init) or where the server's own work starts, it
follows the request into every task it starts and into SQLAlchemy's greenlets. A
connection is given the scope when it is checked out of a pool, only if it holds another
one (the settings are the session's, and the pools hand out the connection used last, so
steady traffic from one caller pays no round trip for it)."""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.util import await_only


@dataclass(frozen=True)
class DbScope:
    """The rows a connection may touch. ``system``: every row (the server's own work)."""

    organizations: tuple[uuid.UUID, ...] = ()
    hidden_projects: tuple[uuid.UUID, ...] = ()
    user_id: uuid.UUID | None = None
    system: bool = False

    def settings(self) -> list[str]:
        """The values of (mlgraph.scope, mlgraph.orgs, mlgraph.hidden, mlgraph.user)."""
        return [
            "system" if self.system else "caller",
            _uuid_array(self.organizations),
            _uuid_array(self.hidden_projects),
            str(self.user_id) if self.user_id is not None else "",
        ]


def _uuid_array(ids: Iterable[uuid.UUID]) -> str:
    return "{" + ",".join(str(i) for i in ids) + "}"


NOBODY = DbScope()
SYSTEM = DbScope(system=True)

# One statement, one round trip: the session's settings (not the transaction's: the pool's
# autocommit reads run each statement as its own transaction).
APPLY_SQL = (
    "SELECT set_config('mlgraph.scope', $1, false), set_config('mlgraph.orgs', $2, false), "
    "set_config('mlgraph.hidden', $3, false), set_config('mlgraph.user', $4, false)"
)

# The same for the length of one transaction (then the session's settings again).
TRANSACTION_SQL = text(
    "SELECT set_config('mlgraph.scope', :scope, true), set_config('mlgraph.orgs', :orgs, true), "
    "set_config('mlgraph.hidden', :hidden, true), set_config('mlgraph.user', :user, true)"
)

_current: contextvars.ContextVar[DbScope] = contextvars.ContextVar("db_scope", default=NOBODY)


def caller_scope(
    organizations: Iterable[uuid.UUID],
    hidden_projects: Iterable[uuid.UUID] = (),
    user_id: uuid.UUID | None = None,
) -> DbScope:
    return DbScope(
        organizations=tuple(sorted(set(organizations))),
        hidden_projects=tuple(sorted(set(hidden_projects))),
        user_id=user_id,
    )


def current_scope() -> DbScope:
    return _current.get()


def enter_scope(scope: DbScope) -> None:
    """From here on in this task (and the tasks it starts), connections take ``scope``."""
    _current.set(scope)


@contextlib.contextmanager
def scoped(scope: DbScope) -> Iterator[None]:
    """``scope`` for the length of the block (e.g. authentication's lookups, as SYSTEM)."""
    token = _current.set(scope)
    try:
        yield
    finally:
        _current.reset(token)


async def scope_transaction(session: AsyncSession, scope: DbScope) -> None:
    """``scope`` for the rest of the session's open transaction only: the server's own
    work inside a request (creating an organization checks its slug among all of them)."""
    values = dict(zip(("scope", "orgs", "hidden", "user"), scope.settings(), strict=True))
    await session.execute(TRANSACTION_SQL, values)


def scope_connections(engine: AsyncEngine) -> None:
    """Each connection the engine's pool hands out holds the current scope. Set with the
    raw asyncpg connection, outside any transaction, so no rollback takes it back."""

    @event.listens_for(engine.sync_engine, "checkout")
    def give_scope(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        scope = _current.get()
        if record.info.get("db_scope") != scope:
            raw = dbapi_connection._connection
            await_only(raw.execute(APPLY_SQL, *scope.settings()))
            record.info["db_scope"] = scope

    @event.listens_for(engine.sync_engine, "invalidate")
    def forget(dbapi_connection: Any, record: Any, exception: Any) -> None:
        record.info.pop("db_scope", None)
