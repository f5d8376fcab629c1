"""The run's console: what the program prints, kept line by line for the run's log.

``ConsoleCapture`` puts a tee in front of ``sys.stdout`` and ``sys.stderr``: every write
still reaches the terminal at once, unchanged; each complete line is also kept, with its
stream and time, for the sender thread (``Run`` sends them with ``runLogsAppend``). A
carriage return rewrites the line, as a terminal shows it (progress bars keep their last
state, not every redraw). At most ``max_lines`` wait: beyond, the oldest go and are
counted (``dropped``). Capturing never raises into the program: the tee writes to the
real stream first, and keeping a line only appends to a deque."""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from typing import Any, TextIO

# (stream "STDOUT" or "STDERR", the line without its newline, epoch seconds)
Line = tuple[str, str, float]


class _Tee:
    """A text stream that writes to ``original`` and hands complete lines to ``capture``."""

    def __init__(self, original: TextIO, stream: str, capture: ConsoleCapture) -> None:
        self._original = original
        self._stream = stream
        self._capture = capture
        self._partial = ""

    def write(self, text: str) -> int:
        written = self._original.write(text)
        if isinstance(text, str) and text:
            self._capture._keep(self, text)
        return written

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._original.flush()

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno, buffer...
        return getattr(self._original, name)


class ConsoleCapture:
    def __init__(self, max_lines: int = 100_000) -> None:
        self.max_lines = max_lines
        self.lines: deque[Line] = deque()
        self.dropped = 0
        self._lock = threading.RLock()
        self._tees: list[tuple[str, _Tee, TextIO]] = []

    def start(self) -> bool:
        """Tee both streams; False (and nothing done) if another run captures already."""
        global _capturing
        with _owner_lock:
            if _capturing is not None:
                return False
            _capturing = self
        for name, label in (("stdout", "STDOUT"), ("stderr", "STDERR")):
            original = getattr(sys, name)
            tee = _Tee(original, label, self)
            setattr(sys, name, tee)
            self._tees.append((name, tee, original))
        return True

    def stop(self) -> None:
        """Give the streams back (if nobody replaced ours since) and keep any unfinished
        line."""
        global _capturing
        for name, tee, original in self._tees:
            if getattr(sys, name) is tee:
                setattr(sys, name, original)
            if tee._partial:
                self._append(tee._stream, tee._partial)
                tee._partial = ""
        self._tees = []
        with _owner_lock:
            if _capturing is self:
                _capturing = None

    def take(self, limit: int) -> list[Line]:
        with self._lock:
            count = min(limit, len(self.lines))
            return [self.lines.popleft() for _ in range(count)]

    def put_back(self, lines: list[Line]) -> None:
        """Lines taken but not sent (the run ended first): at the front again."""
        with self._lock:
            self.lines.extendleft(reversed(lines))

    def __len__(self) -> int:
        return len(self.lines)

    def _keep(self, tee: _Tee, text: str) -> None:
        with self._lock:  # threads print too: one line at a time
            pieces = (tee._partial + text).split("\n")
            tee._partial = pieces.pop()
            for piece in pieces:
                self._append(tee._stream, piece)

    def _append(self, stream: str, line: str) -> None:
        if "\x00" in line:  # the server takes no NUL: shown as the replacement character
            line = line.replace("\x00", "\ufffd")
        if "\r" in line:  # what a terminal shows: the text after the last carriage return
            line = line.rstrip("\r").rsplit("\r", 1)[-1]
        with self._lock:
            if len(self.lines) >= self.max_lines:
                self.lines.popleft()
                self.dropped += 1
            self.lines.append((stream, line, time.time()))


_owner_lock = threading.Lock()
_capturing: ConsoleCapture | None = None
