"""app/db/arrays.py reads PostgreSQL's binary arrays (array_send) into numpy: held to what
PostgreSQL itself stores, for random arrays of every element type the history reads."""

from __future__ import annotations

import asyncpg
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import make_url

from app.db.arrays import numpy_array

BIGINTS = st.lists(st.integers(-(2**63), 2**63 - 1), max_size=300)
INTS = st.lists(st.integers(-(2**31), 2**31 - 1), max_size=300)
FLOATS = st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=300)


def examples_of(strategy: st.SearchStrategy[list]) -> list[list]:  # type: ignore[type-arg]
    """60 examples hypothesis draws (the database check itself is async)."""
    examples: list[list] = []  # type: ignore[type-arg]

    @settings(max_examples=60, database=None, derandomize=True, deadline=None)
    @given(strategy)
    def collect(values: list) -> None:  # type: ignore[type-arg]
        examples.append(values)

    collect()
    return examples


@pytest.fixture
async def connection(database_url):  # type: ignore[no-untyped-def]
    url = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(url)
    yield connection
    await connection.close()


async def test_binary_arrays_read_as_postgresql_stores_them(connection):
    checked = 0
    for sql_type, strategy in (("bigint", BIGINTS), ("integer", INTS), ("float8", FLOATS)):
        for values in examples_of(strategy):
            sent = await connection.fetchval(f"SELECT array_send($1::{sql_type}[])", values)
            read = numpy_array(sent)
            assert read.tolist() == values, (sql_type, values)
            # -0.0 and the sign of every float come through bit for bit
            assert np.signbit(read).tolist() == np.signbit(np.array(values, dtype=float)).tolist()
            checked += 1
    assert checked == 180
    assert numpy_array(None).size == 0
    with pytest.raises(ValueError, match="NULLs"):
        numpy_array(await connection.fetchval("SELECT array_send(ARRAY[1, NULL]::bigint[])"))
