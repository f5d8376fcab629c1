"""PostgreSQL arrays read in their binary form (``array_send``) straight into numpy: one
buffer per array instead of one Python object per element, which for a chart's 10,000 raw
points was most of the cost of reading them."""

from __future__ import annotations

import struct

import numpy as np

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
