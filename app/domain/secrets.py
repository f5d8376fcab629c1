"""Secrets at rest (webhook signing secrets, Slack webhook URLs): sealed with a key from
the environment (MLGRAPH_SECRET_KEY, a Fernet key: AES-128-CBC + HMAC-SHA256), so a copy
of the database (a backup, a replica, a leaked dump) does not hold usable credentials.

Sealed values carry a prefix; a value without it is a legacy plaintext one, still usable
and sealed by ``seal_legacy_channel_secrets`` at startup."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "enc:v1:"


class SecretUnreadable(Exception):
    """Sealed with another key, or damaged."""


class SecretBox:
    def __init__(self, key: str | bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as error:
            raise ValueError(
                "MLGRAPH_SECRET_KEY must be a Fernet key (32 url-safe base64-encoded bytes): "
                "python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from error

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    def seal(self, plaintext: str) -> str:
        if plaintext.startswith(PREFIX):
            return plaintext
        return PREFIX + self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # legacy plaintext
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken as error:
            raise SecretUnreadable("sealed with another MLGRAPH_SECRET_KEY") from error


def is_sealed(stored: str | None) -> bool:
    return stored is not None and stored.startswith(PREFIX)
