"""What an artifact path and content type may be."""

from __future__ import annotations

import re
from urllib.parse import quote

from app.domain.errors import validation

MAX_PATH_CHARS = 1_024
MAX_SEGMENT_CHARS = 255
CONTENT_TYPE_RE = re.compile(
    r"^[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]{0,126}/[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]{0,126}$"
)
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def artifact_path(raw: str, field: list[str]) -> str:
    """A relative path of segments separated by "/", as it will be stored: no absolute
    path, no "." or ".." segment, no empty segment (a doubled or trailing "/" is refused,
    not guessed at), no backslash, NUL or other control character, no lone surrogate, at
    most 1,024 characters and 255 per segment."""
    if not raw:
        raise validation("the path is empty", field)
    if len(raw) > MAX_PATH_CHARS:
        raise validation(f"the path is longer than {MAX_PATH_CHARS} characters", field)
    if any(ord(c) < 32 or ord(c) == 127 for c in raw):
        raise validation("the path holds a control character", field)
    try:  # the API refuses such strings at its edge; MLflow's JSON and importers too
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise validation("the path is not valid Unicode (a lone surrogate)", field) from None
    if "\\" in raw:
        raise validation('use "/" between folders, not "\\"', field)
    if raw.startswith("/"):
        raise validation("the path must be relative to the run", field)
    for segment in raw.split("/"):
        if segment in ("", ".", ".."):
            raise validation('the path has an empty, "." or ".." part', field)
        if len(segment) > MAX_SEGMENT_CHARS:
            raise validation(f"a part of the path is longer than {MAX_SEGMENT_CHARS}", field)
    return raw


def artifact_prefix(raw: str | None, field: list[str]) -> str | None:
    """A folder to list (``path:``): an artifact path, or nothing (the whole run)."""
    if raw is None or raw == "":
        return None
    return artifact_path(raw.rstrip("/"), field)


def content_type(raw: str | None) -> str:
    """The type a client declared (parameters dropped), if it is one; else bytes."""
    if not raw:
        return DEFAULT_CONTENT_TYPE
    media = raw.split(";", 1)[0].strip().lower()
    return media if CONTENT_TYPE_RE.fullmatch(media) else DEFAULT_CONTENT_TYPE


def download_url(run_global_id: str, path: str) -> str:
    """Where a file's bytes are served (relative to the server)."""
    return f"/v1/runs/{quote(run_global_id, safe='')}/artifacts/{quote(path, safe='/')}"
