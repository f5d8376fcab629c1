"""Ids, global ids, API keys and cursors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from app.api.errors import ClientError
from app.api.ids import decode_any, decode_id, encode_id
from app.api.pagination import decode_cursor, encode_cursor, page_args
from app.db.ids import uuid7
from app.domain.errors import DomainError, ErrorCode
from app.domain.tenancy import keys


def test_uuid7_layout_and_order() -> None:
    first = uuid7(now_ms=1_700_000_000_000)
    later = uuid7(now_ms=1_700_000_000_001)
    assert first.version == 7
    assert first.variant == uuid.RFC_4122
    assert first.int >> 80 == 1_700_000_000_000
    assert first < later
    assert len({uuid7() for _ in range(1000)}) == 1000
    burst = [uuid7() for _ in range(10_000)]  # many per millisecond
    assert burst == sorted(burst)


def test_global_ids_round_trip_and_reject_other_types() -> None:
    row_id = uuid7()
    gid = encode_id("Project", row_id)
    assert decode_any(gid) == ("Project", row_id)
    assert decode_id(gid, "Project", ["id"]) == row_id
    with pytest.raises(DomainError) as caught:
        decode_id(gid, "Model", ["model_id"])
    assert caught.value.code == ErrorCode.NOT_FOUND
    assert caught.value.field == ["model_id"]
    for garbage in ["", "!!!", "UHJvamVjdDpub3QtYS11dWlk", "x" * 500]:
        assert decode_any(garbage) is None


def test_api_keys_store_only_a_hash() -> None:
    new = keys.generate_key()
    assert new.secret.startswith(new.prefix + "_")
    assert new.secret not in new.secret_hash
    assert keys.split_prefix(new.secret) == new.prefix
    assert keys.matches(new.secret, new.secret_hash)
    assert not keys.matches(new.secret + "x", new.secret_hash)
    assert keys.split_prefix("not-a-key") is None


def test_cursor_round_trip() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    values = decode_cursor(encode_cursor([at, "latency"]))
    assert values == (at.isoformat(), "latency")
    with pytest.raises(ClientError):
        decode_cursor("not a cursor")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"first": 101},
        {"first": -1},
        {"last": 101},
        {"first": 1, "last": 1},
        {"after": "a", "before": "b"},
    ],
)
def test_page_args_reject_bad_combinations(kwargs: dict) -> None:  # type: ignore[type-arg]
    args = {"first": None, "after": None, "last": None, "before": None, **kwargs}
    with pytest.raises(ClientError):
        page_args(**args, max_size=100)


def test_page_args_directions() -> None:
    assert page_args(None, None, None, None, max_size=100).size == 20
    forward = page_args(5, None, None, None, max_size=100)
    assert (forward.size, forward.backward) == (5, False)
    backward = page_args(None, None, 3, encode_cursor(["x"]), max_size=100)
    assert (backward.size, backward.backward, backward.cursor) == (3, True, ("x",))


def test_schema_extensions_are_made_per_request():
    """A shared extension instance would see another request's execution context."""
    from strawberry.extensions import SchemaExtension

    from app.server.schema import build_schema

    schema = build_schema()
    assert schema.extensions and not any(isinstance(e, SchemaExtension) for e in schema.extensions)
    first, second = schema.get_extensions(), schema.get_extensions()
    assert all(a is not b for a, b in zip(first, second, strict=True))
