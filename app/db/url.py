"""Normalise PostgreSQL URLs to the asyncpg driver SQLAlchemy needs."""

from __future__ import annotations


def async_url(url: str) -> str:
    """``postgresql://`` / ``postgres://`` -> ``postgresql+asyncpg://`` (others unchanged)."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("DATABASE_URL must be a postgresql:// URL")
