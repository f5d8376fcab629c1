"""PostgreSQL arrays read in their binary form (``array_send``) straight into numpy: one
buffer per array instead of one Python object per element, which for a chart's 10,000 raw
points was most of the cost of reading them; and numpy arrays written as array text by
orjson, which for a batch's points costs a tenth of asyncpg's encoding of a list."""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable

import numpy as np
import orjson

# Element type OIDs -> their big-endian (network order) numpy types.
ELEMENTS = {20: ">i8", 23: ">i4", 21: ">i2", 701: ">f8", 700: ">f4"}
HEADER = struct.Struct(">iiI")  # dimensions, has-nulls flag, element type
DIMENSION = struct.Struct(">ii")  # size, lower bound


def numpy_array(buffer: bytes | None) -> np.ndarray:
    """A one-dimensional array without NULLs, as ``array_send`` writes it (each element
    its 4-byte length, then its value), as a native-order numpy array."""
    if not buffer:
        return np.empty(0)
    dimensions, has_nulls, oid = HEADER.unpack_from(buffer)
    item = np.dtype(ELEMENTS[oid])
    native = item.newbyteorder("=")
    if dimensions == 0:
        return np.empty(0, dtype=native)
    if dimensions != 1 or has_nulls:
        raise ValueError("only one-dimensional arrays without NULLs are read this way")
    size, _ = DIMENSION.unpack_from(buffer, HEADER.size)
    record = np.dtype([("length", ">i4"), ("value", item)])
    values = np.frombuffer(buffer, dtype=record, count=size, offset=HEADER.size + DIMENSION.size)
    return values["value"].astype(native)


# PostgreSQL's spellings of the non-finite doubles, in array text and in JSON alike (JSON
# itself has none: the API carries them as these strings).
NONFINITE_VALUES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def nonfinite_text(value: float) -> str:
    """``NaN``, ``Infinity`` or ``-Infinity`` for a non-finite double."""
    return "NaN" if value != value else "Infinity" if value > 0 else "-Infinity"


def array_text(values: np.ndarray, nan_as_null: bool = False) -> str:
    """A one-dimensional int64 or float64 array as PostgreSQL's array text, ``{1,0.5}``,
    for ``CAST(CAST(:p AS text) AS float8[])``. orjson writes each float's shortest
    round-trip form, which PostgreSQL reads back to the same double; asyncpg's binary
    encoder instead checks and converts each element of a list in Python (~150 ns each,
    most of a 1,000-point batch's encoding). orjson writes NaN and ±Infinity as null, so an
    array holding any is written element by element (``NaN``, ``Infinity``,
    ``-Infinity``; NaN as ``NULL`` with ``nan_as_null``: a bucket's min with no finite
    value), with ``repr``, which round-trips a double exactly too."""
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        return (
            "{"
            + ",".join(
                repr(v)
                if math.isfinite(v)
                else "NULL"
                if nan_as_null and v != v
                else nonfinite_text(v)
                for v in values.tolist()
            )
            + "}"
        )
    return "{" + orjson.dumps(values, option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].decode() + "}"


def int_array_text(values: Iterable[int]) -> str:
    """Python ints as array text, for ``CAST(CAST(:p AS text) AS int8[])``: asyncpg's own
    encoding of a list checks every element against abstract base classes, in Python."""
    return "{" + ",".join(map(str, values)) + "}"


def str_array_text(values: Iterable[str]) -> str:
    """Strings as array text, each double-quoted, a backslash before ``"`` and ``\\``
    (PostgreSQL reads every other character inside the quotes as it is), for
    ``CAST(CAST(:p AS text) AS varchar[])``."""
    return "{" + ",".join('"' + _escape(value) + '"' for value in values) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
