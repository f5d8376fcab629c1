"""Pure input rules shared by every bounded context (no database, unit-tested)."""

from __future__ import annotations

import functools
import math
import re
import zoneinfo
from collections.abc import Sequence
from typing import Any

import orjson

from app.domain.errors import validation

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$")
MAX_JSON_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32
MAX_TAGS = 50


def camel(name: str) -> str:
    """An input's GraphQL name from its Python one (``min_severity`` -> ``minSeverity``),
    for a message that names another field (paths use the Python name)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def slug(value: str | None, field: Sequence[str]) -> str:
    """A lowercase kebab-case slug, 2 to 63 characters."""
    if value is None or not 2 <= len(value) <= 63 or not SLUG_RE.fullmatch(value):
        raise validation(
            "must be 2-63 characters of lowercase letters, digits and single hyphens "
            "(kebab-case), e.g. 'fraud-detection'",
            field,
        )
    return value


def name(value: str | None, field: Sequence[str], max_length: int = 200) -> str:
    """A display name: trimmed, non-empty, bounded, no control characters."""
    if value is None:
        raise validation("must not be null", field)
    cleaned = value.strip()
    if not cleaned:
        raise validation("must not be blank", field)
    if len(cleaned) > max_length:
        raise validation(f"must be at most {max_length} characters", field)
    if any(ord(ch) < 32 for ch in cleaned):
        raise validation("must not contain control characters", field)
    return cleaned


def has_control_characters(text: str, allowed: str = "") -> bool:
    """Whether ``text`` holds a C0 control character (other than ``allowed``) or DEL."""
    return any((ord(ch) < 32 and ch not in allowed) or ord(ch) == 127 for ch in text)


def command_word(value: str | None, field: Sequence[str], max_length: int) -> str | None:
    """A value an executor passes on a command line (an image, an entry point): trimmed,
    bounded, no control characters, and never starting with '-', which a command reads as
    an option (``--privileged``). None when absent or blank."""
    if value is None or not value.strip():
        return None
    cleaned = value.strip()
    if len(cleaned) > max_length:
        raise validation(f"must be at most {max_length} characters", field)
    if has_control_characters(cleaned):
        raise validation("must not contain control characters", field)
    if cleaned.startswith("-"):
        raise validation("must not start with '-' (a command line would read an option)", field)
    return cleaned


def optional_text(value: str | None, field: Sequence[str], max_length: int = 10_000) -> str | None:
    if value is None:
        return None
    if len(value) > max_length:
        raise validation(f"must be at most {max_length} characters", field)
    return value


def email(value: str, field: Sequence[str]) -> str:
    cleaned = value.strip().lower()
    if len(cleaned) > 320 or not EMAIL_RE.fullmatch(cleaned):
        raise validation("must be an email address", field)
    return cleaned


def tags(values: Sequence[str] | None, field: Sequence[str]) -> list[str]:
    """Up to 50 distinct tags of letters, digits and ``_ . : / -``; order kept."""
    if values is None:
        return []
    if len(values) > MAX_TAGS:
        raise validation(f"at most {MAX_TAGS} tags", field)
    seen: dict[str, None] = {}
    for index, tag in enumerate(values):
        if not TAG_RE.fullmatch(tag):
            raise validation(
                "a tag is 1-64 letters, digits or '_.:/-', starting with a letter or digit",
                [*field, str(index)],
            )
        seen.setdefault(tag, None)
    return list(seen)


def json_object(value: Any, field: Sequence[str]) -> dict[str, Any]:
    """A JSON object of bounded size and depth with only finite, 64-bit-safe numbers."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise validation("must be a JSON object", field)
    json_value(value, field)
    return value


def json_value(value: Any, field: Sequence[str], max_bytes: int = MAX_JSON_BYTES) -> bytes:
    """Check any JSON value (depth, numbers, size); returns its encoding."""
    problem = _json_problem(value, 1)
    if problem:
        raise validation(problem, field)
    try:
        encoded = orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise validation("must be plain JSON", field) from exc
    if len(encoded) > max_bytes:
        raise validation(f"must be at most {max_bytes} bytes of JSON", field)
    return encoded


def _json_problem(value: Any, depth: int) -> str | None:
    if depth > MAX_JSON_DEPTH:
        return f"must be nested at most {MAX_JSON_DEPTH} levels deep"
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return "numbers must be finite (no NaN or Infinity)"
        # A float this large is a whole number (PostgreSQL keeps 1e20 as one, of 21 digits):
        # held to the same 64-bit bound as an integer, so no stored number breaks a read.
        return None if -(2**63) <= value < 2**63 else "numbers must be within ±2^63 (64 bits)"
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    for child in children:
        problem = _json_problem(child, depth + 1)
        if problem:
            return problem
    return None


def url(value: str | None, field: Sequence[str]) -> str | None:
    if value is None:
        return None
    if len(value) > 2048 or not re.fullmatch(r"^[a-z][a-z0-9+.-]*://\S+$", value):
        raise validation("must be an absolute URI such as s3://bucket/key or https://...", field)
    return value


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone(value: str, field: Sequence[str]) -> str:
    """An IANA time zone name (Europe/Paris, UTC), as the tz database spells it."""
    name = value.strip()
    if name not in _time_zones():
        raise validation("must be an IANA time zone such as Europe/Paris or UTC", field)
    return name
