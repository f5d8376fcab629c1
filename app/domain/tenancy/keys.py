"""API key format: ``mlg_<prefix>_<secret>``. Only the SHA-256 of the whole key is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_MARK = "mlg"


@dataclass(frozen=True)
class NewKey:
    prefix: str  # public, shown in listings: "mlg_ab12cd34"
    secret: str  # the whole key, returned once
    secret_hash: str


def generate_key() -> NewKey:
    prefix = f"{KEY_MARK}_{secrets.token_hex(4)}"
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(prefix=prefix, secret=secret, secret_hash=hash_key(secret))


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_prefix(secret: str) -> str | None:
    """The lookup prefix of a presented key, or None if it is not shaped like one."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_MARK or len(parts[1]) != 8 or len(secret) > 200:
        return None
    return f"{parts[0]}_{parts[1]}"


def matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_key(secret), secret_hash)
