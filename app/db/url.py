"""Normalise PostgreSQL URLs to the asyncpg driver SQLAlchemy needs."""

from __future__ import annotations


def async_url(url: str) -> str:
    """``postgresql://`` / ``postgres://`` -> ``postgresql+asyncpg://`` (others unchanged)."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("DATABASE_URL must be a postgresql:// URL")


def plain_url(url: str) -> str:
    """The URL as libpq (pg_dump) and asyncpg read it: no SQLAlchemy driver suffix, and its
    libpq parameters kept — ``sslmode`` (disable, allow, prefer, require, verify-ca,
    verify-full), ``sslrootcert``, ``sslcert``, ``sslkey``, ``sslcrl`` — which every
    connection the server opens honours (docs/operations.md, "TLS to the database")."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


APP_ROLE = "mlgraph_app"  # created by migration 0007; what the server connects as


def app_role_url(owner_url: str, password: str | None = None) -> str:
    """The owner's URL with the least-privileged application role as its user."""
    from sqlalchemy.engine import make_url

    url = make_url(owner_url).set(username=APP_ROLE, password=password)
    return url.render_as_string(hide_password=False)
