"""Dataset enums."""

from __future__ import annotations

import enum


class DatasetType(enum.Enum):
    IMAGE = "image"
    TEXT = "text"
    TABULAR = "tabular"
    TIME_SERIES = "time_series"
    AUDIO = "audio"
    OTHER = "other"


class DatasetVersionStatus(enum.Enum):
    CREATED = "created"
    VERIFIED = "verified"
    ACTIVE = "active"
    DEPRECATED = "deprecated"


class ChecksumAlgorithm(enum.Enum):
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    SHA512 = "sha512"
    BLAKE2B = "blake2b"


class InputRole(enum.Enum):
    TRAIN = "train"
    VALIDATION = "validation"
    TEST = "test"
    OTHER = "other"


# Hex digits per algorithm: a checksum of another length is a mistake, not a value.
DIGEST_LENGTH = {
    ChecksumAlgorithm.MD5: 32,
    ChecksumAlgorithm.SHA1: 40,
    ChecksumAlgorithm.SHA256: 64,
    ChecksumAlgorithm.SHA512: 128,
    ChecksumAlgorithm.BLAKE2B: 128,
}
