"""Run console logs: which stream a line came from."""

from __future__ import annotations

import enum


class LogStream(enum.Enum):
    STDOUT = "stdout"
    STDERR = "stderr"
