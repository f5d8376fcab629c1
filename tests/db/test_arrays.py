"""app/db/arrays.py reads PostgreSQL's binary arrays (array_send) into numpy, and writes
numpy arrays as array text for the ingest statement: both held to what PostgreSQL itself
stores, for random arrays of every element type they carry."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

from app.db.arrays import array_text, int_array_text, numpy_array, str_array_text
from tests.support.drawn import drawn

BIGINTS = st.lists(st.integers(-(2**63), 2**63 - 1), max_size=300)
INTS = st.lists(st.integers(-(2**31), 2**31 - 1), max_size=300)
FLOATS = st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=300)


async def test_binary_arrays_read_as_postgresql_stores_them(connection):
    checked = 0
    for sql_type, strategy in (("bigint", BIGINTS), ("integer", INTS), ("float8", FLOATS)):
        for values in drawn(strategy, 60):
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


async def test_array_text_is_read_back_as_the_same_numbers(connection):
    """Every finite double (subnormals, -0.0, the extremes) and every int64 PostgreSQL
    parses from array_text is the number sent, bit for bit."""
    extremes = [[5e-324, -0.0, 1.7976931348623157e308, -2.2250738585072014e-308, 0.1, 1 / 3]]
    checked = 0
    for sql_type, dtype, strategy in (("float8", np.float64, FLOATS), ("int8", np.int64, BIGINTS)):
        samples = drawn(strategy, 60) + (extremes if dtype is np.float64 else [])
        for values in samples:
            sent = array_text(np.array(values, dtype=dtype))
            read = await connection.fetchval(f"SELECT CAST(CAST($1 AS text) AS {sql_type}[])", sent)
            assert read == values, (sql_type, values, sent)
            if dtype is np.float64:
                assert np.signbit(read).tolist() == np.signbit(values).tolist()
            checked += 1
    assert checked == 121


ANY_FLOATS = st.lists(st.floats(), min_size=1, max_size=300)  # NaN and ±Infinity included


async def test_array_text_carries_nan_and_infinity(connection):
    """Arrays holding NaN or ±Infinity (which orjson writes as null) are written element by
    element: PostgreSQL reads back every value bit for bit, NaN as NaN — or as NULL where
    the caller says a NaN means "no value" (a bucket's min without a finite value)."""
    checked = 0
    for values in drawn(ANY_FLOATS, 60) + [[float("nan"), float("inf"), -float("inf"), -0.0]]:
        array = np.array(values, dtype=np.float64)
        read = await connection.fetchval(
            "SELECT CAST(CAST($1 AS text) AS float8[])", array_text(array)
        )
        assert np.array_equal(np.array(read), array, equal_nan=True), values
        assert np.signbit(read).tolist() == np.signbit(array).tolist()
        nulls = await connection.fetchval(
            "SELECT CAST(CAST($1 AS text) AS float8[])", array_text(array, nan_as_null=True)
        )
        assert [v is None for v in nulls] == np.isnan(array).tolist()
        checked += 1
    assert checked == 61


# Any text PostgreSQL stores (no NUL): quotes, backslashes, braces, commas, spaces, NULL.
TEXTS = st.lists(
    st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"])), max_size=20
)


async def test_short_lists_as_array_text_are_read_back_as_sent(connection):
    """Strings (whatever they hold) and Python ints written as array text, as the ingest
    statement sends its short lists, are what PostgreSQL reads."""
    tricky = [['"', "\\", "a,b", "{x}", " padded ", "NULL", "", "é\n\t"]]
    checked = 0
    for values in drawn(TEXTS, 60) + tricky:
        read = await connection.fetchval(
            "SELECT CAST(CAST($1 AS text) AS varchar[])", str_array_text(values)
        )
        assert read == values, values
        checked += 1
    for ints in drawn(BIGINTS, 30):
        read = await connection.fetchval(
            "SELECT CAST(CAST($1 AS text) AS int8[])", int_array_text(ints)
        )
        assert read == ints
        checked += 1
    assert checked == 91
