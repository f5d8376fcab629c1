"""Run Alembic migrations from code (CLI, server start, tests)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.engine import make_engine
from app.settings import REPO_ROOT

MIGRATIONS_DIR = REPO_ROOT / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["database_url"] = database_url
    return config


def _in_thread(fn: Callable[..., object], *args: object) -> None:
    # env.py calls asyncio.run(); keep it off any running event loop.
    errors: list[BaseException] = []

    def target() -> None:
        try:
            fn(*args)
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def upgrade(database_url: str, revision: str = "head") -> None:
    _in_thread(command.upgrade, alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    _in_thread(command.downgrade, alembic_config(database_url), revision)


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused"))
    head = script.get_current_head()
    assert head is not None
    return head


async def _revision(conn: AsyncConnection) -> str | None:
    if not await conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL")):
        return None
    version: str | None = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    return version


async def current_revision(database_url: str) -> str | None:
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            return await _revision(conn)
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Migrated:
    """What ``migrate`` did: from which revision to which, the backup it took first (none
    for a database holding no data, nothing to do, or when told not to), how long each
    part took."""

    from_revision: str | None
    to_revision: str
    backup: Path | None = None
    backup_seconds: float = 0.0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        if self.from_revision == self.to_revision:
            return [f"already at {self.to_revision}: nothing to do"]
        made = []
        if self.backup is not None:
            made.append(f"backup first: {self.backup} ({self.backup_seconds:.1f} s)")
        made.append(
            f"migrated from {self.from_revision or 'an empty database'} to "
            f"{self.to_revision} in {self.seconds:.1f} s"
        )
        return made


async def _before_migrating(database_url: str) -> tuple[str | None, bool]:
    """The database's revision, and whether it holds an organization (its schema alone is
    nothing to lose), on one connection."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            revision = await _revision(conn)
            if not await conn.scalar(text("SELECT to_regclass('organizations') IS NOT NULL")):
                return revision, False
            holds = await conn.scalar(text("SELECT EXISTS (SELECT 1 FROM organizations)"))
            return revision, bool(holds)
    finally:
        await engine.dispose()


def migrate(
    database_url: str,
    revision: str = "head",
    *,
    downgrade_to: str | None = None,
    backup_dir: Path | None = None,
    take_backup: bool = True,
) -> Migrated:
    """Upgrade to ``revision`` (or downgrade to ``downgrade_to``), timed; a database holding
    data is backed up to ``backup_dir`` first (``mlgraph backup``'s dump, named after the
    revisions and the time), unless ``take_backup`` is false. A failed backup stops here,
    before anything changed."""
    from app.db.backup import backup

    was, holds_data = asyncio.run(_before_migrating(database_url))
    target = downgrade_to if downgrade_to is not None else revision
    if target == "head":
        target = head_revision()
    if was == target:
        return Migrated(was, target)
    dump, backup_seconds = None, 0.0
    if take_backup and backup_dir is not None and holds_data:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        dump = backup_dir / f"mlgraph-{was}-to-{target}-{stamp}.dump"
        started = time.perf_counter()
        backup(database_url, dump)
        backup_seconds = time.perf_counter() - started
    started = time.perf_counter()
    if downgrade_to is not None:
        downgrade(database_url, downgrade_to)
    else:
        upgrade(database_url, revision)
    return Migrated(was, target, dump, backup_seconds, time.perf_counter() - started)
